"""Checking summary statistics: statsmodels' values by its labels, and numbers against what a
source printed."""

from __future__ import annotations

from statsmodels.stats.stattools import durbin_watson, jarque_bera, omni_normtest

from tests.tolerance import printed_as

# the statistics the seeds' summaries print, in the order of the columns of their table
PRINTED_COLUMNS = (
    "F-statistic", "Prob (F-statistic)", "Log-Likelihood", "AIC", "BIC", "Omnibus", "Durbin-Watson",
    "Jarque-Bera (JB)", "Prob(JB)", "Skew", "Kurtosis", "Cond. No.",
)


def statsmodels_summary(reference) -> dict:
    """What ``reference.summary()`` prints (a statsmodels OLS result), by its labels, as numbers."""
    omnibus, omnibus_p = omni_normtest(reference.wresid)
    jb, jb_p, skew, kurtosis = jarque_bera(reference.wresid)
    suffix = "" if reference.k_constant else " (uncentered)"
    return {
        f"R-squared{suffix}": reference.rsquared,
        f"Adj. R-squared{suffix}": reference.rsquared_adj,
        "F-statistic": reference.fvalue,
        "Prob (F-statistic)": reference.f_pvalue,
        "Log-Likelihood": reference.llf,
        "AIC": reference.aic,
        "BIC": reference.bic,
        "No. Observations": reference.nobs,
        "Df Residuals": reference.df_resid,
        "Df Model": reference.df_model,
        "Omnibus": omnibus,
        "Prob(Omnibus)": omnibus_p,
        "Skew": skew,
        "Kurtosis": kurtosis,
        "Durbin-Watson": durbin_watson(reference.wresid),
        "Jarque-Bera (JB)": jb,
        "Prob(JB)": jb_p,
        "Cond. No.": reference.condition_number,
    }


def assert_printed(value: float, printed: str, label: str = "") -> None:
    """``value`` shows as ``printed`` at the printed precision (:func:`tests.tolerance.printed_as`)."""
    assert printed_as(value, printed), f"{label}: {value!r} does not print as {printed}"


def summary_values(table) -> dict:
    """A FACTOR_SUMMARY table as {statsmodels label: value}."""
    return {row[0]: row[1] for row in table[1:]}
