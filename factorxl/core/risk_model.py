"""Risk-model assembly: factor covariance, its validity check, and the asset covariance.

The factor covariance ``F`` comes either from volatilities and a correlation matrix,
``F = diag(s) C diag(s)``, or from a history of factor returns: the sample covariance
(``ddof=1``) or the exponentially weighted one with a half-life of ``h`` periods, whose
weights ``w_t = 0.5 ** ((T - 1 - t) / h)`` are normalized to sum to one and applied to
deviations from the weighted mean (the convention of pandas' ``ewm(halflife=h).cov(bias=True)``).

A :class:`RiskModel` holds exposures ``X`` (N x K), ``F`` and specific volatilities; its asset
covariance is ``Sigma = X F X' + Delta`` with ``Delta = diag(specific vol^2)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.variance import sample_covariance
from factorxl.errors import FactorxlError, quoted

COVARIANCE_METHODS = ("sample", "ewma")
SYMMETRY_TOLERANCE = 1e-10
PSD_TOLERANCE = 1e-12  # eigenvalues above -tol * largest count as non-negative


def _labels(size: int, labels: Sequence[str] | None, prefix: str = "f") -> list[str]:
    return list(labels) if labels is not None else [f"{prefix}{j + 1}" for j in range(size)]


def check_symmetric(matrix: np.ndarray, name: str, labels: Sequence[str] | None = None) -> np.ndarray:
    """Validate a square, finite, symmetric matrix; return it symmetrized (average with its transpose).

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
    name : str
        The argument's name in error messages.
    labels : sequence of str, optional
        Row/column names for the messages (``f1, f2, ...`` by default).

    Raises
    ------
    FactorxlError
        Naming the shape, a missing entry or the first asymmetric pair.
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise FactorxlError(f"{name} must be a square matrix; it has shape {' x '.join(map(str, matrix.shape))}")
    names = _labels(matrix.shape[0], labels)
    if not np.isfinite(matrix).all():
        i, j = (int(v) for v in np.argwhere(~np.isfinite(matrix))[0])
        raise FactorxlError(f"{name} has a missing entry at ({names[i]}, {names[j]})")
    scale = max(np.abs(matrix).max(), np.finfo(float).tiny)
    gap = np.abs(matrix - matrix.T)
    if gap.max() > SYMMETRY_TOLERANCE * scale:
        i, j = (int(v) for v in np.unravel_index(np.argmax(gap), gap.shape))
        raise FactorxlError(
            f"{name} is not symmetric: ({names[i]}, {names[j]}) is {matrix[i, j]:g} but "
            f"({names[j]}, {names[i]}) is {matrix[j, i]:g}"
        )
    return (matrix + matrix.T) / 2.0


def check_covariance(matrix: np.ndarray, name: str, labels: Sequence[str] | None = None) -> np.ndarray:
    """Validate a covariance or correlation matrix: square, finite, symmetric, positive semi-definite.

    Returns the matrix symmetrized (its average with its transpose).

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
    name : str
        The argument's name in error messages.
    labels : sequence of str, optional
        Factor names for the messages (``f1, f2, ...`` by default).

    Raises
    ------
    FactorxlError
        Naming the problem: the shape, a missing entry, the first asymmetric pair, a
        negative variance, or the most negative eigenvalue and the factors its
        eigenvector loads on.
    """
    symmetric = check_symmetric(matrix, name, labels)
    names = _labels(symmetric.shape[0], labels)
    if (np.diag(symmetric) < 0).any():
        i = int(np.flatnonzero(np.diag(symmetric) < 0)[0])
        raise FactorxlError(f"{name} has a negative variance on its diagonal at {names[i]} ({symmetric[i, i]:g})")
    values, vectors = np.linalg.eigh(symmetric)
    if values[0] < -PSD_TOLERANCE * max(values[-1], np.abs(symmetric).max()):
        vector = np.abs(vectors[:, 0])
        involved = [names[j] for j in np.argsort(-vector) if vector[j] > 0.1 * vector.max()]
        raise FactorxlError(
            f"{name} is not positive semi-definite: its smallest eigenvalue is {values[0]:.6g}; "
            f"the inconsistent combination involves {', '.join(involved)}; these entries cannot all hold at once"
        )
    return symmetric


