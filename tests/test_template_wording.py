"""The templates use the naming standard's word for each concept (docs/naming.md): the words it
lists as not used appear in no cell, note, heading or chart of any template."""

from __future__ import annotations

import re

import pytest

from tests.workbook_checks import Book, shown_texts

NOT_USED = re.compile(r"idiosyncratic|\bidio\b|abnormal", re.IGNORECASE)
QUOTED_SOURCE_WORD = ("arkk_brk", "Notes", "(the notebook calls them abnormal returns)")  # the notebook's own word, named as such


@pytest.mark.parametrize("name", ["msft", "arkk_brk", "minimodel", "famamacbeth"])
def test_no_template_uses_a_word_the_naming_standard_replaces(built_books, name):
    built = built_books[name]
    found = [(where, text) for where, text in shown_texts(Book(built.path), built.path) if NOT_USED.search(text)]
    found = [(where, text) for where, text in found if (name, where) != QUOTED_SOURCE_WORD[:2] or QUOTED_SOURCE_WORD[2] not in text]
    assert not found, found
