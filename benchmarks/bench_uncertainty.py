"""Benchmark: `adcov uncertainty` on the built-in 2023 scenario, serially and on 2 workers.

The scenario is ``belarus-2023`` (13 sites, 6 altitudes) with every site's position uncertain
(``position_sigma_km = 5``, town-level reporting) and the spreads of the cited sources drawn
(``--from-sources``: Tor-M2's range, the S-400 masts, dead zones and ceilings), so that every
envelope changes from one sample to the next: the most expensive case.

Each case runs in a fresh Python process. The process reads the scenario, times one warm
``analyze`` (what ``adcov stats`` computes: the reference cost of "one stats computation"),
then times ``run_uncertainty`` whole: the shared parts (zones, grid, the nominal scenario), the
samples, and for the distributed case starting the LocalCluster and its worker processes too.
The same seed must give identical results in both cases; the script checks the digests.

Targets (issue 14): each sample costs at most 1.5x one stats computation; 2 workers finish at
least 1.6x faster than serial on this 2-core machine.

Results go to ``benchmarks/results/uncertainty.json`` and ``benchmarks/results/uncertainty.md``.

Run: ``python benchmarks/bench_uncertainty.py`` (``--samples 50`` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _common import private_cache

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

CHILD = r"""
import dataclasses, hashlib, json, sys, time
t0 = time.perf_counter()
from adcov.analysis import analyze
from adcov.scenario import Scenario
from adcov.uncertainty import run_uncertainty
samples, seed, workers, sigma = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
workers = None if workers == "serial" else int(workers)
sc = Scenario.builtin("belarus-2023")
sc = dataclasses.replace(sc, sites=tuple(dataclasses.replace(s, position_sigma_km=sigma)
                                         for s in sc.sites))
t1 = time.perf_counter()
analyze(sc)                       # cold: borders and zones read and cached
t2 = time.perf_counter()
analyze(sc)                       # warm: one stats computation
t3 = time.perf_counter()
res = run_uncertainty(sc, samples=samples, seed=seed, workers=workers, from_sources=True)
t4 = time.perf_counter()
print(json.dumps({
    "sites": len(sc.sites), "altitudes": len(sc.altitudes_m), "samples": samples,
    "workers": workers, "import_s": t1 - t0, "stats_cold_s": t2 - t1, "stats_warm_s": t3 - t2,
    "uncertainty_s": t4 - t3,
    "values_sha256": hashlib.sha256(res.values.tobytes()).hexdigest(),
    "json_sha256": hashlib.sha256(res.to_json().encode()).hexdigest(),
}))
"""


def run_case(samples: int, seed: int, workers: str, sigma: float) -> dict:
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(samples), str(seed), workers,
                          str(sigma)], check=True, capture_output=True, text=True)
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["process_wall_s"] = time.perf_counter() - t
    # The machine is shared: a load above the core count means the case did not have them.
    rec["load_1min_before"], rec["load_1min_after"] = load_before, os.getloadavg()[0]
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--sigma-km", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    private_cache()  # never the user's cache folder
    args.out.mkdir(parents=True, exist_ok=True)
    serial = run_case(args.samples, args.seed, "serial", args.sigma_km)
    two = run_case(args.samples, args.seed, "2", args.sigma_km)
    per_sample = serial["uncertainty_s"] / args.samples
    ratio = per_sample / serial["stats_warm_s"]
    speedup = serial["uncertainty_s"] / two["uncertainty_s"]
    identical = (serial["values_sha256"] == two["values_sha256"]
                 and serial["json_sha256"] == two["json_sha256"])
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "scenario": "belarus-2023, position_sigma_km = "
                    f"{args.sigma_km:g} on every site, --from-sources",
        "samples": args.samples, "seed": args.seed,
        "cases": {"serial": serial, "2 workers": two},
        "per_sample_s": per_sample,
        "per_sample_over_stats": ratio,
        "speedup_2_workers": speedup,
        "identical_results": identical,
        "targets": {"per_sample_over_stats_max": 1.5, "speedup_min": 1.6},
        "meets_targets": {"per_sample": ratio <= 1.5, "speedup": speedup >= 1.6,
                          "identical": identical},
    }
    (args.out / "uncertainty.json").write_text(json.dumps(report, indent=2) + "\n",
                                               encoding="utf-8")
    lines = [
        "# adcov uncertainty benchmark", "",
        f"{report['date']}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"{report['scenario']}; {args.samples} samples, seed {args.seed}.", "",
        "| case | sites | altitudes | samples | one stats computation s (warm) | "
        "uncertainty s (whole run) | s per sample | identical digest | load before/after |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, c in report["cases"].items():
        lines.append(f"| {name} | {c['sites']} | {c['altitudes']} | {c['samples']} | "
                     f"{c['stats_warm_s']:.3f} | {c['uncertainty_s']:.1f} | "
                     f"{c['uncertainty_s'] / c['samples']:.3f} | "
                     f"{c['json_sha256'][:12]} | "
                     f"{c['load_1min_before']:.1f} / {c['load_1min_after']:.1f} |")
    lines += ["",
              f"- per sample (serial, whole run / samples): {per_sample:.3f} s = "
              f"{ratio:.2f}x one stats computation (target <= 1.5x): "
              f"{'met' if ratio <= 1.5 else 'NOT met'}",
              f"- 2 workers vs serial (whole run, cluster start included): {speedup:.2f}x "
              f"(target >= 1.6x): {'met' if speedup >= 1.6 else 'NOT met'}",
              f"- same seed, same results serially and on 2 workers: "
              f"{'yes' if identical else 'NO'}"]
    (args.out / "uncertainty.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
