"""Refusing percent typed where decimals are expected: returns, volatilities, variances and weights
typed in percent give numbers 100 (or 10,000) times off, silently.

Four rules, each written once here and stated for users in docs/data.md ("Percent or decimals"):

* :data:`RETURN_SERIES`, a series of returns on its own: it looks like percent when its typical
  move (:func:`typical_size`) is :data:`PERCENT_MOVE` (25 % a period) or more and either one of
  its returns is below -1 (a loss of more than 100 %, which a holding's returns in decimals never
  show) or its typical move is :data:`PERCENT_VOLATILITY` (100 % a period) or more. Genuinely
  large returns in decimals (crypto, options, annual returns of a stock) stay above -1 and are
  taken as given.
* Returns beside factors (:func:`check_scale`) must be in the same units: a side whose typical
  move is at least :data:`SCALE_RATIO` times the other's and :data:`PERCENT_MOVE` or more is
  refused. Both sides in percent give right betas and results in percent, and are computed as
  given; a function whose result is money (``VOL_BUDGET_SIZE``, ``EXPECTED_PNL``) or that compounds
  returns (``HEDGE_RETURNS_CUMULATIVE`` with "compound") also applies :data:`RETURN_SERIES` to its
  returns on their own.
* :data:`VOLATILITIES`: a volatility above :data:`PERCENT_VOLATILITY` (100 % a period) looks like
  percent; of several, their median (one stock's 150 % among others' 30 % is data, not a slip).
* :data:`COVARIANCE`: a covariance matrix whose median factor volatility (square root of the
  diagonal) is above :data:`PERCENT_VOLATILITY` looks like percent squared.
* :data:`WEIGHTS`: a portfolio whose weights add up to 50 to 200 (:data:`PERCENT_WEIGHT_SUM`)
  looks like percent (100, or 80 with cash, or 150 leveraged); in decimals that is 50 to 200 times
  the portfolio's value. Long-short (0) and leveraged (1.5) weights are far from it.

Which argument carries which rule is declared once, by argument name, in :data:`PERCENT_RULES`
(an argument name means the same thing in every function: docs/naming.md), with the pair rule of
``returns`` and ``factors`` and the functions' ``returns_on_their_own`` in :func:`declared_rules`;
the worksheet functions' declarations take it from there (:mod:`factorxl.excel.declare`), record it
and end the argument's help with the rule. A function applies an argument's rule where it reads
the argument, with :func:`refuse_percent` (or :func:`check_scale` for a returns/factors pair).

Typical moves and volatilities beyond :data:`LARGEST_PERCENT` a period, or a returns/factors
mismatch beyond :data:`LARGEST_SLIP` times, are not a slip of 100: such data are in units of their
own and are computed as given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.errors import FactorxlError
from factorxl.excel.inputs import Table

PERCENT_MOVE = 0.25
"""Typical move from which a return series can be in percent (25 % a period)."""

SCALE_RATIO = 20.0
"""How many times larger than the other side's a side's typical move must be to be refused beside it."""

PERCENT_VOLATILITY = 1.0
"""Volatility (or typical move) above which a volatility (or return series) looks like percent: 100 % a period."""

PERCENT_WEIGHT_SUM = (50.0, 200.0)
"""Sums of a portfolio's weights that look like percent."""

LARGEST_PERCENT = 1000.0
"""Typical moves and volatilities beyond this are not percent (100,000 % a period): units of their own."""

LARGEST_SLIP = 5000.0
"""Returns/factors mismatches beyond this are not a slip of 100 (ordinary data are 0.2 to 100 times
their factors' size): such data are computed as given, in their own units."""

_TABLE_COLUMNS = {"table": ("the returns of table", "column 3 of table"), "holdings": ("the weights of holdings", "column 3 of holdings")}
"""Long-table arguments whose rule applies to one column: what it holds and where it is."""
_TRULY_LARGE = "(returns that truly move that much: use returns of a shorter period, e.g. monthly instead of annual)"


# ---------------------------------------------------------------------------
# The size of a series' moves
# ---------------------------------------------------------------------------


