"""Command-line workflow: help with examples, -q/-v before and after the command, the progress
bar, and ``python -m adcov --version``."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import adcov
from adcov.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[1]

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


def run(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


def run_subprocess(*args, env=None, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "adcov", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def command_paths(group=cli, prefix=()):
    yield prefix
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from command_paths(cmd, prefix + (name,))
        else:
            yield prefix + (name,)


@pytest.fixture()
def small(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SMALL, encoding="utf-8")
    return p


@pytest.fixture()
def slow_clock(monkeypatch):
    """Make every reading of the clock 10 s later than the last: any job is "long"."""
    ticks = itertools.count(start=1000.0, step=10.0)
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(ticks)))


# --------------------------------------------------------------------------- help
def test_every_command_is_listed():
    paths = {" ".join(p) for p in command_paths()}
    assert {"", "stats", "map", "export", "profile", "compare", "whatif", "systems", "regions",
            "validate"} <= paths


@pytest.mark.parametrize("path", list(command_paths()), ids=lambda p: " ".join(p) or "adcov")
def test_help_has_an_example(path):
    res = run(*path, "--help")
    assert res.exit_code == 0, res.output
    assert "Example" in res.output
    # the examples are runnable command lines
    assert re.search(r"^\s+adcov \S", res.output, re.M), res.output


# --------------------------------------------------------------------------- -q / -v
@pytest.mark.parametrize("args", [("-q", "stats", "{s}"), ("stats", "{s}", "-q"),
                                  ("stats", "-q", "{s}")])
def test_quiet_before_or_after_the_command(args, small, monkeypatch):
    monkeypatch.delenv("ADCOV_PROGRESS", raising=False)
    res = run(*(a.format(s=small) for a in args), "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("scenario,altitude_m,zone,")
    assert res.stdout.count("\n") == 1 + 7  # header + 7 zones at one altitude
    assert res.stderr == ""


@pytest.mark.parametrize("args", [("-v", "stats", "{s}"), ("stats", "{s}", "-v")])
def test_verbose_says_what_it_does(args, small, monkeypatch):
    monkeypatch.delenv("ADCOV_PROGRESS", raising=False)
    res = run(*(a.format(s=small) for a in args), "-f", "csv")
    assert res.exit_code == 0, res.stderr
    assert re.search(r"^adcov: analysing small: 1 sites, 1 altitudes$", res.stderr, re.M), \
        res.stderr
    assert res.stdout.startswith("scenario,altitude_m,zone,")


def test_default_is_silent_on_stderr(small, monkeypatch):
    monkeypatch.delenv("ADCOV_PROGRESS", raising=False)
    res = run("stats", small, "-f", "csv")
    assert res.exit_code == 0 and res.stderr == ""


def test_verbose_and_quiet_write_files_the_same(small, tmp_path, monkeypatch):
    monkeypatch.delenv("ADCOV_PROGRESS", raising=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("-q", "stats", small, "-f", "csv", "-o", a).exit_code == 0
    res = run("stats", small, "-f", "csv", "-o", b, "-v")
    assert res.exit_code == 0
    assert f"wrote {b}" in res.stderr
    assert a.read_bytes() == b.read_bytes()


# --------------------------------------------------------------------------- progress bar
def test_progress_bar_on_a_long_job_in_a_real_process(tmp_path):
    """`adcov profile belarus-2023 --points 300` (several seconds) with ADCOV_PROGRESS=1."""
    out = tmp_path / "p.csv"
    proc = run_subprocess("profile", "belarus-2023", "--points", "300", "-o", out,
                          env={"ADCOV_PROGRESS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "[#" in proc.stderr
    assert re.search(r"\[#{30}\] (\d+)/\1\n$", proc.stderr), proc.stderr[-200:]
    assert out.stat().st_size > 0


def test_progress_bar_with_a_slow_clock(small, slow_clock, monkeypatch):
    monkeypatch.setenv("ADCOV_PROGRESS", "1")
    res = run("stats", small, "-f", "csv")
    assert res.exit_code == 0, res.stderr
    # One altitude, four steps (cutting, gaps, zone rows, site rows): finer than per altitude.
    assert "[#" in res.stderr and res.stderr.endswith("4/4\n")
    assert all(f" {k}/4" in res.stderr for k in (1, 2, 3, 4)), res.stderr
    assert "[#" not in res.stdout


@pytest.mark.parametrize("args", [("-q", "stats", "{s}"), ("stats", "{s}", "-q")])
def test_quiet_hides_the_progress_bar(args, small, slow_clock, monkeypatch):
    monkeypatch.setenv("ADCOV_PROGRESS", "1")
    res = run(*(a.format(s=small) for a in args), "-f", "csv")
    assert res.exit_code == 0
    assert "[#" not in res.stderr and res.stderr == ""


def test_no_progress_bar_off_a_terminal_without_the_variable(small, slow_clock, monkeypatch):
    monkeypatch.delenv("ADCOV_PROGRESS", raising=False)
    res = run("stats", small, "-f", "csv")
    assert res.exit_code == 0 and "[#" not in res.stderr


def test_profile_progress_bar_and_quiet(small, tmp_path, slow_clock, monkeypatch):
    monkeypatch.setenv("ADCOV_PROGRESS", "1")
    res = run("profile", small, "-o", tmp_path / "a.csv", "--points", 25)
    assert res.exit_code == 0 and "[#" in res.stderr
    res = run("-q", "profile", small, "-o", tmp_path / "b.csv", "--points", 25)
    assert res.exit_code == 0 and res.stderr == ""


# --------------------------------------------------------------------------- version
def test_python_m_coverage_version():
    """`python -m adcov --version` from the source tree (no installed distribution needed)."""
    with open(REPO_ROOT / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert adcov.__version__ == version
    proc = run_subprocess("--version", cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-600:]
    assert proc.stdout.strip() == f"adcov, version {version}"
    assert proc.stderr == ""
