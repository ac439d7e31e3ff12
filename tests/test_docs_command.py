"""The documentation installed with factorxl: ``factorxl docs`` prints a page or a function's entry,
every function has an entry, and no command points a user to a file of the source tree."""

from __future__ import annotations

import re

import pytest

import factorxl.udfs  # noqa: F401  (declares every function)
from factorxl import cli, docs
from factorxl.excel.declare import FUNCTIONS
from factorxl.exit_codes import ExitCode
from factorxl.integration import setup_command
from tests.conftest import REPO

PAGES = sorted(path.stem for path in (REPO / "factorxl" / "docs").glob("*.md"))


def test_the_pages_are_the_files_of_the_package_and_the_readme():
    assert docs.page_names() == ["readme", *PAGES]
    for name in PAGES:
        page = docs.page(name)
        assert page.title == re.search(r"^#+ (.*)$", (REPO / "factorxl" / "docs" / f"{name}.md").read_text(), re.M)[1]
        assert "example-data" not in page.text  # the examples' data is for the tests, not the reader
    assert docs.page("readme").text.startswith("# factorxl\n")
    assert docs.page("FUNCTIONS_DATA.md") == docs.page("functions_data")


def test_every_function_has_an_entry_with_its_signature():
    for name in FUNCTIONS:
        entry = docs.function_entry(name.lower())
        assert entry is not None and entry.page.startswith("functions_"), name
        assert re.match(rf"#+ .*`{name}\(", entry.text), name
        assert entry.text.count("\n### ") == 0, name  # one entry, up to the next heading


def test_docs_prints_the_list_a_page_and_a_function(capsys):
    assert cli.main(["docs"]) == ExitCode.DONE
    listed = capsys.readouterr().out
    assert all(f"  {name} " in listed for name in docs.page_names())
    assert cli.main(["docs", "commands"]) == ExitCode.DONE
    assert capsys.readouterr().out == docs.page("commands").text
    assert cli.main(["docs", "FACTOR_BETA"]) == ExitCode.DONE
    out = capsys.readouterr().out
    assert out.startswith("### `FACTOR_BETA(returns, factors, [intercept])`") and "factorxl docs functions_single_factor" in out


def test_an_unknown_topic_is_one_line_with_the_pages(capsys):
    assert cli.main(["docs", "FACTOR_GAMMA"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no page or worksheet function is named 'FACTOR_GAMMA'" in err and "functions_data" in err


@pytest.mark.parametrize("command", [[], *([name] for name in cli.COMMANDS)])
def test_help_points_to_pages_a_user_has(command, capsys):
    assert cli.main([*command, "--help"]) == ExitCode.DONE
    out = " ".join(capsys.readouterr().out.split())
    assert "docs/" not in out
    for topic in re.findall(r"factorxl docs (\w+)", out):
        assert docs.page(topic) or docs.function_entry(topic), topic


def test_setups_guidance_points_to_pages_a_user_has():
    for text in (setup_command.LITE_GUIDANCE, setup_command.NEXT_STEPS):
        assert "docs/" not in text
        for topic in re.findall(r"factorxl docs (\w+)", text):
            assert docs.page(topic) or docs.function_entry(topic), topic
    assert "factorxl docs excel_setup" in setup_command.LITE_GUIDANCE


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")


def test_every_link_between_the_pages_leads_to_a_page_and_a_heading_that_exist():
    pages = [REPO / "README.md", *sorted((REPO / "factorxl" / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.is_file():
                broken.append(f"{page.name}: {target}")
            elif anchor and anchor not in {_anchor(h) for h in re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.M)}:
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []
