"""A non-editable install carries the data: the CLI works from any directory; and it installs
beside coverage.py and pytest-cov (the import name ``adcov`` clashes with neither)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def _clean_env(**extra) -> dict:
    """This process's environment without what would leak into another interpreter: no
    PYTHONPATH or active venv, and no coverage start-up variables (under ``pytest --cov`` they
    would make the fresh venv's coverage.py measure itself into this run's data file)."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__")
    env = {k: v for k, v in os.environ.items()
           if k not in drop and not k.startswith(("COV_CORE_", "COVERAGE_"))}
    env.update(extra)
    return env


def test_adcov_installs_beside_coverage_py_and_pytest_cov(wheel, tmp_path, record_property):
    """One fresh venv holding the wheel (with its dependencies, from the package index), coverage
    and pytest-cov: coverage.py, pytest-cov and the adcov CLI all work, each from its own files."""
    timings = {}

    def step(name, cmd, **kw):
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
        timings[name] = round(time.perf_counter() - start, 1)
        assert out.returncode == 0, f"{name}: {cmd}\n{out.stdout}\n{out.stderr}"
        return out.stdout

    env = _clean_env()
    venv = tmp_path / "venv"
    step("venv", [sys.executable, "-m", "venv", str(venv)])
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    env = _clean_env(VIRTUAL_ENV=str(venv),
                     PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]))
    step("install", [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                     str(wheel), "coverage", "pytest-cov"])

    work = tmp_path / "work"  # not the repository: its coverage/ folder must play no part
    work.mkdir()

    # Each import name resolves to its own distribution's files in the fresh venv.
    probe = step("probe", [str(python), "-c", (
        "import importlib.metadata as md, pathlib, sys, coverage, adcov, pytest_cov\n"
        "site = pathlib.Path(next(p for p in sys.path if p.endswith('site-packages')))\n"
        "print(site)\n"
        "for mod, dist in ((coverage, 'coverage'), (adcov, 'airdefense-coverage'),\n"
        "                  (pytest_cov, 'pytest-cov')):\n"
        "    f = pathlib.Path(mod.__file__)\n"
        "    own = {str(md.distribution(dist).locate_file(x)) for x in md.files(dist)}\n"
        "    print(mod.__name__, f, str(f) in own)\n"
        "print('Coverage', hasattr(coverage, 'Coverage'), coverage.__version__)\n"
    )], cwd=work)
    lines = probe.splitlines()
    site = Path(lines[0])
    assert site.is_relative_to(venv), probe
    found = {name: (Path(path), own == "True") for name, path, own in
             (line.split(" ") for line in lines[1:4])}
    assert found["coverage"] == (site / "coverage" / "__init__.py", True), probe
    assert found["adcov"] == (site / "adcov" / "__init__.py", True), probe
    assert found["pytest_cov"] == (site / "pytest_cov" / "__init__.py", True), probe
    assert lines[4].startswith("Coverage True"), probe

    # coverage.py measures a script and reports it.
    (work / "script.py").write_text(
        "def half(n):\n    if n % 2:\n        return None\n    return n // 2\n\n"
        "print(half(10))\n", encoding="utf-8")
    out = step("coverage run", [str(bin_dir / "coverage"), "run", "script.py"], cwd=work)
    assert out.strip() == "5"
    report = step("coverage report", [str(bin_dir / "coverage"), "report", "-m"], cwd=work)
    assert "script.py" in report and "TOTAL" in report, report
    assert "80%" in report, report  # 4 of 5 statements: the odd branch did not run

    # pytest-cov measures adcov.
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (work / "test_tiny.py").write_text(
        "import adcov\n\n\ndef test_slant():\n"
        "    assert adcov.slant_range_km(10.0, 0.0, 1000.0) >= 10.0\n", encoding="utf-8")
    out = step("pytest --cov", [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "--cov=adcov", "--cov-report=term", "test_tiny.py"], cwd=work)
    assert "1 passed" in out and "TOTAL" in out, out
    assert "adcov" in out and "radar.py" in out, out

    # The adcov command line, from the venv's console script.
    out = step("adcov stats", [str(bin_dir / "adcov"), "stats", "belarus-2023", "-f", "csv"],
               cwd=work)
    assert out.splitlines()[0].startswith("scenario,altitude_m,zone,zone_kind,area_km2"), out

    for name, seconds in timings.items():
        record_property(name, seconds)
    print("fresh venv timings [s]:", timings)


# --------------------------------------------------------------------------- Python versions
def _declared_minors() -> list[tuple[int, int]]:
    """Minor versions from requires-python's lower bound up to 3.13 (and any newer one the
    classifiers name)."""
    import re
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    low = re.fullmatch(r">=\s*3\.(\d+)", meta["requires-python"])
    assert low, "requires-python must be a plain lower bound, e.g. >=3.11"
    named = {int(m) for c in meta["classifiers"]
             for m in re.findall(r"Python :: 3\.(\d+)$", c)}
    return [(3, m) for m in sorted(named) if m >= int(low.group(1))]


def _pythons() -> dict:
    """Interpreters on this machine by minor version (pyenv's, and the running one)."""
    found = {sys.version_info[:2]: Path(sys.executable)}
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for exe in sorted(root.glob("3.*/bin/python3")):
        parts = exe.parent.parent.name.split(".")
        if len(parts) >= 2 and parts[1].isdigit():
            found.setdefault((3, int(parts[1])), exe)
    return found


def test_requires_python_says_only_what_is_tested():
    minors = _declared_minors()
    assert minors[0] == (3, 11)  # 3.10 has no tomllib: not declared, so not claimed
    assert {(3, 12), (3, 13)} <= set(minors)
    # Every declared version is tested below on this machine.
    assert set(minors) <= set(_pythons()), (minors, sorted(_pythons()))


@pytest.mark.parametrize("minor", [m for m in _declared_minors()
                                   if m != sys.version_info[:2]],
                         ids=lambda m: f"{m[0]}.{m[1]}")
def test_the_wheel_installs_and_runs_on_every_declared_python(wheel, tmp_path, minor):
    """A fresh venv of that Python, the wheel with its dependencies from the package index,
    and `adcov stats` on the built-in scenario. (The running Python is covered by
    test_adcov_installs_beside_coverage_py_and_pytest_cov.)"""
    python = _pythons()[minor]
    venv = tmp_path / "venv"
    env = _clean_env()
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, env=env)
    vpy = venv / "bin" / "python"
    done = subprocess.run([str(vpy), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           str(wheel)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    out = subprocess.run([str(venv / "bin" / "adcov"), "stats", "belarus-2023", "-f", "csv"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("scenario,altitude_m,zone,zone_kind,area_km2")
    assert "belarus-2023,50.0,BLR,region,207499.1" in out.stdout
    version = subprocess.run([str(vpy), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == str(minor)
