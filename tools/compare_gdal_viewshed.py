"""The terrain cross-check of ``tests/test_terrain.py`` against any GDAL's viewshed.

::

    python tools/compare_gdal_viewshed.py                      # Debian's gdal_viewshed
    python tools/compare_gdal_viewshed.py --gdal-python PY     # the osgeo of another Python

For each case of the test (a fractal DEM; the SRTM3 tiles around Minsk and on their seam, when
``$ADCOV_SHARED_TERRAIN`` or ``../shared/terrain`` has them) it prints, at the test's target
heights (0 / 25 / 100 / 300 m): the share of cells on which adcov's minimum visible height and
GDAL's put a target on the same side (raw, and with the test's 5 m band), and, for 3,000
random cells, how often each engine agrees with an exact line of sight in the same plane.

``--gdal-python`` runs the viewshed with ``osgeo.gdal.ViewshedGenerate`` in that interpreter
instead of the ``gdal_viewshed`` program: for instance GDAL 3.13 from the PyPI package
``gdal-wheel`` (wheels for CPython 3.12 and later) in a venv of its own::

    python3.12 -m venv /tmp/g13 && /tmp/g13/bin/pip install gdal-wheel numpy
    python tools/compare_gdal_viewshed.py --gdal-python /tmp/g13/bin/python

The warping (``gdalwarp``, ``gdalbuildvrt``) stays Debian's, so only the viewshed differs.
Measured on 2026-12-05: GDAL 3.6.2 (Debian) and 3.13.3 (gdal-wheel) give the same figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

#: Runs in the other interpreter: gdal_viewshed's arguments, as the test passes them.
VIEWSHED = r"""
import sys
from osgeo import gdal
gdal.UseExceptions()
args, opt, pos = sys.argv[1:], {}, []
i = 0
while i < len(args):
    if args[i] == "-q":
        i += 1
    elif args[i].startswith("-"):
        opt[args[i]] = args[i + 1]
        i += 2
    else:
        pos.append(args[i])
        i += 1
src, dst = pos
src_ds = gdal.Open(src)  # kept: the band lives only as long as its dataset
band = src_ds.GetRasterBand(1)
ds = gdal.ViewshedGenerate(band, "GTiff", dst, [], float(opt["-ox"]), float(opt["-oy"]),
                           float(opt["-oz"]), 0.0, float(opt["-vv"]), float(opt["-iv"]),
                           -1.0, -1.0, float(opt["-cc"]), gdal.GVM_Edge, float(opt["-md"]),
                           heightMode=gdal.GVOT_MIN_TARGET_HEIGHT_FROM_GROUND)
ds = None
print(gdal.__version__)
"""


def _test_module():
    sys.path.insert(0, str(ROOT / "tests"))
    spec = importlib.util.spec_from_file_location("_terrain_test", ROOT / "tests" / "test_terrain.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gdal-python", metavar="PY",
                    help="run the viewshed with this interpreter's osgeo.gdal")
    ap.add_argument("cases", nargs="*", help="fractal, Minsk, seam (default: all available)")
    args = ap.parse_args(argv)
    tt = _test_module()
    cases = args.cases or [c for c in tt.GDAL_CASES if c == "fractal" or tt.HAVE_SRTM]
    run = tt._gdal
    version = subprocess.run(["gdalinfo", "--version"], capture_output=True,
                             text=True).stdout.strip()

    def viewshed(*cmd):
        nonlocal version
        if cmd[0] == "gdal_viewshed" and args.gdal_python:
            out = subprocess.run([args.gdal_python, "-c", VIEWSHED, *cmd[1:]],
                                 capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"{args.gdal_python}: {out.stderr.strip()}")
            version = "GDAL " + out.stdout.strip().splitlines()[-1] + f" ({args.gdal_python})"
        else:
            run(*cmd)

    tt._gdal = viewshed

    def pct(xs):
        return " / ".join(f"{100 * x:.2f}" for x in xs)

    with tempfile.TemporaryDirectory() as tmp:
        for name in cases:
            folder = Path(tmp) / name
            folder.mkdir()
            t = time.perf_counter()
            case = tt._gdal_case(name, folder)
            ours, gdal = case["ours"], case["gdal"]
            pick = np.random.default_rng(0).choice(ours.size, 3000, replace=False)
            exact = tt._exact_line_of_sight(case, pick)
            hs = tt.THRESHOLDS_M
            err = np.abs(gdal[pick] - exact)
            print(f"{name} ({ours.size:,} cells, {time.perf_counter() - t:.1f} s), "
                  f"{version}, target heights {' / '.join(f'{h:g}' for h in hs)} m:")
            print(f"  adcov vs GDAL, raw:        {pct(tt.gdal_agreement(ours, gdal, h) for h in hs)} %")
            print(f"  adcov vs GDAL, 5 m band:   "
                  f"{pct(tt.gdal_agreement(ours, gdal, h, tt.GDAL_TOLERANCE_M) for h in hs)} %")
            print(f"  GDAL vs exact sight line:  "
                  f"{pct(np.mean((gdal[pick] <= h) == (exact <= h)) for h in hs)} %")
            print(f"  adcov vs exact sight line: "
                  f"{pct(np.mean((ours[pick] <= h) == (exact <= h)) for h in hs)} %")
            print(f"  |GDAL - exact|: median {np.median(err):.2f} m, "
                  f"90th percentile {np.percentile(err, 90):.2f} m")
    return 0


if __name__ == "__main__":
    sys.exit(main())
