"""The ``adcov`` command line: a thin layer over :func:`adcov.analysis.analyze`.

A click group (:mod:`.group`) with one module per command (:mod:`.stats`, :mod:`.compare`,
:mod:`.whatif`, :mod:`.map`, :mod:`.export`, :mod:`.profile`, :mod:`.systems`,
:mod:`.validate`) and the options and helpers they share in :mod:`.options`. Commands import
heavy modules (numpy, shapely, pyproj, pandas, by way of the analysis and renderers) only when
they run, so ``adcov --help`` starts fast.

Exit status: 0 on success, 2 for bad input (one line naming the file, the entry and the value),
1 for anything else.
"""

from __future__ import annotations

# The group lives in .group, not .main: a submodule named ``main`` would be hidden by the
# ``main`` function exported here (``import adcov.cli.main`` would give the function).
from .group import cli, main

__all__ = ["cli", "main"]
