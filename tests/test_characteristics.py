"""Cross-sectional characteristic regressions on generated long tables (seed 002 §13.9): characteristic
returns against statsmodels OLS/WLS per date, the pure-play identities, characteristic-adjusted returns,
Fama-MacBeth premia of characteristics against linearmodels, and the long-table input rules."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import FamaMacBeth
from scipy import stats

from factorxl import udfs
from factorxl.errors import FactorxlError
from tests.tolerance import assert_same_results

CHARS = ["size", "value", "mom"]
DATES = pd.date_range("2006-01-31", periods=8, freq=pd.offsets.MonthEnd())


@pytest.fixture(scope="module")
def panel():
    """A long panel: 8 month-ends x 40 stocks, 3 characteristics and a market cap, some gaps."""
    rng = np.random.default_rng(7)
    rows = []
    for date in DATES:
        for stock in range(40):
            if rng.random() < 0.1:
                continue  # not every stock on every date (unbalanced)
            size, value, mom = rng.normal([14.0, -0.8, 0.1], [1.5, 0.6, 0.3])
            ret = 0.01 + 0.004 * (size - 14) - 0.01 * value + rng.normal(0, 0.06)
            rows.append([date, 10000 + stock if stock % 3 else f"T{stock}", ret, size, value, mom, np.exp(size) / 1e6])
    frame = pd.DataFrame(rows, columns=["date", "permno", "re", *CHARS, "cap"])
    frame.loc[5, "value"] = np.nan  # a missing characteristic: the row is left out
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)  # any row order


def sheet(frame: pd.DataFrame, cap: bool = False) -> list[list]:
    """The long table as xlwings passes it: header, then dates as datetimes, Excel serials or text.

    The cap column is kept only for WLS (without a weights argument it would be a characteristic).
    """
    frame = frame if cap else frame.drop(columns="cap")
    out = [list(frame.columns)]
    for k, row in enumerate(frame.itertuples(index=False)):
        date = row[0].to_pydatetime()
        cell = [date, float((date - datetime.datetime(1899, 12, 30)).days), date.strftime("%Y-%m-%d")][k % 3]
        out.append([cell, row[1], *[None if pd.isna(v) else float(v) for v in row[2:]]])
    return out


def reference_regressions(frame, weights=None, intercept=False):
    """statsmodels per date on pandas' per-date z-scores (the seed's recipe)."""
    data = frame.dropna(subset=["re", *CHARS])
    z = data.groupby("date")[CHARS].transform(lambda s: (s - s.mean()) / s.std())
    results = {}
    for date in DATES:
        mask = data["date"] == date
        x = sm.add_constant(z[mask]) if intercept else z[mask]
        model = sm.WLS(data.loc[mask, "re"], x, weights=data.loc[mask, weights]) if weights else sm.OLS(data.loc[mask, "re"], x)
        results[date.strftime("%Y-%m-%d")] = model.fit()
    return results, data, z


def rows_of(table) -> dict:
    return {row[0]: dict(zip(table[0][1:], row[1:])) for row in table[1:]}


@pytest.mark.parametrize(("weights", "intercept"), [(None, False), ("cap", False), (None, True), ("cap", True)])
def test_characteristic_returns_equal_statsmodels_per_date(panel, weights, intercept):
    table = rows_of(udfs.CHAR_RETURNS(sheet(panel, cap=weights is not None), weights, intercept))
    assert list(table) == [d.strftime("%Y-%m-%d") for d in DATES]
    references, _, _ = reference_regressions(panel, weights, intercept)
    names = (["const"] if intercept else []) + CHARS
    for date, fit in references.items():
        assert [table[date][n] for n in names] == pytest.approx(fit.params.to_numpy(), rel=1e-10, abs=1e-15)
        assert table[date]["R-squared"] == pytest.approx(fit.rsquared, rel=1e-10)
        assert table[date]["assets"] == fit.nobs
    assert "cap" not in table[list(table)[0]]  # the weight column is not a characteristic


def test_with_ols_and_z_scores_the_intercept_leaves_the_slopes_unchanged(panel):
    without = rows_of(udfs.CHAR_RETURNS(sheet(panel)))
    with_const = rows_of(udfs.CHAR_RETURNS(sheet(panel), None, True))
    for date in without:
        assert [with_const[date][c] for c in CHARS] == pytest.approx([without[date][c] for c in CHARS], rel=1e-11)


@pytest.mark.parametrize("weights", [None, 7])  # 7: the cap column by number (date = 1)
def test_pure_play_weights_reproduce_the_coefficients_and_have_unit_exposures(panel, weights):
    date = DATES[3].strftime("%Y-%m-%d")
    table = udfs.CHAR_PURE_PLAY(sheet(panel, cap=weights is not None), date, weights)
    assert table[0] == [date, *CHARS]
    references, data, z = reference_regressions(panel, "cap" if weights else None)
    on_date = data[data["date"] == DATES[3]].assign(permno=lambda f: f["permno"].astype(str))
    zs = z.loc[on_date.index].set_axis(on_date["permno"])
    returns = on_date.set_index("permno")["re"]
    pure = pd.DataFrame([row[1:] for row in table[1:]], index=[row[0] for row in table[1:]], columns=CHARS)
    assert sorted(pure.index) == sorted(returns.index)
    # (X'WX)^-1 X'W times the returns is the regression: the pure plays' returns are the coefficients
    assert (pure.T @ returns.loc[pure.index]).to_numpy() == pytest.approx(references[date].params.to_numpy(), rel=1e-10)
    # each pure play has unit exposure to its characteristic and none to the others
    assert np.allclose(pure.T.to_numpy() @ zs.loc[pure.index].to_numpy(), np.eye(3), atol=1e-12)
    # the same date given as an Excel serial number or a date cell
    assert_same_results(udfs.CHAR_PURE_PLAY(sheet(panel, cap=weights is not None), 38837, weights), table)
    assert_same_results(udfs.CHAR_PURE_PLAY(sheet(panel, cap=weights is not None), DATES[3].to_pydatetime(), weights), table)


def test_characteristic_adjusted_returns_of_a_tech_and_a_retail_portfolio(panel):
    # seed 002 steps 4-7: portfolio characteristics, implied return, adjusted return; two dates here
    holdings = [["date", "permno", "weight"]]
    for date, stocks, weight in [(DATES[2], [10001, 10002, "T3", 10004, 10005], 0.2), (DATES[5], [10007, 10008, "T9", 10010], 0.25)]:
        holdings += [[date.strftime("%Y-%m-%d"), stock, weight] for stock in stocks]
    available = panel.dropna(subset=["re", *CHARS]).astype({"permno": str})
    holdings = [holdings[0]] + [
        h for h in holdings[1:] if ((available["date"] == pd.Timestamp(h[0])) & (available["permno"] == str(h[1]))).any()
    ]
    table = rows_of(udfs.CHAR_ADJUSTED_RETURN(holdings, sheet(panel)))
    references, data, z = reference_regressions(panel)
    data = data.astype({"permno": str})
    for date in (DATES[2], DATES[5]):
        label = date.strftime("%Y-%m-%d")
        held = [(str(h[1]), h[2]) for h in holdings[1:] if h[0] == label]
        index = [data.index[(data["date"] == date) & (data["permno"] == stock)][0] for stock, _ in held]
        w = np.array([weight for _, weight in held])
        port_x = w @ z.loc[index, CHARS].to_numpy()
        realized = w @ data.loc[index, "re"].to_numpy()
        implied = port_x @ references[label].params.to_numpy()
        assert [table[label][c] for c in CHARS] == pytest.approx(port_x, rel=1e-12)
        assert table[label]["return"] == pytest.approx(realized, rel=1e-13)
        assert table[label]["implied"] == pytest.approx(implied, rel=1e-10)
        assert table[label]["adjusted"] == pytest.approx(realized - implied, rel=1e-10)
    assert list(table) == [DATES[2].strftime("%Y-%m-%d"), DATES[5].strftime("%Y-%m-%d")]


@pytest.mark.parametrize("se", ["fm", "nw"])
def test_characteristic_premia_equal_linearmodels_fama_macbeth(panel, se):
    table = rows_of(udfs.CHAR_PREMIA(sheet(panel), se, 2))
    _, data, z = reference_regressions(panel)
    index = pd.MultiIndex.from_arrays([data["permno"].astype(str), data["date"]])
    options = {"cov_type": "kernel", "bandwidth": 2} if se == "nw" else {}
    reference = FamaMacBeth(data["re"].set_axis(index), z.set_axis(index)).fit(**options)
    assert [table[c]["premium"] for c in CHARS] == pytest.approx(reference.params.to_numpy(), rel=1e-10)
    assert [table[c]["std err"] for c in CHARS] == pytest.approx(reference.std_errors.to_numpy(), rel=1e-10)
    periods = len(reference.all_params.dropna(how="all"))  # p-values from t(periods - 1), as linearmodels 7.1
    expected = 2.0 * stats.t.sf(np.abs(reference.tstats.to_numpy()), periods - 1)
    assert [table[c]["p-value"] for c in CHARS] == pytest.approx(expected, rel=1e-8)
    assert table["avg R-squared"]["premium"] == pytest.approx(reference.avg_rsquared, rel=1e-10)
    assert table["dates used"]["premium"] == 8 and table["dates skipped"]["premium"] == 0


def test_a_date_with_too_few_assets_is_skipped_and_counted(panel):
    thin = panel[(panel["date"] != DATES[4]) | panel["permno"].isin([10001, 10002])]
    table = rows_of(udfs.CHAR_RETURNS(sheet(thin)))
    label = DATES[4].strftime("%Y-%m-%d")
    assert [table[label][c] for c in CHARS] == [None, None, None] and table[label]["assets"] == 2
    premia = rows_of(udfs.CHAR_PREMIA(sheet(thin)))
    assert premia["dates used"]["premium"] == 7 and premia["dates skipped"]["premium"] == 1
    with pytest.raises(FactorxlError, match=r"date 2006-05-31 has 2 usable asset\(s\), fewer than the 3 regressors"):
        udfs.CHAR_PURE_PLAY(sheet(thin), label)
    with pytest.raises(FactorxlError, match="no date has at least 3 assets"):
        udfs.CHAR_RETURNS(sheet(panel.groupby("date").head(2)))


def test_long_table_bad_input(panel):
    good = sheet(panel)
    with pytest.raises(FactorxlError, match="table is not rectangular"):
        udfs.CHAR_RETURNS([*good[:5], good[5][:-1], *good[6:]])
    duplicate = [*good, list(good[1])]
    with pytest.raises(FactorxlError, match=r"table has two rows for date .* and id .* \(rows 2 and \d+ of the range\)"):
        udfs.CHAR_RETURNS(duplicate)
    same_date_other_form = [*good, [datetime.datetime(1899, 12, 30) + datetime.timedelta(days=good[1][0]) if isinstance(good[1][0], float) else good[1][0], *good[1][1:]]]
    with pytest.raises(FactorxlError, match="two rows for date"):
        udfs.CHAR_RETURNS(same_date_other_form)
    constant = panel.assign(mom=lambda f: np.where(f["date"] == DATES[1], 0.5, f["mom"]))
    with pytest.raises(FactorxlError, match=r"characteristic mom is constant across the \d+ assets of 2006-02-28"):
        udfs.CHAR_RETURNS(sheet(constant))
    with pytest.raises(FactorxlError, match="collinear"):
        udfs.CHAR_RETURNS(sheet(constant), None, True, False)
    with pytest.raises(FactorxlError, match="table has no date at row 4"):
        udfs.CHAR_RETURNS([*good[:3], [None, *good[3][1:]], *good[4:]])
    with pytest.raises(FactorxlError, match='"last month" in its date column at row 3'):
        udfs.CHAR_RETURNS([*good[:2], ["last month", *good[2][1:]], *good[3:]])
    with pytest.raises(FactorxlError, match='table has text "n/a" at row 2, column 4'):
        udfs.CHAR_RETURNS([good[0], [*good[1][:3], "n/a", *good[1][4:]], *good[2:]])
    with pytest.raises(FactorxlError, match='weight_column "beta" is not a column of table'):
        udfs.CHAR_RETURNS(good, "beta")
    with pytest.raises(FactorxlError, match="weight_column must name a column after the return"):
        udfs.CHAR_RETURNS(good, 3)
    with pytest.raises(FactorxlError, match="regression weights must be positive"):
        udfs.CHAR_RETURNS(sheet(panel.assign(cap=lambda f: f["cap"] - f["cap"].median()), cap=True), "cap")
    with pytest.raises(FactorxlError, match="table has 3 columns; expected a date column, an id column and at least 2"):
        udfs.CHAR_RETURNS([row[:3] for row in good])
    with pytest.raises(FactorxlError, match="on_date 2007-01-31 is not a date of table"):
        udfs.CHAR_PURE_PLAY(good, "2007-01-31")
    with pytest.raises(FactorxlError, match=r"holdings holds AAPL on 2006-03-31 at row 2, column 2 of the range, but table has no row"):
        udfs.CHAR_ADJUSTED_RETURN([["date", "permno", "weight"], ["2006-03-31", "AAPL", 1.0]], good)
    with pytest.raises(FactorxlError, match="holdings must have 3 columns"):
        udfs.CHAR_ADJUSTED_RETURN([["date", "permno", "weight", "x"], ["2006-03-31", 10001, 1.0, 2.0]], good)


def test_long_table_reader_normalizes_dates_and_ids():
    from factorxl.excel.inputs import read_long_table

    rows = [
        [datetime.datetime(2006, 1, 31), 10107.0, 0.01, 1.0],
        [38748, "AAPL", 0.02, 2.0],  # Excel serial of 2006-01-31
        [None, None, None, None],  # an empty row is skipped
        ["2006-02-28", 10107, 0.03, 3.0],
        [datetime.date(2006, 2, 28), " AAPL ", None, 4.0],  # a missing return is kept as NaN
    ]
    table = read_long_table(rows, "table", "x")
    assert table.labels == ("x1", "x2")  # no header row: generated labels
    assert table.date_labels == ("2006-01-31", "2006-02-28")
    assert table.ids == ("10107", "AAPL")
    assert table.date_index.tolist() == [0, 0, 1, 1] and table.id_index.tolist() == [0, 1, 0, 1]
    assert table.sheet_rows.tolist() == [1, 2, 4, 5]
    assert np.isnan(table.values[3, 0])
    # 10107.0 and "10107" are the same id on the same date
    with pytest.raises(FactorxlError, match=r"two rows for date 2006-01-31 and id 10107 \(rows 1 and 3 of the range\)"):
        read_long_table([rows[0], rows[1], ["2006-01-31", "10107", 0.5, 0.5]], "table", "x")
    with pytest.raises(FactorxlError, match="table has TRUE in its id column at row 1, column 2 of the range"):
        read_long_table([[rows[0][0], True, 0.1, 0.2]], "table", "x")
    with pytest.raises(FactorxlError, match="table has no data rows"):
        read_long_table([["date", "id", "ret", "x"]], "table", "x")
    with pytest.raises(FactorxlError, match="table is empty"):
        read_long_table(None, "table", "x")
