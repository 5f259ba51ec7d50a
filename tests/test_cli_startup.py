"""The command line's shape: a lean start (no numpy, shapely, pyproj or pandas for help, the
catalog or validation), one module per command, and no state carried from one run to the next
in the same process."""

from __future__ import annotations

import itertools
import json
import logging
import os
import pkgutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import adcov.cli
from adcov.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("numpy", "shapely", "pyproj", "pandas", "geopandas")
#: Modules of adcov.cli that are not a command.
INFRASTRUCTURE = {"group", "options", "listing"}

SMALL = """\
name = "small"
region = "BLR"
altitudes_m = [1000]

[[sites]]
name = "Minsk"
system = "Tor-M2"
lon = 27.56
lat = 53.90
"""

# Runs adcov.cli.main in a fresh interpreter and reports, on its last line, the exit code and
# which heavy modules got imported.
PROBE = textwrap.dedent("""
    import json, sys
    from adcov.cli import main
    try:
        main(sys.argv[1:])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
    sys.stdout.flush()
    print("\\n" + json.dumps({{"code": code, "heavy": heavy}}))
""").format(heavy=set(HEAVY))


def probe(*args):
    """(exit code, heavy modules imported, stdout without the report, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    out, _, report = proc.stdout.rstrip("\n").rpartition("\n")
    report = json.loads(report)
    return report["code"], report["heavy"], out, proc.stderr


@pytest.fixture()
def small(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SMALL, encoding="utf-8")
    return p


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --------------------------------------------------------------------------- lean start-up
@pytest.mark.parametrize("args, expect", [
    (("--help",), "Usage: adcov"),
    (("--version",), "adcov, version"),
    (("systems",), "`adcov systems show ID` gives sources"),
    (("systems", "show", "S-400/40N6"), "S-400/40N6: "),
    (("validate", "belarus-2021"), ": OK"),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_no_heavy_import(args, expect):
    code, heavy, out, err = probe(*args)
    assert code == 0, err
    assert expect in out
    assert heavy == []


def test_no_heavy_import_validating_a_file(small):
    code, heavy, out, err = probe("validate", small)
    assert code == 0, err
    assert out.strip() == f"{small}: OK"
    assert heavy == []


def test_no_heavy_import_validating_a_bad_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("lat = 53.90", "lat = 153.90"), encoding="utf-8")
    code, heavy, out, err = probe("validate", bad)
    assert code == 2
    assert out.strip() == ""
    assert err.splitlines()[0].startswith("adcov: error: ") and "153.9" in err
    assert err.splitlines()[-1] == f"{bad}: 1 problem(s)"
    assert heavy == []


# --------------------------------------------------------------------------- one module per command
def test_one_module_per_command():
    modules = {m.name for m in pkgutil.iter_modules(adcov.cli.__path__)}
    assert INFRASTRUCTURE <= modules
    assert set(cli.commands) == modules - INFRASTRUCTURE
    for name, command in cli.commands.items():
        assert command.callback.__module__ == f"adcov.cli.{name}", name


def test_entry_points():
    assert callable(adcov.cli.main) and adcov.cli.cli is cli
    assert not (Path(adcov.cli.__file__).parent.parent / "cli.py").exists()


def test_no_module_level_mutable_state():
    """Run settings live in the click context, not in a module-level dict, list or settings
    object. Lookup tables named as constants (UPPER_CASE) are allowed; the old ``_STATE`` is
    not, whatever its case."""
    import importlib

    from adcov.cli.options import Settings

    modules = [adcov.cli] + [importlib.import_module(f"adcov.cli.{info.name}")
                             for info in pkgutil.iter_modules(adcov.cli.__path__)]
    for module in modules:
        assert not hasattr(module, "_STATE"), module.__name__
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            where = f"{module.__name__}.{name}"
            assert not isinstance(value, Settings), where
            if isinstance(value, (dict, list, set, bytearray)):
                assert name.lstrip("_").isupper(), where


# --------------------------------------------------------------------------- no leaks between runs
@pytest.fixture()
def slow_clock(monkeypatch):
    """Every reading of the clock 10 s after the last: any job shows the progress bar."""
    ticks = itertools.count(start=1000.0, step=10.0)
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(ticks)))


def test_quiet_does_not_carry_over(small, slow_clock, monkeypatch):
    monkeypatch.setenv("ADCOV_PROGRESS", "1")
    quiet = run("-q", "stats", small, "-f", "csv")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert logging.getLogger("adcov").level == logging.ERROR
    loud = run("stats", small, "-f", "csv")
    assert loud.exit_code == 0, loud.stderr
    assert "[#" in loud.stderr  # the progress bar is back
    assert logging.getLogger("adcov").level == logging.WARNING
    assert loud.stdout == quiet.stdout


def test_verbose_does_not_carry_over(small, monkeypatch):
    monkeypatch.delenv("ADCOV_PROGRESS", raising=False)
    assert "analysing" in run("stats", small, "-v", "-f", "csv").stderr
    plain = run("stats", small, "-f", "csv")
    assert plain.exit_code == 0 and plain.stderr == ""


def test_force_does_not_carry_over(small, tmp_path):
    out = tmp_path / "zones.csv"
    out.write_text("old\n", encoding="utf-8")
    forced = run("stats", small, "-f", "csv", "-o", out, "--force")
    assert forced.exit_code == 0, forced.stderr
    written = out.read_text(encoding="utf-8")
    assert written.startswith("scenario,")
    again = run("stats", small, "-f", "csv", "-o", out)
    assert again.exit_code == 2
    assert again.stderr.startswith("adcov: error: ") and "--force" in again.stderr
    assert out.read_text(encoding="utf-8") == written