def typical_size(values: np.ndarray) -> np.ndarray:
    """The size of each column's moves: the interquartile range over 1.349 (the standard deviation,
    for normal data) of the values that differ from the column's median, missing values ignored.

    Leaving out the values equal to the median keeps the measure for illiquid and stale series:
    the zero returns of days without a trade, or a value repeated over a long run, would otherwise
    make the interquartile range 0. The measure ignores a series' level and a few huge outliers.
    A column with no values has size NaN; one whose values all equal its median (a constant, or a
    single value that moves) has size 0.
    """
    return _moves(values)[0]


def _moves(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's typical size (:func:`typical_size`) and its smallest value (NaN if none).

    One sort of the whole block (missing values sort last); then only a few cells of each column
    are looked at: its quartiles, which interpolate linearly between order statistics as
    ``numpy.percentile`` does, and the cells around its median. A column is scanned whole only when
    its median value repeats beyond its neighbours (zeros of an illiquid asset), and then as one row
    of the transposed block, which NumPy reduces fast.
    """
    ordered = np.sort(np.asarray(values, dtype=float).reshape(len(values), -1), axis=0)
    counts = np.full(ordered.shape[1], len(ordered))
    short = np.isnan(ordered[-1])  # columns with missing values (they sort last): count what is left
    if not np.count_nonzero(short):
        return _moving_spread(ordered, counts), ordered[0]
    counts[short] = np.count_nonzero(~np.isnan(_rows_of(ordered, np.flatnonzero(short))), axis=1)
    sizes = np.full(ordered.shape[1], np.nan)
    present = np.flatnonzero(counts)
    if present.size:
        sizes[present] = _moving_spread(ordered[:, present], counts[present])
    return sizes, ordered[0]


def _rows_of(ordered: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The chosen columns as contiguous rows (a reduction along a row is fast; down a column of a
    narrow block, slow)."""
    return np.ascontiguousarray(ordered[:, columns].T)


def _moving_spread(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Interquartile range / 1.349 of each column's values other than its median (0 when none is)."""
    columns, last_row = np.arange(ordered.shape[1]), len(ordered) - 1
    low, high = (counts - 1) // 2, counts // 2  # the median's order statistics
    near = np.array([np.maximum(low - 1, 0), low, high, np.minimum(high + 1, last_row)])
    before, middle, middle_high, after = ordered[near, columns]
    # the median is a value of the column when its two order statistics are equal: the run of that
    # value is those cells unless a neighbour holds it too
    tied = middle == middle_high
    below, ties = low + ~tied, (high - low + 1) * tied
    longer = tied & (((low > 0) & (before == middle)) | ((high + 1 < counts) & (after == middle)))
    if np.count_nonzero(longer):
        runs = np.flatnonzero(longer)
        rows, value = _rows_of(ordered, runs), middle[runs, None]
        below[runs], ties[runs] = np.count_nonzero(rows < value, axis=1), np.count_nonzero(rows == value, axis=1)
    moving = counts - ties
    # the quartiles of the values left: positions among them, then in the column past the run
    last = np.maximum(moving - 1, 0)
    position = last * _QUARTILES
    first = position.astype(int)  # positions are not negative: truncation is the floor
    cells = np.array([first, np.minimum(first + 1, last)])
    low_high = ordered[np.minimum(cells + ties * (cells >= below), last_row), columns]
    lower, upper = low_high[0] + (low_high[1] - low_high[0]) * (position - first)
    return np.where(moving > 0, (upper - lower) / 1.349, 0.0)


_QUARTILES = np.array([[0.25], [0.75]])


# ---------------------------------------------------------------------------
# The rules' checks
# ---------------------------------------------------------------------------


def _subject(argument: str) -> str:
    """What the rule looks at: the argument, or the column of a long table."""
    return _TABLE_COLUMNS[argument][0] if argument in _TABLE_COLUMNS else argument


def _divide(argument: str, divisor: int) -> str:
    """How to fix a range typed in percent."""
    if argument in _TABLE_COLUMNS:
        return f"Divide {_TABLE_COLUMNS[argument][1]} by {divisor} in the sheet"
    return f"Divide {argument} by {divisor}: in the formula, write its range followed by /{divisor}"


def _which(labels: Sequence[str] | None, j: int, count: int) -> str:
    """Which series: `` (column 2, ARKK)`` of several, `` (ARKK)`` for one with a label, else nothing."""
    if count == 1:
        return "" if labels is None else f" ({labels[0]})"
    return f" (column {j + 1}" + (f", {labels[j]})" if labels is not None else ")")


def _percent_series(sizes: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """Which series look like percent on their own: a typical move of 25 % a period or more with a
    return below -1, or a typical move of 100 % a period or more (up to :data:`LARGEST_PERCENT`)."""
    large = (sizes >= PERCENT_MOVE) & (sizes <= LARGEST_PERCENT)  # NaN compares false
    return large & ((minima < -1.0) | (sizes >= PERCENT_VOLATILITY))


def _series_message(argument: str, labels: Sequence[str] | None, sizes: np.ndarray, minima: np.ndarray, j: int) -> str:
    """Why series ``j`` of ``argument`` looks like percent, and what to do."""
    if minima[j] < -1.0:
        why = (
            f"typically move {sizes[j]:.3g} a period and fall to {minima[j]:.4g} at worst, a loss of more than 100% "
            "that returns as decimals never show"
        )
    else:
        why = f"typically move {sizes[j]:.3g} a period, 100% or more, which returns as decimals do not"
    return (
        f"{_subject(argument)}{_which(labels, j, sizes.size)} {why}: they look like percent (1.5 for 1.5%). "
        f"{_divide(argument, 100)} {_TRULY_LARGE}"
    )


def _check_moves(values: np.ndarray, argument: str, labels: Sequence[str] | None = None) -> None:
    sizes, minima = _moves(values)
    suspect = np.flatnonzero(_percent_series(sizes, minima))
    if suspect.size:
        raise FactorxlError(_series_message(argument, labels, sizes, minima, int(suspect[0])))


def check_scale(returns: np.ndarray, factors: np.ndarray, returns_name: str = "returns", factors_name: str = "factors") -> None:
    """The return-series rule for returns beside factors: the two sides must be in the same units.

    A side is refused when its typical move is :data:`PERCENT_MOVE` or more and at least
    :data:`SCALE_RATIO` times the other side's (the largest asset's against the largest factor's;
    the largest factor's against the smallest asset's), unless the two differ by more than
    :data:`LARGEST_SLIP` times (units of their own). Both sides in the same units, percent or
    units of their own, are computed as given: betas, t statistics and R-squared are right, and
    alphas, residuals and variances come in those units. A function whose result is money, or that
    compounds the returns, also applies :data:`RETURN_SERIES` to the returns on their own.

    Parameters
    ----------
    returns, factors : numpy.ndarray
        T x N and T x K blocks (NaN = missing), on the same rows.
    returns_name, factors_name : str
        The arguments' names, for the message.

    Raises
    ------
    FactorxlError
        Saying which side looks like percent and how to fix it.
    """
    returns, factors = (np.asarray(values, dtype=float).reshape(len(values), -1) for values in (returns, factors))
    sizes = typical_size(np.hstack([returns, factors]))  # one sort for both sides
    asset_sizes, factor_sizes = sizes[: returns.shape[1]], sizes[returns.shape[1] :]
    # fmax and fmin pass over the NaN of a series without numbers (NaN when no series has any)
    largest, smallest, factor_size = np.fmax.reduce(asset_sizes), np.fmin.reduce(asset_sizes), np.fmax.reduce(factor_sizes)
    for size, other, name, other_name in (
        (largest, factor_size, returns_name, factors_name),
        (factor_size, smallest, factors_name, returns_name),
    ):
        if other > 0 and SCALE_RATIO * other <= size <= LARGEST_SLIP * other and size >= PERCENT_MOVE:
            raise FactorxlError(
                f"{name} are about {size / other:.0f} times the size of {other_name}: they look like percent (1.5 for "
                f"1.5%) while {other_name} are decimals (0.015). {_divide(name, 100)}"
            )


def _check_volatilities(values: np.ndarray, argument: str, labels: Sequence[str] | None = None) -> None:
    present = values[~np.isnan(values)]
    if present.size == 0:
        return
    typical = float(np.median(present))
    if not PERCENT_VOLATILITY < typical <= LARGEST_PERCENT:
        return
    if present.size == 1:
        raise FactorxlError(
            f"{argument} is {typical:.4g}, a volatility of {100 * typical:.4g}% a period, and volatilities as decimals "
            f"are at most 1 (100%) a period: it looks like percent ({typical:.4g} for {typical:.4g}%). Type "
            f"{typical / 100:.4g} instead, or write /100 after its cell in the formula"
        )
    raise FactorxlError(
        f"{argument} have a median of {typical:.3g}, volatilities of {100 * typical:.3g}% a period, and volatilities as "
        f"decimals are at most 1 (100%) a period: they look like percent ({typical:.3g} for {typical:.3g}%). "
        f"{_divide(argument, 100)}"
    )


def _check_covariance(values: np.ndarray, argument: str, labels: Sequence[str] | None = None) -> None:
    variances = np.diagonal(values)
    variances = variances[variances > 0]
    if variances.size == 0:
        return
    typical = float(np.median(np.sqrt(variances)))
    if PERCENT_VOLATILITY < typical <= LARGEST_PERCENT:
        raise FactorxlError(
            f"{argument} has factor variances of about {typical**2:.3g} (volatilities of about {typical:.3g}, i.e. "
            f"{100 * typical:.3g}% a period), and volatilities as decimals are at most 1 (100%) a period: it looks like "
            f"percent squared (400 for a volatility of 20%). {_divide(argument, 10000)}"
        )


def _check_weight_sums(values: np.ndarray, argument: str, labels: Sequence[str] | None = None) -> None:
    block = values.reshape(len(values), -1)
    sums = block.sum(axis=0)
    if np.isnan(sums).any():  # empty cells hold nothing
        sums = np.nansum(block, axis=0)
    low, high = PERCENT_WEIGHT_SUM
    suspect = np.flatnonzero((low <= np.abs(sums)) & (np.abs(sums) <= high))
    if suspect.size:
        j = int(suspect[0])
        which = "" if sums.size == 1 else f" ({labels[j]})" if labels is not None else f" (portfolio {j + 1})"
        raise FactorxlError(
            f"{_subject(argument)}{which} add up to {sums[j]:.4g}, and weights as decimals add up to about 1 (0 "
            f"long-short, 1.5 leveraged): they look like percent (40 for 40%). {_divide(argument, 100)}"
        )


# ---------------------------------------------------------------------------
# The rules and the arguments that carry them
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PercentRule:
    """A rule that refuses an argument typed in percent where decimals are expected.

    Attributes
    ----------
    name : str
        What the rule is about: ``"returns"``, ``"returns beside factors"``, ``"volatilities"``,
        ``"covariance"`` or ``"weights"``.
    help : str
        The sentence that ends the Function-Wizard help of every argument carrying the rule.
    check : callable or None
        ``check(values, argument, labels)`` raises :class:`FactorxlError` when the values look like
        percent; None for the rule of returns beside factors, which :func:`check_scale` applies to
        the pair.
    """

    name: str
    help: str
    check: Callable[[np.ndarray, str, Sequence[str] | None], None] | None


RETURN_SERIES = PercentRule("returns", "Percent refused: moves of 100% a period.", _check_moves)
RETURNS_BESIDE_FACTORS = PercentRule("returns beside factors", "Percent refused: 20 times the other's size.", None)
VOLATILITIES = PercentRule("volatilities", "Percent refused: above 1 (100%).", _check_volatilities)
COVARIANCE = PercentRule("covariance", "Percent squared refused: volatilities above 1.", _check_covariance)
WEIGHTS = PercentRule("weights", "Percent refused: sums of 50 to 200.", _check_weight_sums)

PERCENT_RULES: dict[str, PercentRule] = {
    # return series, one period a row (factors too: their moves are returns)
    "returns": RETURN_SERIES,
    "factors": RETURN_SERIES,
    "stock_returns": RETURN_SERIES,
    "specific_returns": RETURN_SERIES,
    "portfolio_returns": RETURN_SERIES,
    "benchmark_returns": RETURN_SERIES,
    "table": RETURN_SERIES,  # the return column of a characteristics table
    # volatilities of the risk model and of a position
    "factor_vols": VOLATILITIES,
    "specific_vols": VOLATILITIES,
    "portfolio_specific_vol": VOLATILITIES,
    "factor_covariance": COVARIANCE,
    # weights of portfolios (positions in money are other arguments: position, budget)
    "weights": WEIGHTS,
    "benchmark_weights": WEIGHTS,
    "current_weights": WEIGHTS,
    "new_weights": WEIGHTS,
    "holdings": WEIGHTS,  # the weights of each date
}
"""Which arguments carry which rule, by argument name; :func:`declared_rules` adds the pair rule.
Arguments not here are taken as given: ``rf`` (a rate's level is not checked, and it hardly
moves), ``caps`` (any currency unit), exposures of every kind, ``correlation`` (checked as a
correlation), ``matrix``, ``lower`` and ``upper``, ``budget`` and ``position`` (money), options."""


def declared_rules(parameters: Sequence[str], returns_on_their_own: bool = False) -> dict[str, tuple[PercentRule, ...]]:
    """The rules each of a function's arguments carries, for its declaration.

    An argument carries its name's rule (:data:`PERCENT_RULES`), except ``returns`` and ``factors``
    of a function that takes both: they are read as a pair and carry :data:`RETURNS_BESIDE_FACTORS`
    (both in percent are in the same units and computed as given); with ``returns_on_their_own``
    (a result in money, or compounded returns) the returns carry :data:`RETURN_SERIES` as well.
    """
    rules = {p: (PERCENT_RULES[p],) for p in parameters if p in PERCENT_RULES}
    if {"returns", "factors"} <= set(parameters):
        rules["returns"] = (RETURNS_BESIDE_FACTORS, *((RETURN_SERIES,) if returns_on_their_own else ()))
        rules["factors"] = (RETURNS_BESIDE_FACTORS,)
    return rules


def refuse_percent(argument: str, values: np.ndarray, labels: Sequence[str] | None = None) -> None:
    """Apply the rule ``argument`` carries (:data:`PERCENT_RULES`) to its values.

    Parameters
    ----------
    argument : str
        The argument's name, declared in :data:`PERCENT_RULES`.
    values : numpy.ndarray
        Return series: T x N, a column per series. Volatilities: any shape. Covariance: K x K.
        Weights: stocks x portfolios, a column per portfolio (NaN counts as 0).
    labels : sequence of str, optional
        The columns' names, for the message.

    Raises
    ------
    FactorxlError
        Naming the argument, what it looks like and how to fix it.
    """
    PERCENT_RULES[argument].check(np.asarray(values, dtype=float), argument, labels)


def refuse_percent_together(*arguments: tuple[str, np.ndarray, Sequence[str] | None]) -> None:
    """:func:`refuse_percent` of several return series on the same rows, ``(argument, values, labels)``
    each, from one sort of all their columns (the first refused in the order given)."""
    blocks = [np.asarray(values, dtype=float).reshape(len(values), -1) for _, values, _ in arguments]
    sizes, minima = _moves(np.hstack(blocks))
    suspect = _percent_series(sizes, minima)
    start = 0
    for (argument, _, labels), block in zip(arguments, blocks, strict=True):
        if PERCENT_RULES[argument] is not RETURN_SERIES:
            raise TypeError(f"{argument} is not declared a return series")
        stop = start + block.shape[1]
        refused = np.flatnonzero(suspect[start:stop])
        if refused.size:
            raise FactorxlError(_series_message(argument, labels, sizes[start:stop], minima[start:stop], int(refused[0])))
        start = stop


def refuse_percent_in(table: Table) -> None:
    """:func:`refuse_percent` of a range as read: its name, its values, its header naming its columns."""
    refuse_percent(table.name, table.values, table.labels if table.has_header else None)
