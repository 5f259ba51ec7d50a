"""What every benchmark script shares."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def private_cache() -> str:
    """Point adcov's cache folder (derived zones, downloads) at a temporary folder of this run,
    removed at exit: a benchmark never reads or fills the user's cache. Child processes
    inherit it. Returns the folder."""
    path = tempfile.mkdtemp(prefix="adcov-bench-cache-")
    os.environ["ADCOV_CACHE"] = path
    os.environ.pop("ADCOV_NO_CACHE", None)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