def eigenvalues(matrix: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric matrix in ascending order (all >= 0 for a valid covariance).

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric up to rounding (averaged with its transpose first).

    Returns
    -------
    ndarray, shape (K,)
    """
    matrix = np.asarray(matrix, dtype=float)
    return np.linalg.eigvalsh((matrix + matrix.T) / 2.0)


def covariance_from_correlation(
    factor_vols: np.ndarray, correlation: np.ndarray, labels: Sequence[str] | None = None
) -> np.ndarray:
    """``F = diag(s) C diag(s)`` with ``s`` the factor volatilities, after checking ``C`` is a valid
    correlation matrix.

    Parameters
    ----------
    factor_vols : ndarray, shape (K,)
        Factor volatilities (positive).
    correlation : ndarray, shape (K, K)
    labels : sequence of str, optional
        Factor names for error messages.

    Returns
    -------
    ndarray, shape (K, K)

    Raises
    ------
    FactorxlError
        If a volatility is not positive, the sizes differ, the diagonal is not one, an entry
        lies outside [-1, 1], or ``C`` is not symmetric positive semi-definite.
    """
    vols = np.asarray(factor_vols, dtype=float).ravel()
    correlation = np.asarray(correlation, dtype=float)
    names = _labels(vols.size, labels)
    if correlation.shape != (vols.size, vols.size):
        raise FactorxlError(
            f"factor_vols has {vols.size} factors but correlation is {' x '.join(map(str, correlation.shape))}; "
            f"expected a {vols.size} x {vols.size} matrix"
        )
    if not (vols > 0).all():
        j = int(np.flatnonzero(~(vols > 0))[0])
        raise FactorxlError(f"factor_vols must be positive, a volatility for each factor; {names[j]} has {vols[j]:g}")
    corr = check_covariance(correlation, "correlation", names)
    off_diagonal = np.abs(np.diag(corr) - 1.0) > 1e-12
    if off_diagonal.any():
        j = int(np.flatnonzero(off_diagonal)[0])
        raise FactorxlError(f"correlation must have ones on its diagonal; ({names[j]}, {names[j]}) is {corr[j, j]:g}")
    outside = np.abs(corr) > 1.0 + 1e-12
    if outside.any():
        i, j = (int(v) for v in np.argwhere(outside)[0])
        raise FactorxlError(f"correlation ({names[i]}, {names[j]}) is {corr[i, j]:g}; correlations lie in [-1, 1]")
    return np.outer(vols, vols) * corr


def ewma_weights(periods: int, half_life: float) -> np.ndarray:
    """Weights ``0.5 ** ((T - 1 - t) / half_life)`` normalized to sum to one (newest last).

    Parameters
    ----------
    periods : int
        T, the number of periods.
    half_life : float
        Periods after which a weight halves (positive).

    Returns
    -------
    ndarray, shape (T,)
    """
    if not half_life > 0:
        raise FactorxlError(f"half_life must be positive; got {half_life:g}")
    raw = 0.5 ** (np.arange(periods - 1, -1, -1) / half_life)
    return raw / raw.sum()


def weighted_covariance(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``sum_t w_t (r_t - m)(r_t - m)'`` with ``m = sum_t w_t r_t`` and weights summing to one.

    Parameters
    ----------
    values : ndarray, shape (T, K)
    weights : ndarray, shape (T,)
        Non-negative, summing to one.

    Returns
    -------
    ndarray, shape (K, K)
    """
    centered = values - weights @ values
    return centered.T @ (weights[:, None] * centered)


def covariance_from_returns(
    factor_returns: np.ndarray,
    method: str = "sample",
    half_life: float | None = None,
    periods_per_year: float | None = None,
) -> np.ndarray:
    """Factor covariance from a history of factor returns (time down the rows).

    Parameters
    ----------
    factor_returns : ndarray, shape (T, K)
        Rows with a missing value are dropped.
    method : {"sample", "ewma"}
        Sample covariance (``ddof=1``) or exponentially weighted with ``half_life``.
    half_life : float
        Required for ``"ewma"``: periods after which a weight halves.
    periods_per_year : float, optional
        Multiply by this to annualize (per-period otherwise).

    Raises
    ------
    FactorxlError
        If the method is unknown, the half-life is missing, or too few complete rows remain.
    """
    if method not in COVARIANCE_METHODS:
        raise FactorxlError(f"method must be one of {', '.join(quoted(c) for c in COVARIANCE_METHODS)}; got {quoted(method)}")
    values = np.asarray(factor_returns, dtype=float)
    values = values[:, None] if values.ndim == 1 else values
    values = values[~np.isnan(values).any(axis=1)]
    if values.shape[0] < 2:
        raise FactorxlError(f"factor returns have {values.shape[0]} complete rows; a covariance needs at least 2")
    if method == "sample":
        covariance = sample_covariance(values)
    else:
        if half_life is None:
            raise FactorxlError('half_life is required for method "ewma"')
        covariance = weighted_covariance(values, ewma_weights(values.shape[0], half_life))
    return covariance * (1.0 if periods_per_year is None else periods_per_year)


@dataclass(frozen=True)
class RiskModel:
    """A factor risk model of N stocks on K factors.

    Attributes
    ----------
    exposures : ndarray, shape (N, K)
    factor_cov : ndarray, shape (K, K)
    specific_vols : ndarray, shape (N,)
    """

    exposures: np.ndarray
    factor_cov: np.ndarray
    specific_vols: np.ndarray

    @property
    def specific_var(self) -> np.ndarray:
        return self.specific_vols**2

    @property
    def covariance(self) -> np.ndarray:
        """The asset covariance ``X F X' + diag(specific_vols^2)`` (N x N)."""
        return self.exposures @ self.factor_cov @ self.exposures.T + np.diag(self.specific_var)

    def covariance_times(self, weights: np.ndarray) -> np.ndarray:
        """``Sigma w = X (F (X'w)) + Delta w`` without forming the N x N matrix."""
        return self.exposures @ (self.factor_cov @ (self.exposures.T @ weights)) + self.specific_var * weights

    def require_weights(self, weights: np.ndarray, name: str = "weights") -> np.ndarray:
        """``weights`` as an (N,) or (N, P) array, checked against the universe."""
        weights = np.asarray(weights, dtype=float)
        n = self.exposures.shape[0]
        if weights.shape[0] != n:
            raise FactorxlError(
                f"{name} has {weights.shape[0]} rows but exposures has {n} stocks; the weights must cover the same "
                "universe, one row per stock in the same order"
            )
        if np.isnan(weights).any():
            raise FactorxlError(f"{name} has a missing value at stock {int(np.argwhere(np.isnan(weights))[0][0]) + 1}")
        return weights


def risk_model(
    exposures: np.ndarray,
    factor_cov: np.ndarray,
    specific_vols: np.ndarray,
    factor_names: Sequence[str] | None = None,
) -> RiskModel:
    """Validate ``(X, F, specific vols)`` and assemble a :class:`RiskModel`.

    Parameters
    ----------
    exposures : ndarray, shape (N, K)
    factor_cov : ndarray, shape (K, K)
    specific_vols : ndarray, shape (N,)
    factor_names : sequence of str, optional
        The K factor names, used in error messages about ``factor_cov``.

    Raises
    ------
    FactorxlError
        If the factor counts or stock counts differ, a value is missing, a specific
        volatility is negative, or ``F`` is not a valid covariance matrix.
    """
    exposures = np.asarray(exposures, dtype=float)
    exposures = exposures[:, None] if exposures.ndim == 1 else exposures
    specific_vols = np.asarray(specific_vols, dtype=float).ravel()
    factor_cov = np.asarray(factor_cov, dtype=float)
    n, k = exposures.shape
    if factor_cov.shape != (k, k):
        raise FactorxlError(f"exposures have {k} factor columns but factor_covariance is {' x '.join(map(str, factor_cov.shape))}")
    factor_cov = check_covariance(factor_cov, "factor_covariance", factor_names)
    if specific_vols.size != n:
        raise FactorxlError(f"specific_vols has {specific_vols.size} values but exposures has {n} stocks; one per stock")
    if np.isnan(exposures).any():
        stock, factor = (int(v) + 1 for v in np.argwhere(np.isnan(exposures))[0])
        raise FactorxlError(f"exposures are missing for stock {stock}, factor {factor}")
    if np.isnan(specific_vols).any() or (specific_vols < 0).any():
        stock = int(np.flatnonzero(~(specific_vols >= 0))[0]) + 1
        raise FactorxlError(f"specific_vols must be non-negative numbers; stock {stock} has {specific_vols[stock - 1]:g}")
    return RiskModel(exposures, factor_cov, specific_vols)
