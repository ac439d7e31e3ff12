"""The download cache as a whole: what it holds, fetching datasets again, clearing them.

Every cached dataset is a file under its published name (``25_Portfolios_5x5_CSV.zip``,
``FactorModels_data2.csv``) with a ``<name>.source.json`` record beside it: the address
it came from, when, its size and the vintage line it carries (see
:meth:`factorxl.data.sources.DataSource.download`). A dataset is named either by its
file name or, for the Kenneth French library, by its library name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from factorxl.data import example_files, french
from factorxl.data.sources import SIDECAR_SUFFIX, DataSource, DataUnavailable, Validator
from factorxl.errors import FactorxlError


@dataclass(frozen=True)
class CachedFile:
    """One dataset in the cache.

    Attributes
    ----------
    dataset : str
        Library name of a Kenneth French file (``25_Portfolios_5x5``), else the file name.
    path : pathlib.Path
        The cached file.
    size : int
        Its size in bytes.
    url, fetched, vintage : str or None
        Where it came from (an address, or the file it was copied from by ``factorxl data
        update --from DIR``), when (ISO 8601, UTC) and the vintage line it carries; None for
        a file put in the cache by hand (without a record).
    """

    dataset: str
    path: Path
    size: int
    url: str | None
    fetched: str | None
    vintage: str | None

    @property
    def downloaded(self) -> bool:
        """Whether factorxl downloaded it, so that it can download it again; a file copied into
        the cache (by hand, or from a folder) may exist nowhere else."""
        return (self.url or "").startswith(("https://", "http://"))


@dataclass(frozen=True)
class _Known:
    file_name: str
    base_url: str | None
    validate: Validator
    vintaged: bool  # a Kenneth French file: a data folder may hold it in several vintage subfolders


def _known(dataset: str, source: DataSource) -> _Known:
    """File name, download folder and check of a dataset named by file or library name."""
    match = example_files.example_file(dataset.strip())
    if match is not None:
        return _Known(match.name, match.base_url(source), partial(example_files.validate, match), vintaged=False)
    name = french.zip_name(dataset)
    return _Known(name, source.french_url, partial(french.validate_zip, name), vintaged=True)


def _is_dataset_file(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and not path.name.endswith(SIDECAR_SUFFIX)


def cached_files(source: DataSource) -> list[CachedFile]:
    """Every dataset in ``source.cache_dir``, by file name.

    Returns
    -------
    list of CachedFile
        Empty when the folder does not exist yet.
    """
    folder = Path(source.cache_dir)
    if not folder.is_dir():
        return []
    return [_describe(path) for path in sorted(folder.iterdir()) if _is_dataset_file(path)]


def _describe(path: Path) -> CachedFile:
    record_path = path.with_name(path.name + SIDECAR_SUFFIX)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
    except (OSError, ValueError):
        record = {}
    dataset = path.name.removesuffix("_CSV.zip") if path.name.endswith("_CSV.zip") else path.name
    return CachedFile(dataset, path, path.stat().st_size, record.get("url"), record.get("fetched"), record.get("vintage"))


def update(
    source: DataSource, datasets: Sequence[str] = (), *, from_dir: Path | None = None, vintage: str | None = None
) -> list[CachedFile]:
    """Fetch datasets again (or for the first time) into the cache.

    Parameters
    ----------
    source : DataSource
        The cache folder and the download addresses.
    datasets : sequence of str
        Library or file names; empty: every dataset the cache holds that has a
        download address (a file supplied by hand, without one, is kept as it is).
    from_dir : pathlib.Path or None
        Take the files from this folder (searched with its subfolders) instead of
        downloading them.
    vintage : str or None
        With ``from_dir``: the subfolder whose copy of a Kenneth French file to take when the
        folder holds several (as :class:`DataSource`'s ``vintage``).

    Returns
    -------
    list of CachedFile
        The datasets as now cached. Each file is checked before it replaces the
        cached copy; a failure leaves the cached copy as it was.

    Raises
    ------
    DataUnavailable
        Of kind ``"download"`` when a download fails or gives a file factorxl cannot use;
        from a folder, of the kinds :meth:`DataSource.path` raises when the file is missing,
        in another vintage only, or there in several copies.
    FactorxlError
        For the first dataset that cannot be fetched otherwise (those before it are updated).
    """
    names = list(datasets) or [cached.path.name for cached in cached_files(source)]
    if not names:
        raise FactorxlError(f"the cache folder {source.cache_dir} holds no datasets; name the datasets to fetch")
    updated = []
    for name in names:
        known = _known(name, source)
        target = Path(source.cache_dir) / known.file_name
        if from_dir is not None:
            subfolder = vintage if known.vintaged else None
            local = DataSource(local_dir=Path(from_dir)).path(known.file_name, None, subfolder=subfolder)
            source.import_file(local, target, known.validate)
        elif known.base_url is None:
            if not datasets:
                continue  # a file supplied by hand (BRK/ARKK's CSV form) stays as it is
            raise FactorxlError(f"{known.file_name} has no download address; take it from a folder with --from DIR")
        else:
            url = known.base_url.rstrip("/") + "/" + known.file_name
            try:
                source.download(url, target, known.validate)
            except FactorxlError as error:
                raise DataUnavailable("download", known.file_name, str(error), url=url) from error
        updated.append(_describe(target))
    return updated


def to_clear(source: DataSource, datasets: Sequence[str] = ()) -> list[CachedFile]:
    """The cached datasets :func:`clear` would delete: the named ones, default all.

    Raises
    ------
    FactorxlError
        When a named dataset is not in the cache.
    """
    folder = Path(source.cache_dir)
    if not datasets:
        return cached_files(source)
    paths = [folder / _known(name, source).file_name for name in datasets]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise FactorxlError(f"not in the cache folder {folder}: {', '.join(missing)}")
    return [_describe(path) for path in dict.fromkeys(paths)]


def clear(source: DataSource, datasets: Sequence[str] = ()) -> list[Path]:
    """Delete datasets (default all, with any temporary file a stopped download left) and their
    records from the cache; returns the deleted files."""
    folder = Path(source.cache_dir)
    paths = [cached.path for cached in to_clear(source, datasets)]
    if not datasets and folder.is_dir():
        paths += folder.glob(".*.part*")
    for path in paths:
        path.with_name(path.name + SIDECAR_SUFFIX).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
    return paths
