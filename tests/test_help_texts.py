"""Function-Wizard help speaks Excel: short plain descriptions that start as Excel's do ("Returns
..."), argument help that says what to select or type and what happens when it is omitted, no code
notation, no references to where a method comes from; and nothing factorxl shows its users (the
README, the docs, help, labels, messages, template texts) uses the words of its own development."""

from __future__ import annotations

import ast
import inspect
import re
import statistics

import pytest

import factorxl.udfs  # noqa: F401  (declares every function)
from factorxl.excel.declare import FUNCTIONS
from tests.conftest import REPO

MEDIAN_DESCRIPTION = 110
LONGEST_DESCRIPTION = 160
LONGEST_ARGUMENT = 160

# code notation that means nothing in a cell: slicing, matrix inverse and transpose, products
# of symbols, Python-style calls and comparisons, Greek-letter names spelled out
CODE_NOTATION = {
    "slicing": r"\[[^\]]*:",
    "matrix power": r"\^-?\d*\s*-\s*1|\^-1",
    "transpose": r"(?<![A-Za-z])[A-Za-z]'|\)'",
    "product of symbols": r"\b[A-Za-z]\w*\s*\*\s*[A-Za-z_]\w*\s*\*",
    "subscript": r"\b[a-zA-Z]+_[a-z]\b",
    "Python call": r"\b(?:floor|sqrt|diag|sum|np|pd)\(",
    "Greek name": r"\b(?:Sigma|sigma_|beta_|lambda_|mu_)",
}
SOURCE_WORDS = r"\b(?:course|labfolio|seed|primer|notebook|the source|lecture|chapter)\b"
INTERNAL_WORDS = re.compile(r"\b(?:course|seed|labfolio|primer)", re.IGNORECASE)
"""Words of factorxl's development that mean nothing to a user (and their forms: courses, seeded)."""


def _texts():
    for name, declared in FUNCTIONS.items():
        yield name, "description", declared.description
        for argument, text in declared.arguments.items():
            yield name, argument, text


def test_descriptions_are_short():
    lengths = [len(declared.description) for declared in FUNCTIONS.values()]
    assert statistics.median(lengths) <= MEDIAN_DESCRIPTION
    too_long = {name: len(d.description) for name, d in FUNCTIONS.items() if len(d.description) > LONGEST_DESCRIPTION}
    assert not too_long


def test_descriptions_start_as_excels_own_do():
    # Excel's Function Wizard: "Returns the slope of the linear regression line ...", not a noun phrase
    # or "Computes ..."/"This function ..."
    for name, declared in FUNCTIONS.items():
        assert declared.description.startswith("Returns "), name
        assert declared.description.endswith("."), name


def test_argument_help_is_short():
    too_long = {(name, a): len(text) for name, d in FUNCTIONS.items() for a, text in d.arguments.items() if len(text) > LONGEST_ARGUMENT}
    assert not too_long


def test_optional_arguments_say_what_omitting_them_does():
    for name, declared in FUNCTIONS.items():
        for parameter in inspect.signature(declared.function).parameters.values():
            if parameter.default is not inspect.Parameter.empty:
                text = declared.arguments[parameter.name]
                assert re.search(r"\b(?:omit|omitted|default)\b", text, re.IGNORECASE), (name, parameter.name)


# What an argument means, in words a spreadsheet user reads without decoding them (the name or the
# statistician's term alone is not enough), per argument name: a phrase of its help.
PLAIN_WORDS = {
    "ddof": "(divided by n - 1, as VAR.S)",
    "cov_type": "if volatility changes over time",
    "lags": "how many periods of autocorrelation",
    "min_obs": "omit for the least possible",
    "rf": "one number for every period",
    "sigmas": "a multiple of the factor's volatility",
    "half_life": "a return counts half as much",
    "table_title": "Which table of the file",
    "describe": "the data release they come from",
}
PLAIN_WORDS_ELSEWHERE = {  # a function's own help that says the same in its own way
    ("FUND_TABLE", "ddof"): "as STEYX",
    ("FM_PREMIA", "cov_type"): "if the premia are autocorrelated",
    ("CHAR_PREMIA", "cov_type"): "if the premia are autocorrelated",
}


