"""Benchmark: `adcov stats` on the built-in 2023 scenario and on a generated 1,000-site scenario.

Each case runs in a fresh Python process so that its peak memory is its own. The process times
the imports, then the analysis (reading borders and building zones included) and the rendering
of the zone table, and reports its peak resident memory. Results go to
``benchmarks/results/stats.json`` and ``benchmarks/results/stats.md``.

Targets (issue 2): the default scenario's computation under 1 s; the 1,000-site scenario (3
altitudes) under 10 s.

Run: ``python benchmarks/bench_stats.py`` (add ``--sites 2000`` for another generated size).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import private_cache

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from adcov.analysis import analyze
from adcov.scenario import Scenario
from adcov.render import tables
t1 = time.perf_counter()
sc = Scenario.resolve(sys.argv[1])
t2 = time.perf_counter()
res = analyze(sc)
csv = tables.to_csv(res.zones)
t3 = time.perf_counter()
res2 = analyze(sc)   # warm: borders cached in the process
tables.to_csv(res2.zones)
t4 = time.perf_counter()
print(json.dumps({
    "sites": len(sc.sites), "altitudes": len(sc.altitudes_m),
    "import_s": t1 - t0, "read_scenario_s": t2 - t1, "compute_s": t3 - t2,
    "compute_warm_s": t4 - t3,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "zone_rows": len(res.zones),
}))
"""

SYSTEMS = ["S-300PS", "Tor-M2", "Buk-M2", "S-400/48N6DM", "Pantsir-S1", "S-300PMU-2"]


def generate(n: int, path: Path, seed: int = 20211) -> Path:
    """A deterministic scenario of ``n`` sites spread over Belarus's bounding box."""
    rng = np.random.default_rng(seed)
    lines = [f'name = "Generated benchmark scenario, {n} sites"', 'region = "BLR"',
             "altitudes_m = [300, 1000, 10000]", ""]
    for i in range(n):
        lon, lat = rng.uniform(23.5, 32.5), rng.uniform(51.5, 55.8)
        lines += ["[[sites]]", f'name = "site-{i:05d}"', f'system = "{SYSTEMS[i % len(SYSTEMS)]}"',
                  f"lon = {lon:.4f}", f"lat = {lat:.4f}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_case(scenario: str) -> dict:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, scenario], check=True,
                         capture_output=True, text=True)
    rec = json.loads(out.stdout)
    rec["process_wall_s"] = time.perf_counter() - t
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=1000, help="size of the generated scenario")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    private_cache()  # never the user's cache folder
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        gen = generate(args.sites, Path(tmp) / f"generated-{args.sites}.toml")
        cases = {
            "belarus-2023": (run_case("belarus-2023"), 1.0),
            f"generated-{args.sites}": (run_case(str(gen)), 10.0 if args.sites == 1000 else None),
        }
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": __import__("os").cpu_count()},
        "cases": {k: {**rec, "target_compute_s": target,
                      "meets_target": None if target is None else rec["compute_s"] < target}
                  for k, (rec, target) in cases.items()},
    }
    (args.out / "stats.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = ["# adcov stats benchmark", "", f"{report['date']}, Python {platform.python_version()}, "
             f"{report['machine']['cpus']} CPUs", "",
             "| case | sites | altitudes | import s | compute s (cold) | compute s (warm) | "
             "target s | peak RSS MiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for k, c in report["cases"].items():
        lines.append(f"| {k} | {c['sites']} | {c['altitudes']} | {c['import_s']:.2f} | "
                     f"{c['compute_s']:.2f} | {c['compute_warm_s']:.2f} | "
                     f"{c['target_compute_s'] or '-'} | {c['peak_rss_mib']:.0f} |")
    (args.out / "stats.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
