"""``factorxl data``: list, update or clear the datasets in factorxl's download cache.

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 done; 2 a wrong command line; 3 a dataset
cannot be fetched or is not in the cache (one line, printed by :mod:`factorxl.cli`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from factorxl.exit_codes import ExitCode


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


def run(args: argparse.Namespace) -> int:
    """Carry out the action and print what the cache holds afterwards; returns the exit code."""
    from factorxl.data.cache import cached_files, clear, update
    from factorxl.data.sources import DataSource, DataUnavailable
    from factorxl.errors import FactorxlError

    source = DataSource(cache_dir=Path(args.cache)) if args.cache else DataSource()
    origin = args.origin or ""
    mirror = origin.startswith(("http://", "https://"))
    if mirror:
        source = DataSource(cache_dir=source.cache_dir, french_url=origin)
    elif origin and not Path(origin).is_dir():
        raise FactorxlError(f"--from {origin}: neither a folder nor an http(s):// address")
    if args.action != "update" and origin:
        raise FactorxlError("--from only applies to update")
    print(f"factorxl data: cache folder {Path(source.cache_dir).resolve()}")
    if args.action == "update":
        try:
            for cached in update(source, args.datasets, from_dir=None if mirror or not origin else Path(origin)):
                print(f"updated {cached.dataset}")
        except DataUnavailable as error:
            raise FactorxlError(error.with_advice(
                f"Check the internet connection and run the command again, or download {error.name} yourself "
                "and pass its folder with --from DIR."
            )) from None
    elif args.action == "clear":
        for path in clear(source, args.datasets):
            print(f"deleted {path.name}")
        return ExitCode.DONE
    listed = cached_files(source)
    if not listed:
        print("the cache holds no datasets")
    for cached in listed:
        print(f"\n{cached.dataset} ({cached.path.name}, {cached.size:,} bytes)")
        vintage = cached.vintage or ("none (the file carries no vintage line)" if cached.fetched else "not recorded")
        print(f"  vintage: {vintage}")
        print(f"  fetched: {cached.fetched or 'not recorded'} from {cached.url or 'an unrecorded source'}")
    return ExitCode.DONE