def test_terms_a_spreadsheet_user_must_decode_are_said_in_plain_words():
    for name, declared in FUNCTIONS.items():
        for argument, text in declared.arguments.items():
            phrase = PLAIN_WORDS_ELSEWHERE.get((name, argument), PLAIN_WORDS.get(argument))
            if phrase is not None:
                assert phrase in text, (name, argument)
    assert 'hc0" to "hc3" if volatility changes over time' in FUNCTIONS["FACTOR_REGRESS"].arguments["cov_type"]


def test_help_says_only_what_the_function_does():
    # FACTOR_BETA returns no R-squared; VOL_BUDGET_SIZE reads a volatility typed as a number too
    assert "R-squared" not in FUNCTIONS["FACTOR_BETA"].arguments["intercept"]
    assert re.search(r"; or a volatility\.", FUNCTIONS["VOL_BUDGET_SIZE"].arguments["returns"])
    assert "R-squared" in FUNCTIONS["FACTOR_REGRESS"].arguments["intercept"]  # it does report one


@pytest.mark.parametrize("kind", sorted(CODE_NOTATION))
def test_no_code_notation(kind):
    found = [(name, part, text) for name, part, text in _texts() if re.search(CODE_NOTATION[kind], text)]
    assert not found


def test_no_mention_of_courses_or_source_documents():
    found = [(name, part) for name, part, text in _texts() if re.search(SOURCE_WORDS, text, re.IGNORECASE)]
    assert not found


def test_no_word_of_factorxls_development_in_the_readme_or_the_docs():
    pages = [REPO / "README.md", *sorted((REPO / "factorxl" / "docs").glob("*.md"))]
    found = [f"{page.name}:{number}: {line}" for page in pages
             for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1) if INTERNAL_WORDS.search(line)]
    assert found == []


def test_no_word_of_factorxls_development_in_any_text_the_package_shows():
    """Every text of the package's code: Function-Wizard help, output labels, messages, the template
    workbooks' labels, notes and Notes sheets, command-line help (and the docstrings Python users read)."""
    found = []
    for path in sorted((REPO / "factorxl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and INTERNAL_WORDS.search(node.value):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {INTERNAL_WORDS.search(node.value)[0]}")
    assert found == []


def test_optional_arguments_say_so_and_required_ones_do_not():
    for name, declared in FUNCTIONS.items():
        for parameter in inspect.signature(declared.function).parameters.values():
            optional = parameter.default is not inspect.Parameter.empty
            text = declared.arguments[parameter.name]
            assert text.startswith("Optional.") == optional, (name, parameter.name)


def test_argument_help_names_only_arguments_the_function_has():
    # a help text that refers to another argument by its (compound) name refers to one of this function's
    names = {a for d in FUNCTIONS.values() for a in d.arguments if "_" in a}
    for function, declared in FUNCTIONS.items():
        for argument, text in declared.arguments.items():
            mentioned = {n for n in names if re.search(rf"(?<![\w-]){n}(?![\w-])", text)}
            assert mentioned <= set(declared.arguments), (function, argument, mentioned - set(declared.arguments))


def test_risk_factor_cov_history_help_refers_to_no_returns_argument():
    declared = FUNCTIONS["RISK_FACTOR_COV_HISTORY"]
    assert "returns" not in declared.arguments
    assert all(not re.search(r"\bthe returns\b|same rows as returns", text) for text in declared.arguments.values())


def test_help_says_volatilities_where_the_argument_names_say_vols():
    """``factor_vols`` and ``specific_vols`` are names (docs/naming.md); the help around them says volatilities."""
    found = [(name, part, text) for name, part, text in _texts() if re.search(r"(?<![\w])vols\b", text)]
    assert not found
