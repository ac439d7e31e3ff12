"""Factor exposures of a Barra-style model: standardized styles and the exposure matrix.

A style descriptor ``d`` (book-to-price, momentum, log size...) becomes an exposure by
centering on its cap-weighted mean and scaling by its equal-weighted standard deviation
(population convention, ``ddof=0``)::

    z = d - w'd,    exposure = z / std(z)

so the benchmark (cap-weighted) portfolio has zero exposure to every style and the
exposures have unit cross-sectional dispersion. The exposure matrix has one row per
stock and the columns ``[market, industry dummies..., styles...]``; the market column
is all ones, each stock has a 1 in the column of its industry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.errors import FactorxlError, quoted

MARKET = "MKT"
BLOCK_MARKET = "Market"
BLOCK_INDUSTRIES = "Industries"
BLOCK_STYLES = "Styles"


def cap_weights(caps: np.ndarray, name: str = "caps") -> np.ndarray:
    """Market capitalizations (or any non-negative weights) normalized to sum to one.

    Parameters
    ----------
    caps : ndarray, shape (N,)
    name : str
        The argument's name in error messages.

    Returns
    -------
    ndarray, shape (N,)

    Raises
    ------
    FactorxlError
        If a value is missing or negative, or all are zero.
    """
    caps = np.asarray(caps, dtype=float)
    if np.isnan(caps).any():
        raise FactorxlError(f"{name} has a missing value at stock {int(np.flatnonzero(np.isnan(caps))[0]) + 1}")
    if (caps < 0).any():
        position = int(np.flatnonzero(caps < 0)[0]) + 1
        raise FactorxlError(f"{name} must not be negative; stock {position} has {caps[position - 1]:g}")
    total = caps.sum()
    if not total > 0:
        raise FactorxlError(f"{name} sum to zero; expected positive capitalizations")
    return caps / total


def standardize(descriptors: np.ndarray, weights: np.ndarray, names: Sequence[str] | None = None) -> np.ndarray:
    """Standardize descriptors to cap-weighted mean 0 and equal-weighted standard deviation 1.

    Parameters
    ----------
    descriptors : ndarray, shape (N,) or (N, S)
        Raw descriptors, one row per stock, one column per style.
    weights : ndarray, shape (N,)
        Cap weights (normalized here to sum to one).
    names : sequence of str, optional
        Style names for error messages.

    Returns
    -------
    ndarray
        Standardized exposures with the shape of ``descriptors``. The standard deviation
        is the population one (``ddof=0``), as in Barra-style models.

    Raises
    ------
    FactorxlError
        If the lengths differ, a descriptor is missing, or a descriptor is constant.
    """
    raw = np.asarray(descriptors, dtype=float)
    matrix = raw[:, None] if raw.ndim == 1 else raw
    w = cap_weights(weights, "cap weights")
    if matrix.shape[0] != w.size:
        raise FactorxlError(f"descriptors have {matrix.shape[0]} stocks but cap weights have {w.size}")
    names = list(names) if names is not None else [f"style {j + 1}" for j in range(matrix.shape[1])]
    _require_descriptors(matrix, names)
    centered = matrix - w @ matrix
    spread = centered.std(axis=0, ddof=0)
    flat = spread <= 1e-14 * np.abs(matrix).max(axis=0)  # relative: descriptors of any size
    if flat.any():
        raise FactorxlError(f"descriptor {names[int(np.flatnonzero(flat)[0])]} is constant across stocks; it cannot be standardized")
    result = centered / spread
    return result[:, 0] if raw.ndim == 1 else result


def _require_descriptors(descriptors: np.ndarray, names: Sequence[str]) -> None:
    """Raise naming the first missing descriptor (style and stock)."""
    missing = np.isnan(descriptors)
    if missing.any():
        stock, column = (int(i) for i in np.argwhere(missing)[0])
        raise FactorxlError(f"descriptor {names[column]} is missing for stock {stock + 1}")


@dataclass(frozen=True)
class ExposureMatrix:
    """The exposure matrix of a market + industries + styles model.

    Attributes
    ----------
    values : ndarray, shape (N, K)
        Exposures: market column, industry dummies, styles.
    factor_names : tuple of str
        ``MKT``, the industry names in order, the style names.
    blocks : tuple of str
        The block of each factor (:data:`BLOCK_MARKET`, :data:`BLOCK_INDUSTRIES`,
        :data:`BLOCK_STYLES`), used by block risk decompositions.
    """

    values: np.ndarray
    factor_names: tuple[str, ...]
    blocks: tuple[str, ...]

    @property
    def industry_columns(self) -> np.ndarray:
        """Positions of the industry dummy columns."""
        return np.array([k for k, block in enumerate(self.blocks) if block == BLOCK_INDUSTRIES], dtype=int)


def industry_dummies(industries: Sequence[str], names: Sequence[str] | None = None) -> tuple[tuple[str, ...], np.ndarray]:
    """0/1 industry membership matrix.

    Parameters
    ----------
    industries : sequence of str
        Each stock's industry.
    names : sequence of str, optional
        The industries and their column order; by default the order of first appearance.
        Matching is case-insensitive.

    Returns
    -------
    names : tuple of str
    dummies : ndarray, shape (N, J)

    Raises
    ------
    FactorxlError
        If a stock's industry is not in ``names``, or an industry in ``names`` has no members.
    """
    keys = [str(label).strip() for label in industries]
    if names is None:
        names = list(dict.fromkeys(keys))
    names = tuple(str(n).strip() for n in names)
    lookup = {n.lower(): j for j, n in enumerate(names)}
    if len(lookup) != len(names):
        raise FactorxlError(f"industry names repeat: {', '.join(names)}")
    unknown = [k for k in keys if k.lower() not in lookup]
    if unknown:
        raise FactorxlError(f"industry {quoted(unknown[0])} is not among the industries {', '.join(names)}")
    dummies = np.zeros((len(keys), len(names)))
    dummies[np.arange(len(keys)), [lookup[k.lower()] for k in keys]] = 1.0
    require_members(dummies, names)
    return names, dummies


def require_members(dummies: np.ndarray, names: Sequence[str]) -> None:
    """Raise if an industry dummy column has no member stock.

    Parameters
    ----------
    dummies : ndarray, shape (N, J)
        Industry membership (nonzero = member).
    names : sequence of str, length J
        Industry names for the message.
    """
    empty = np.flatnonzero(~(dummies != 0).any(axis=0))
    if empty.size:
        raise FactorxlError(
            f"industry {names[int(empty[0])]} has no members; remove it from the model "
            "(its factor return and its constraint weight would be undefined)"
        )


def exposure_matrix(
    industries: Sequence[str],
    descriptors: np.ndarray,
    caps: np.ndarray,
    style_names: Sequence[str],
    industry_names: Sequence[str] | None = None,
    standardize_styles: bool = True,
) -> ExposureMatrix:
    """Build ``[market | industry dummies | styles]`` for N stocks.

    Parameters
    ----------
    industries : sequence of str, length N
        Each stock's industry.
    descriptors : ndarray, shape (N, S)
        Raw style descriptors (or exposures already standardized with
        ``standardize_styles=False``).
    caps : ndarray, shape (N,)
        Market capitalizations for the cap-weighted mean.
    style_names : sequence of str, length S
    industry_names : sequence of str, optional
        Industry order; by default the order of first appearance.
    standardize_styles : bool
        Standardize the descriptors with :func:`standardize` (default).
    """
    descriptors = np.asarray(descriptors, dtype=float)
    descriptors = descriptors[:, None] if descriptors.ndim == 1 else descriptors
    n = len(industries)
    if descriptors.shape[0] != n or np.size(caps) != n:
        raise FactorxlError(
            f"industries have {n} stocks, descriptors {descriptors.shape[0]} and caps {np.size(caps)}; "
            "every input needs one row per stock"
        )
    names, dummies = industry_dummies(industries, industry_names)
    _require_descriptors(descriptors, style_names)
    styles = standardize(descriptors, caps, style_names) if standardize_styles else descriptors
    values = np.column_stack([np.ones(n), dummies, styles])
    factor_names = (MARKET, *names, *style_names)
    blocks = (BLOCK_MARKET,) + (BLOCK_INDUSTRIES,) * len(names) + (BLOCK_STYLES,) * len(style_names)
    return ExposureMatrix(values=values, factor_names=factor_names, blocks=blocks)


def classify_columns(exposures: np.ndarray) -> tuple[str, ...]:
    """Guess each column's block: all ones is the market, 0/1 dummies are industries, the rest styles.

    Parameters
    ----------
    exposures : ndarray, shape (N, K)

    Returns
    -------
    tuple of str, length K
        :data:`BLOCK_MARKET`, :data:`BLOCK_INDUSTRIES` or :data:`BLOCK_STYLES` per column.

    Raises
    ------
    FactorxlError
        If the dummy columns do not give each stock exactly one industry.
    """
    exposures = np.asarray(exposures, dtype=float)
    ones = np.all(exposures == 1.0, axis=0)
    binary = np.all((exposures == 0.0) | (exposures == 1.0), axis=0) & ~ones
    blocks = tuple(
        BLOCK_MARKET if one else BLOCK_INDUSTRIES if dummy else BLOCK_STYLES for one, dummy in zip(ones, binary, strict=True)
    )
    if binary.any():
        memberships = exposures[:, binary].sum(axis=1)
        if not np.all(memberships == 1.0):
            stock = int(np.flatnonzero(memberships != 1.0)[0]) + 1
            raise FactorxlError(
                f"the 0/1 columns of exposures look like industry dummies, but stock {stock} belongs to "
                f"{memberships[stock - 1]:g} of them; name the industry columns explicitly"
            )
    return blocks
