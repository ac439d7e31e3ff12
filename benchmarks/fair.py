"""What every benchmark shares: one BLAS thread on both sides, interleaved repetitions, medians.

Import this module before numpy (``import fair`` first in a script): it pins BLAS and OpenMP
to one thread through the environment, then through threadpoolctl once numpy is loaded, so the
library under test and its reference run on the same single core whatever the machine's load.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_variable] = "1"

import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy  # noqa: E402,F401  (loads BLAS, so that threadpoolctl finds it)
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(limits=1)


def interleaved_medians(candidates: dict[str, Callable[[], object]], repeat: int = 9, number: int = 1) -> dict[str, float]:
    """Median CPU seconds per call of each candidate, timed in turn within every repetition.

    Each repetition runs every candidate once (``number`` calls), so a change in the machine's
    load during the run affects all of them alike. The garbage collector is paused while a
    candidate runs (as ``timeit`` does) and run between candidates, so a collection of the
    benchmark's own data is not charged to whichever call happened to trigger it.
    """
    for function in candidates.values():  # warm caches and lazy imports
        function()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, function in candidates.items():
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                for _ in range(number):
                    function()
                samples[name].append((time.process_time() - start) / number)
            finally:
                gc.enable()
    return {name: statistics.median(values) for name, values in samples.items()}
