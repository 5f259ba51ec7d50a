"""Benchmark: the cost of terrain masking for the built-in 2023 scenario.

belarus-2023 analysed without terrain and over a synthetic 3 arc-second (about 90 m) fractal DEM
covering Belarus and about 450 km around it (lon 16-40 E, lat 47-60 N: as far as the S-400
envelopes reach), written as 312 SRTM3 ``.hgt`` tiles (860 MB, in a temporary folder) so that it
is read the way real tiles are. The fractal has a 1/f^3 spectrum and heights of 100-350 m: its
mean height difference between neighbouring pixels (1.9 m) and its 90th percentile (4 m) are
those of the real SRTM3 tiles around Minsk (1.85-1.88 m and 4 m; ``../shared/terrain``), so the
terrain is as rough as Belarus's, not rougher.

Cases, each in a fresh process (imports and borders warmed up first on belarus-2021):
smooth Earth and the DEM at the scenario's 6 altitudes, and both at 12 altitudes. Each case
reports its wall and CPU time, the number of minimum-visible-height fields computed and the time
spent computing them: with 12 altitudes the fields are the same ten (one per place), so each
extra altitude costs only a threshold, a polygonisation and the overlay of the masked
envelopes. Results go to ``benchmarks/results/terrain.json`` and ``.md``.

Target (issue 11): terrain adds at most 10 s to the 6-altitude analysis on this machine.

Run: ``python benchmarks/bench_terrain.py``. On a shared machine the wall time depends on what
else runs; the CPU time (and the load average, recorded) say how much of it is adcov's.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from adcov.terrain import fractal_heights

from _common import private_cache

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

CHILD = r"""
import json, resource, sys, time, dataclasses
from pathlib import Path
import adcov.terrain as terrain
from adcov import Scenario, analyze

fields = {"n": 0, "s": 0.0}
compute_field = terrain.mvh_field
def counted(*args, **kwargs):
    t = time.perf_counter()
    try:
        return compute_field(*args, **kwargs)
    finally:
        fields["n"] += 1
        fields["s"] += time.perf_counter() - t
terrain.mvh_field = counted  # the pipeline imports it from the module at each analysis

sc = Scenario.builtin("belarus-2023")
alts = json.loads(sys.argv[2])
if alts:
    sc = dataclasses.replace(sc, altitudes_m=tuple(alts))
if sys.argv[1] != "-":
    sc = dataclasses.replace(sc, terrain=(Path(sys.argv[1]),))
analyze(Scenario.builtin("belarus-2021"))  # warm: imports, borders, zones
t, c = time.perf_counter(), time.process_time()
res = analyze(sc)
res.zones
wall, cpu = time.perf_counter() - t, time.process_time() - c
masked = [e.terrain_masked_fraction for st in res.altitude_stats for e in st.envelopes
          if e.terrain_masked_fraction is not None and not e.empty]
print(json.dumps({"compute_s": wall, "cpu_s": cpu, "altitudes": len(sc.altitudes_m),
                  "fields": fields["n"], "fields_s": fields["s"],
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "mean_masked": sum(masked) / len(masked) if masked else None}))
"""

SIX = []  # the scenario's own: 50, 300, 1000, 5000, 10000, 20000 m
TWELVE = [50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 15000, 20000]


def write_tiles(folder: Path, west=16, east=40, south=47, north=60) -> int:
    """SRTM3 tiles (1201 x 1201, big-endian int16, neighbours sharing their edge row and
    column as real ones do) cut from one periodic fractal."""
    base = fractal_heights(2400, 2400, seed=2023, high=350.0, beta=3.0)
    n = 0
    for la in range(south, north):
        for lo in range(west, east):
            r = (np.arange(1201) + (north - 1 - la) * 1200) % 2400
            c = (np.arange(1201) + (lo - west) * 1200) % 2400
            base[np.ix_(r, c)].astype(">i2").tofile(folder / f"N{la:02d}E{lo:03d}.hgt")
            n += 1
    return n


def run(dem: str, altitudes) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, dem, json.dumps(altitudes)], check=True,
                         capture_output=True, text=True)
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    rec["load_average_1min"] = os.getloadavg()[0]
    return rec


def main():
    private_cache()  # never the user's cache folder
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="adcov-bench-dem-") as tmp:
        t = time.perf_counter()
        tiles = write_tiles(Path(tmp))
        write_s = time.perf_counter() - t
        cases = {
            "smooth Earth, 6 altitudes": run("-", SIX),
            "90 m DEM, 6 altitudes": run(tmp, SIX),
            "smooth Earth, 12 altitudes": run("-", TWELVE),
            "90 m DEM, 12 altitudes": run(tmp, TWELVE),
        }
    smooth6, dem6 = cases["smooth Earth, 6 altitudes"], cases["90 m DEM, 6 altitudes"]
    smooth12, dem12 = cases["smooth Earth, 12 altitudes"], cases["90 m DEM, 12 altitudes"]
    added = dem6["compute_s"] - smooth6["compute_s"]
    added_cpu = dem6["cpu_s"] - smooth6["cpu_s"]
    # Terrain's own cost of each altitude beyond six: what the DEM case adds minus what the
    # smooth case adds, fields excluded (they are computed once, whatever the altitudes).
    per_alt = ((dem12["cpu_s"] - dem12["fields_s"]) - (dem6["cpu_s"] - dem6["fields_s"])
               - (smooth12["cpu_s"] - smooth6["cpu_s"])) / 6
    doc = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "python": platform.python_version(),
           "platform": platform.platform(), "cpus": os.cpu_count(), "tiles": tiles,
           "write_tiles_s": write_s, "cases": cases, "terrain_added_s": added,
           "terrain_added_cpu_s": added_cpu, "target_added_s": 10.0,
           "meets_target": added <= 10.0,
           "fields_per_case": {k: c["fields"] for k, c in cases.items()},
           "terrain_cpu_per_extra_altitude_s": per_alt}
    (RESULTS / "terrain.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    lines = ["# Terrain benchmark", "",
             f"{doc['date']}, Python {doc['python']}, {doc['cpus']} CPUs; belarus-2023 over "
             f"{tiles} synthetic SRTM3 tiles (lon 16-40 E, lat 47-60 N, fractal as rough as "
             "the SRTM terrain around Minsk)", "",
             "| case | wall s | CPU s | fields | in fields s | peak RSS MiB | mean masked share "
             "| load (1 min) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, c in cases.items():
        m = "" if c["mean_masked"] is None else f"{c['mean_masked']:.3f}"
        lines.append(f"| {name} | {c['compute_s']:.2f} | {c['cpu_s']:.2f} | {c['fields']} | "
                     f"{c['fields_s']:.2f} | {c['peak_rss_mib']:.0f} | {m} | "
                     f"{c['load_average_1min']:.1f} |")
    lines += ["", f"Terrain adds {added:.2f} s of wall time ({added_cpu:.2f} s of CPU) to the "
              f"6-altitude analysis: target at most 10 s, "
              f"{'met' if doc['meets_target'] else 'NOT met'}.",
              f"With 12 altitudes the same {dem12['fields']} fields are computed (one per place "
              f"and antenna height); each altitude beyond six costs terrain {per_alt:.2f} s of "
              "CPU (a threshold, a polygonisation and the overlay of the masked envelopes)."]
    (RESULTS / "terrain.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
