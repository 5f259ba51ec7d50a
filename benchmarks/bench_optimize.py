"""Benchmark: `adcov optimize` on the built-in 2021 scenario, S-400 (40N6) for the southern zone
at 1 km.

Cases (issue 13, acceptance 7), each through the command line in a fresh Python process (wall
time of the whole command: reading, scoring, solving, both polygon-engine analyses, output):

* ``count2``: ``--count 2`` on a 10 km candidate lattice (greedy): under 30 s;
* ``target95``: ``--target 0.95`` on the same lattice (greedy): under 60 s;
* ``exact3``: ``--count 3 --exact`` on a 20 km lattice: under 60 s.

Every case uses the default 5 km demand grid. Results go to ``benchmarks/results/optimize.json``
and ``benchmarks/results/optimize.md``, with the answers (status, bound, gap, chosen sites) so
that a change in the answer shows next to a change in time.

Run: ``python benchmarks/bench_optimize.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import private_cache

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ROOT = HERE.parent

BASE = ["optimize", "belarus-2021", "--system", "S-400/40N6", "--zone", "south",
        "--altitude-m", "1000", "-f", "json", "-q"]
CASES = {
    "count2": (["--count", "2", "--spacing-km", "10"], 30.0),
    "target95": (["--target", "0.95", "--spacing-km", "10"], 60.0),
    "exact3": (["--count", "3", "--spacing-km", "20", "--exact", "--time-limit", "50"], 60.0),
}


def run_case(args: list) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "coverage")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "adcov", *BASE, *args, "-o", str(out)],
                       check=True, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t
        doc = json.loads(out.read_text(encoding="utf-8"))
    obj = doc["objective"]
    return {
        "args": " ".join(args), "wall_s": wall, "solver_and_analysis_s": doc["seconds"],
        "status": doc["status"], "solver": doc["solver"], "bound": doc["bound"],
        "bound_kind": doc["bound_kind"], "gap": doc["gap"],
        "candidates": doc["grid"]["candidates"], "demand_points": doc["grid"]["demand_points"],
        "chosen": [(c["name"], c["lon"], c["lat"], c["gain_km2"]) for c in doc["chosen"]],
        "grid_fraction_before": obj["before_fraction"],
        "grid_fraction_after": obj["after_fraction"],
        "polygon_fraction_after": doc["after"][0]["covered_fraction"],
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    private_cache()  # never the user's cache folder
    args.out.mkdir(parents=True, exist_ok=True)
    cases = {}
    for name, (extra, target) in CASES.items():
        rec = run_case(extra)
        rec.update(target_s=target, meets_target=rec["wall_s"] < target)
        cases[name] = rec
        print(f"{name}: {rec['wall_s']:.1f} s (target {target:g} s), {rec['status']}",
              flush=True)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "command": "adcov " + " ".join(BASE),
        "cases": cases,
    }
    (args.out / "optimize.json").write_text(json.dumps(report, indent=2) + "\n",
                                            encoding="utf-8")
    lines = ["# adcov optimize benchmark", "",
             f"{report['date']}, Python {platform.python_version()}, "
             f"{report['machine']['cpus']} CPUs", "",
             f"`{report['command']}` plus:", "",
             "| case | options | wall s | target s | status | batteries | south covered "
             "(grid, polygons) | bound | gap | candidates x points |",
             "|---|---|---:|---:|---|---:|---|---|---|---:|"]
    for k, c in cases.items():
        lines.append(
            f"| {k} | `{c['args']}` | {c['wall_s']:.1f} | {c['target_s']:g} | {c['status']} | "
            f"{len(c['chosen'])} | {c['grid_fraction_after']:.1%}, "
            f"{c['polygon_fraction_after']:.1%} | {c['bound']:g} ({c['bound_kind']}) | "
            f"{c['gap']:g} | {c['candidates']} x {c['demand_points']} |")
    (args.out / "optimize.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
