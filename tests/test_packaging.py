"""A non-editable install carries the data: the CLI works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: the build backend (hatchling) comes with the test extra, so nothing is
    # downloaded.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (whl,) = out.glob("airdefense_coverage-*.whl")
    return whl


def test_wheel_contains_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("adcov/_data/borders/index.json",
                     "adcov/_data/borders/countries/BLR.geojson",
                     "adcov/_data/borders/README.md",
                     "adcov/_data/systems/catalog.toml",
                     "adcov/_data/scenarios/belarus-2021.toml",
                     "adcov/_data/scenarios/belarus-2023.toml",
                     "adcov/render/_assets/adcov-map.js",
                     "adcov/render/_assets/adcov-map.css",
                     "adcov/py.typed"):
        assert required in names, required


def test_installed_cli_runs_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = subprocess.run([sys.executable, "-c", "import adcov; print(adcov.__file__)"],
                           cwd=work, env=env, check=True, capture_output=True, text=True)
    assert Path(probe.stdout.strip()).is_relative_to(target)
    out = subprocess.run([sys.executable, "-m", "adcov", "stats", "belarus-2023", "-f", "csv"],
                         cwd=work, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("scenario,altitude_m,zone,zone_kind,area_km2")
    assert len(lines) == 1 + 6 * 7
    assert "belarus-2023,50.0,BLR,region,207499.1" in out.stdout
    html = work / "map.html"
    out = subprocess.run([sys.executable, "-m", "adcov", "map", "belarus-2021", "--tiles",
                          "none", "-o", str(html)], cwd=work, env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    text = html.read_text(encoding="utf-8")
    assert 'id="adcov-data"' in text and "adcovMap(" in text and "Leaflet 1.9.4" in text
