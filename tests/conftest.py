"""Shared test fixtures: where the public datasets live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The public datasets folder: ``$FACTORXL_SHARED_DATA`` or ``../shared/data``."""
    return Path(os.environ.get("FACTORXL_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"public datasets not found at {path} (set FACTORXL_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def built_books(shared_data, tmp_path_factory) -> dict:
    """The four templates built once for the whole test run: name -> BookResult."""
    from factorxl.data import DataSource
    from tests.workbook_checks import build_complete

    sources = {
        "msft": DataSource(local_dir=shared_data, vintage="v202412"),
        "arkk_brk": DataSource(local_dir=shared_data),
        "minimodel": None,
        "famamacbeth": DataSource(local_dir=shared_data, vintage="v202510"),
    }
    folder = tmp_path_factory.mktemp("templates")
    return {name: build_complete(name, folder, source) for name, source in sources.items()}
