"""tools/build_borders.py rebuilds the shipped data/borders/ exactly from Natural Earth."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rebuild_reproduces_shipped_borders(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "build_borders.py"),
                          "--out", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    shipped = ROOT / "data" / "borders"
    assert filecmp.cmp(tmp_path / "index.json", shipped / "index.json", shallow=False)
    built = sorted(p.name for p in (tmp_path / "countries").glob("*.geojson"))
    assert built == sorted(p.name for p in (shipped / "countries").glob("*.geojson"))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "countries", shipped / "countries",
                                               built, shallow=False)
    assert not mismatch and not errors
    assert len(match) == len(built) > 240
