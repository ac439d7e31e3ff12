"""``factorxl data``: list, update or clear the datasets in factorxl's download cache.

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 done; 2 a wrong command line; 3 a dataset
cannot be fetched or is not in the cache, or ``clear`` was not confirmed (one line, printed by
:mod:`factorxl.cli`; nothing was changed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from factorxl.errors import FactorxlError, printable
from factorxl.exit_codes import ExitCode

if TYPE_CHECKING:
    from factorxl.data.cache import CachedFile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "action",
        choices=("list", "update", "clear"),
        help="list what the cache holds; update (fetch again, or for the first time) the named datasets or "
        "every cached one; clear the named datasets or all",
    )
    parser.add_argument(
        "datasets",
        nargs="*",
        metavar="DATASET",
        help="library names (25_Portfolios_5x5, F-F_Research_Data_Factors_daily) or file names "
        "(FactorModels_data2.csv); default all cached datasets",
    )
    parser.add_argument("--cache", metavar="DIR", help="the cache folder (default $FACTORXL_CACHE or the per-user cache)")
    parser.add_argument(
        "--from",
        dest="origin",
        metavar="URL_OR_DIR",
        help="update: take the files from this folder (searched with its subfolders), or download the Kenneth French "
        "files from this address (a mirror of the library's ftp/ folder) instead of the library's",
    )
    parser.add_argument(
        "--vintage",
        metavar="NAME",
        help="update --from DIR: the subfolder whose copy of a Kenneth French file to take when the folder holds "
        "several (for example v202510)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="clear: also delete files factorxl did not download (supplied by hand or from a folder) without asking; "
        "without it, clear asks at a terminal and refuses elsewhere",
    )


def run(args: argparse.Namespace) -> int:
    """Carry out the action and print what the cache holds afterwards; returns the exit code."""
    from factorxl.data.cache import cached_files, clear, to_clear, update
    from factorxl.data.sources import DataSource, DataUnavailable, command_line_advice

    source = DataSource(cache_dir=Path(args.cache)) if args.cache else DataSource()
    origin = args.origin or ""
    mirror = origin.startswith(("http://", "https://"))
    if mirror:
        source = DataSource(cache_dir=source.cache_dir, french_url=origin)
    elif origin and not Path(origin).is_dir():
        raise FactorxlError(f"--from {origin}: neither a folder nor an http(s):// address")
    if args.action != "update" and origin:
        raise FactorxlError("--from only applies to update")
    if args.vintage and (args.action != "update" or not origin or mirror):
        raise FactorxlError("--vintage only applies to update --from DIR (a folder with vintage subfolders)")
    if args.yes and args.action != "clear":
        raise FactorxlError("--yes only applies to clear")
    print(f"factorxl data: cache folder {Path(source.cache_dir).resolve()}")
    if args.action == "update":
        from_dir = None if mirror or not origin else Path(origin)
        try:
            for cached in update(source, args.datasets, from_dir=from_dir, vintage=args.vintage):
                print(printable(f"updated {cached.dataset}"))
        except DataUnavailable as error:
            raise FactorxlError(error.with_advice(command_line_advice(error, "--from"))) from None
    elif args.action == "clear":
        supplied = [cached for cached in to_clear(source, args.datasets) if not cached.downloaded]
        if supplied and not args.yes:
            _confirm_deleting(supplied)
        for path in clear(source, args.datasets):
            print(printable(f"deleted {path.name}"))
        return ExitCode.DONE
    listed = cached_files(source)
    if not listed:
        print("the cache holds no datasets")
    for cached in listed:  # the names and the record's texts printed as plain text (a server sent the vintage)
        vintage = cached.vintage or ("none (the file carries no vintage line)" if cached.fetched else "not recorded")
        print()
        print(printable(f"{cached.dataset} ({cached.path.name}, {cached.size:,} bytes)"))
        print(printable(f"  vintage: {vintage}"))
        print(printable(f"  fetched: {cached.fetched or 'not recorded'} from {cached.url or 'an unrecorded source'}"))
    return ExitCode.DONE


def _confirm_deleting(supplied: Sequence[CachedFile]) -> None:
    """Ask at a terminal before files factorxl cannot download again are deleted; elsewhere refuse.

    Raises
    ------
    FactorxlError
        Without a terminal, or when the answer is not yes; nothing is deleted then.
    """
    what = (
        f"{len(supplied)} file(s) that factorxl did not download and cannot download again "
        f"({', '.join(printable(cached.path.name) for cached in supplied)})"
    )
    if not sys.stdin.isatty():
        raise FactorxlError(
            f"clear would delete {what}; nothing was deleted: add --yes to delete them, or name the datasets to clear"
        )
    try:
        answer = input(f"Delete {what}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise FactorxlError("nothing was deleted (clear was not confirmed)")
