"""Every example formula of the README and the docs runs, and shows the result the page quotes."""

from __future__ import annotations

import datetime
import re

import pytest

import factorxl.udfs  # noqa: F401  (declares every function)
from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS
from tests.conftest import REPO
from tests.doc_examples import (
    PAGES,
    Example,
    bindings,
    evaluate,
    examples,
    holds_date,
    holds_text,
    matches,
    numbers_in,
    shape_of,
    shown_dates,
    shown_numbers,
    shown_shapes,
    shown_texts,
)

EXAMPLES = [example for page in PAGES for example in examples(REPO, page)]
# Pages whose examples run on the example data they declare; the others (excel_setup.md, workbooks.md)
# illustrate formulas on a user's own sheet.
RESULT_PAGES = ("README.md", "factorxl/docs/functions_single_factor.md", "factorxl/docs/functions_multi_factor.md",
                "factorxl/docs/functions_risk_model.md", "factorxl/docs/functions_data.md")


def test_the_pages_have_examples():
    assert len(EXAMPLES) >= 45
    assert {e.page for e in EXAMPLES} >= {"README.md", "factorxl/docs/functions_single_factor.md", "factorxl/docs/functions_risk_model.md"}


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
    for date in shown_dates(example.shown):
        assert holds_date(result, date), (date, example.shown)
    for shape in shown_shapes(example.shown):
        assert shape_of(result) == shape, (shape, example.shown)
    for text in shown_texts(example.shown):
        assert holds_text(result, text), (text, example.shown)


def test_every_example_of_the_function_pages_shows_its_result():
    """On the README and the function reference pages a formula is followed by what it returns on
    the page's example data: ``→`` with at least one number, date or block size the test above
    checks, or ``: #VALUE! (message)``."""
    on_result_pages = [e for e in EXAMPLES if e.page in RESULT_PAGES]
    assert {e.page for e in on_result_pages} == set(RESULT_PAGES)
    assert [str(e) for e in on_result_pages if not _checked(e)] == []


def _checked(example: Example) -> bool:
    """Whether an example shows a result the test above checks."""
    shown = example.shown
    return shown.startswith("#") or any(parts(shown) for parts in (shown_numbers, shown_dates, shown_shapes, shown_texts))


def test_every_function_has_a_checked_example_on_its_reference_page():
    documented = {e.formula[1:].partition("(")[0] for e in EXAMPLES if e.page.startswith("factorxl/docs/functions_") and _checked(e)}
    assert sorted(set(FUNCTIONS) - documented) == []


def test_the_harness_compares_numbers_at_their_quoted_precision():
    assert shown_numbers("BRK: alpha 0.0439, Mkt-RF 0.6938, R² 0.405, 279 observations, −0.48") == [
        "0.0439", "0.6938", "0.405", "279", "-0.48",
    ]
    assert matches("1.1872", [1.18723]) and not matches("1.1872", [1.1874])
    assert matches("-0.48", [-0.4825]) and not matches("-0.48", [-0.4749])
    assert shown_numbers("AIC −5.303e+04") == ["-5.303e04"] and matches("-5.303e04", [-53026.46])


def test_the_harness_reads_dates_and_block_sizes_apart_from_numbers():
    shown = "a 1,259 × 8 block; the first day, 2020-01-02: Mkt-RF 0.0086, SMB −0.0097; 118 x 5"
    assert shown_numbers(shown) == ["0.0086", "-0.0097"]
    assert shown_dates(shown) == [datetime.date(2020, 1, 2)]
    assert shown_shapes(shown) == [(1259, 8), (118, 5)]
    block = [["date", "Mkt-RF"], [43832.0, 0.0086], ["2020-01-03", None]]
    assert shape_of(block) == (3, 2) and shape_of(1.5) == (1, 1)
    assert holds_date(block, datetime.date(2020, 1, 2)) and holds_date(block, datetime.date(2020, 1, 3))
    assert not holds_date(block, datetime.date(2020, 1, 6))
    assert shown_texts('"0.1.0" with this release') == ["0.1.0"] and shown_numbers('"0.1.0" with this release') == []
    assert holds_text("0.1.0", "0.1.0") and not holds_text([["0.1.0 "]], "0.1.0")


def test_the_harness_reads_a_table_under_the_result_and_checks_the_size_of_ranges(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("`=FACTOR_BETA(B2:B4, C2:C4)` → on three rows:\n\n| | |\n|---|---|\n| 1.5 | 2 |\n\nNext.\n")
    [example] = examples(tmp_path, "page.md")
    assert shown_numbers(example.shown) == ["1.5", "2"]
    short = {"B2:B4": "[[0.01], [0.02]]", "C2:C4": "[[0.01], [0.03], [0.02]]"}
    with pytest.raises(ValueError, match="B2:B4 is 3 x 1 cells but its example-data holds 2 x 1"):
        evaluate(Example("page.md", 1, "=FACTOR_BETA(B2:B4, C2:C4)", ""), short, tmp_path)


def test_timings_in_the_workbooks_doc_are_ranges():
    """Outside the sample outputs and the benchmark's own table (printed by benchmarks/bench_refresh.py),
    a time is a range ("10–35 s"), never one measured value."""
    text = re.sub(r"```.*?```", "", (REPO / "factorxl" / "docs" / "workbooks.md").read_text(), flags=re.S)
    text = re.sub(r"### Speed\n.*?(?=\n##|\n\*\*From Python)", "", text, flags=re.S)
    single = [m[0] for m in re.finditer(r"(?<![\d–.])\d+(?:\.\d+)? s\b", text)]
    assert not single
