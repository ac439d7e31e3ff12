"""Every example formula of the README and the docs runs, and shows the result the page quotes."""

from __future__ import annotations

import re

import pytest

import factorxl.udfs  # noqa: F401  (declares every function)
from factorxl.errors import FactorxlError
from tests.conftest import REPO
from tests.doc_examples import PAGES, bindings, evaluate, examples, matches, numbers_in, shown_numbers

EXAMPLES = [example for page in PAGES for example in examples(REPO, page)]


def test_the_pages_have_examples():
    assert len(EXAMPLES) >= 45
    assert {e.page for e in EXAMPLES} >= {"README.md", "docs/functions_single_factor.md", "docs/functions_risk_model.md"}


@pytest.fixture
def french_files(shared_data):
    """FF_FACTORS and FF_DATA read the shared folder's 2025 vintage, as after `factorxl build --data`."""
    from factorxl.data import DataSource
    from factorxl.excel.data_functions import set_data_source

    set_data_source(DataSource(local_dir=shared_data, vintage="v202510"))
    yield
    set_data_source(None)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_runs_and_shows_the_documented_result(example, shared_data, french_files):
    bound = bindings(REPO, example.page)
    if example.shown.startswith("#"):  # an error value: the message the page shows
        code, _, message = example.shown.partition(" ")
        with pytest.raises(FactorxlError) as caught:
            evaluate(example, bound, shared_data)
        assert str(caught.value) == message
        return
    result = evaluate(example, bound, shared_data)
    assert result is not None and not (isinstance(result, list) and not result)
    values = numbers_in(result)
    for quoted in shown_numbers(example.shown):
        assert matches(quoted, values), (quoted, example.shown)


def test_the_harness_compares_numbers_at_their_quoted_precision():
    assert shown_numbers("BRK: alpha 0.0439, Mkt-RF 0.6938, R² 0.405, 279 observations, −0.48") == [
        "0.0439", "0.6938", "0.405", "279", "-0.48",
    ]
    assert matches("1.1872", [1.18723]) and not matches("1.1872", [1.1874])
    assert matches("-0.48", [-0.4825]) and not matches("-0.48", [-0.4749])
    assert shown_numbers("AIC −5.303e+04") == ["-5.303e04"] and matches("-5.303e04", [-53026.46])


def test_timings_in_the_workbooks_doc_are_ranges():
    """Outside the sample outputs and the benchmark's own table (printed by benchmarks/bench_refresh.py),
    a time is a range ("10–35 s"), never one measured value."""
    text = re.sub(r"```.*?```", "", (REPO / "docs" / "workbooks.md").read_text(), flags=re.S)
    text = re.sub(r"### Speed\n.*?(?=\n##|\n\*\*From Python)", "", text, flags=re.S)
    single = [m[0] for m in re.finditer(r"(?<![\d–.])\d+(?:\.\d+)? s\b", text)]
    assert not single
