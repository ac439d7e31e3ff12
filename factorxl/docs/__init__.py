"""factorxl's user documentation, shipped inside the package.

The pages are the Markdown files of this folder (the same files the project's README links to),
and the README itself, which the package's metadata carries (``readme``).
``factorxl docs`` prints them (:mod:`factorxl.docs.docs_command`) and a factorxl server serves
them (:mod:`factorxl.server.app`), so a user who installed a wheel has them where factorxl is.
:func:`function_entry` finds a worksheet function's entry: the section under the heading that
shows its signature, which is what a function's help link leads to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata, resources

FOLDER = resources.files(__name__)
"""Where the pages are (inside the installed package)."""
README = "readme"
"""The name of the README page: factorxl's overview and the rules every function follows."""


@dataclass(frozen=True)
class Entry:
    """A piece of the documentation to show: a page, or one function's section of a page."""

    page: str
    title: str
    text: str


def page_names() -> list[str]:
    """The pages, by name: the README, then the files of this folder without ``.md``, in alphabetical order."""
    return [README, *sorted(item.name.removesuffix(".md") for item in FOLDER.iterdir() if item.name.endswith(".md"))]


def _markdown(name: str) -> str:
    if name == README:
        return metadata.metadata("factorxl").get_payload() or ""
    return FOLDER.joinpath(f"{name}.md").read_text(encoding="utf-8")


def _without_comments(text: str) -> str:
    """Markdown as a reader sees it rendered: without the HTML comments (the example data of a page)."""
    return re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)


def page(name: str) -> Entry | None:
    """The page ``name`` (case-insensitive, with or without ``.md``); None when there is none."""
    wanted = name.lower().removesuffix(".md")
    found = next((p for p in page_names() if p.lower() == wanted), None)
    if found is None:
        return None
    text = _without_comments(_markdown(found))
    title = next((line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")), found)
    return Entry(found, title, text)


def function_entry(name: str) -> Entry | None:
    """A worksheet function's entry: its page and the section under the heading showing its signature.

    The section runs from that heading to the next heading of the same or a higher level. None
    when no page has such a heading.
    """
    wanted = name.upper()
    for page_name in page_names():
        lines = page(page_name).text.splitlines()
        for start, line in enumerate(lines):
            heading = re.match(r"(#+) ", line)
            if heading and re.search(rf"`{re.escape(wanted)}\(", line):
                level = len(heading[1])
                end = next(
                    (i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i])),
                    len(lines),
                )
                return Entry(page_name, line[level:].strip().replace("`", ""), "\n".join(lines[start:end]).strip() + "\n")
    return None
