"""Risk decomposition of a portfolio, a benchmark or active weights under a factor risk model.

For weights ``w`` (N) the factor exposures are ``x = X'w``; the variance splits into

``factor = x'Fx``,  ``specific = w' Delta w``,  ``total = factor + specific``,

and factor k contributes ``x_k (Fx)_k`` (Euler allocation: the contributions sum to the
factor variance). Applied to active weights ``w_p - w_b`` the total volatility is the
tracking error. Stock-level contributions to volatility use the marginal contribution
``MCR = Sigma w / sigma`` and the component ``CTR_i = w_i MCR_i``, which sum to ``sigma``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.risk_model import RiskModel
from factorxl.core.variance import RiskReport, exposure_report
from factorxl.errors import FactorxlError

SPECIFIC = "Specific"


def risk_report(model: RiskModel, weights: np.ndarray) -> RiskReport:
    """Exposures and factor/specific/total variance of ``weights`` (N,).

    Parameters
    ----------
    model : RiskModel
    weights : ndarray, shape (N,)
        Portfolio, benchmark or active weights.

    Raises
    ------
    FactorxlError
        If the weights do not have one value per stock of the model, or one is missing.
    """
    w = model.require_weights(np.asarray(weights, dtype=float).ravel())
    return exposure_report(model.exposures.T @ w, model.factor_cov, w**2 @ model.specific_var)


@dataclass(frozen=True)
class StockContributions:
    """Stock-level contributions to volatility (tracking error for active weights).

    Attributes
    ----------
    weights, marginal, component : ndarray, shape (N,)
        ``w``, ``MCR = Sigma w / sigma`` and ``CTR = w * MCR``.
    vol : float
        ``sigma = sqrt(w' Sigma w)``; equals ``component.sum()``.
    """

    weights: np.ndarray
    marginal: np.ndarray
    component: np.ndarray
    vol: float

    @property
    def shares(self) -> np.ndarray:
        """``CTR / sigma``: each stock's share of the volatility (sums to one)."""
        return self.component / self.vol


def stock_contributions(model: RiskModel, weights: np.ndarray) -> StockContributions:
    """Marginal and component contributions of each stock to the volatility of ``weights``.

    Parameters
    ----------
    model : RiskModel
    weights : ndarray, shape (N,)
        Portfolio, benchmark or active weights (active: the tracking error).

    Raises
    ------
    FactorxlError
        If the weights carry no risk (zero volatility has no decomposition).
    """
    w = model.require_weights(np.asarray(weights, dtype=float).ravel())
    sigma_w = model.covariance_times(w)
    vol = float(np.sqrt(w @ sigma_w))
    if not vol > 0:
        raise FactorxlError("weights have zero volatility; there is no risk to decompose")
    marginal = sigma_w / vol
    return StockContributions(weights=w, marginal=marginal, component=w * marginal, vol=vol)


def block_decomposition(model: RiskModel, weights: np.ndarray, blocks: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Variance by block of factors (e.g. Market, Industries, Styles) plus the specific variance.

    Parameters
    ----------
    model : RiskModel
    weights : ndarray, shape (N,)
    blocks : sequence of str, length K
        The block of each factor; blocks keep their order of first appearance.

    Returns
    -------
    names : tuple of str
        The blocks followed by :data:`SPECIFIC`.
    variances : ndarray
        ``sum_{k in block} x_k (Fx)_k`` for each block, then ``w' Delta w``; they sum to the
        total variance.
    """
    report = risk_report(model, weights)
    if len(blocks) != report.exposures.size:
        raise FactorxlError(f"blocks has {len(blocks)} entries but the model has {report.exposures.size} factors")
    labels = [str(b).strip() for b in blocks]
    names = tuple(dict.fromkeys(labels))
    membership = np.array([[label == name for label in labels] for name in names], dtype=float)
    variances = np.append(membership @ report.factor_contributions, report.specific_variance)
    return (*names, SPECIFIC), variances
