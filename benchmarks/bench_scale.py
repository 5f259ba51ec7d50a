"""Benchmark: how the overlay engine scales (issue 12), against the primitives it rests on.

Every case runs in a fresh Python process, so that its imports and peak memory are its own, and
is timed best of ``--repeat`` where it is short. Results go to ``benchmarks/results/scale.json``
and ``scale.md``; the README quotes figures from there only.

Cases
-----
builtin
    ``adcov stats belarus-2023 -o /dev/null`` as a whole process, against
    ``python -c "import numpy, shapely, pyproj, pandas"`` (target: within 1.6x), with the
    region's zones in adcov's cache folder (every run after the first) and on a first run
    (an empty cache folder); and the computation of belarus-2023 alone, cold (zones read
    from the cache folder, or built with ``ADCOV_NO_CACHE=1``) and warm (target: under 0.3 s).
    The benchmark uses a cache folder of its own, never the user's.
rings
    ``adcov export belarus-2023 -o rings.kml`` (with ``--layers sites,envelopes`` when the
    command has that option) against ``python -c "import numpy, shapely, pyproj"`` (target:
    within 2x).
ukraine
    ``--sites`` generated sites (default 10,000) of six systems over Ukraine at 3 altitudes:
    the computation against the primitives of the same envelopes in the same process (one
    vectorised ``Geod.fwd`` for all ring vertices, one projection, ``shapely.polygons``, one
    ``union_all`` per altitude; target: within 3x) and the peak memory (target: under 1 GB).
    Both are the best of ``--repeat`` fresh processes (each computation cold: its imports
    excluded, the region's zones read from the cache folder after the first), taken in turn.
    The primitives build exactly the engine's polygons (the same vertex counts, and the holes
    of minimum ranges; checked vertex for vertex against :func:`adcov.envelope.envelope_polygons`).
    Until 2026-12-05 they built shells only at the default 50 m spacing, half the vertices;
    that figure is still reported, as "shells only".
packed
    Tor-M2 sites packed into a 300 km box in Ukraine, at n/4, n/2 and n sites: the growth
    exponent of the computation (target: linear).
overlapping
    1,000 sites with 50 to 150 km ranges in a 300 km box (depth in the tens): the computation
    (target: under 1 s) and the mean depth against the sampling engine (the second engine,
    :mod:`adcov.sampling`, at 2 km spacing).
overlaps
    The overlap table of the packed scenario at n/4, n/2 and n: its time against the number
    of overlapping pairs.
sweeps
    ``altitude_profile`` (36 altitudes) and ``whatif`` (one site added) against one 6-altitude
    analysis of belarus-2023 (targets: 2x and 1.3x).

Run: ``python benchmarks/bench_scale.py`` (about 6 minutes; ``--sites 2000`` for a quick run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
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
ADCOV = [sys.executable, "-m", "adcov"]

SYSTEMS = ["S-300PS", "Tor-M2", "Buk-M2", "S-400/48N6DM", "Pantsir-S1", "S-300PMU-2"]
#: A 300 km box in central Ukraine (lon, lat of its south-west corner and its size in degrees).
BOX = (29.0, 48.3, 4.05, 2.7)


# ------------------------------------------------------------------------------ scenarios
def _write(path: Path, header: list, sites: list) -> Path:
    lines = list(header) + [""]
    for name, system, lon, lat in sites:
        lines += ["[[sites]]", f'name = "{name}"', f'system = "{system}"', f"lon = {lon:.5f}",
                  f"lat = {lat:.5f}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def ukraine(n: int, path: Path, seed: int = 12) -> Path:
    rng = np.random.default_rng(seed)
    sites = [(f"u{i:05d}", SYSTEMS[i % len(SYSTEMS)], rng.uniform(23.0, 39.5),
              rng.uniform(45.0, 52.0)) for i in range(n)]
    return _write(path, [f'name = "Generated, {n} sites over Ukraine"', 'region = "UKR"',
                         "altitudes_m = [300, 1000, 10000]"], sites)


def packed(n: int, path: Path, seed: int = 13) -> Path:
    rng = np.random.default_rng(seed)
    x0, y0, dx, dy = BOX
    sites = [(f"t{i:05d}", "Tor-M2", rng.uniform(x0, x0 + dx), rng.uniform(y0, y0 + dy))
             for i in range(n)]
    return _write(path, [f'name = "Generated, {n} packed Tor-M2"', 'region = "UKR"',
                         "altitudes_m = [1000]"], sites)


def overlapping(n: int, path: Path, seed: int = 14) -> Path:
    rng = np.random.default_rng(seed)
    x0, y0, dx, dy = BOX
    header = [f'name = "Generated, {n} heavily overlapping sites"', 'region = "UKR"',
              "altitudes_m = [5000]", ""]
    ranges = (50, 75, 100, 125, 150)
    for r in ranges:
        header += [f'[systems."R{r}"]', 'name = "Generic benchmark system"',
                   f"max_range_km = {r}", "min_range_km = 0", "max_altitude_m = 20000",
                   "min_altitude_m = 10", "antenna_height_m = 20",
                   'notes = "benchmark: a generic system, not a real one"', ""]
    sites = [(f"o{i:05d}", f"R{ranges[i % len(ranges)]}", rng.uniform(x0, x0 + dx),
              rng.uniform(y0, y0 + dy)) for i in range(n)]
    return _write(path, header, sites)


# ------------------------------------------------------------------------------ processes
def _run(cmd, **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.perf_counter() - t


def best_process(cmd, repeat: int) -> float:
    _run(cmd)  # warm the file cache
    return min(_run(cmd) for _ in range(repeat))


def child(code: str, *args, env=None) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], check=True,
                         capture_output=True, text=True,
                         env=None if env is None else {**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


COMPUTE = r"""
import json, resource, sys, time
import pandas  # the tables are DataFrames here: importing pandas is not computation
from adcov.analysis import analyze
from adcov.scenario import Scenario
sc = Scenario.resolve(sys.argv[1])
repeat = int(sys.argv[2])
t = time.perf_counter(); res = analyze(sc); res.zones; res.sites; cold = time.perf_counter() - t
warm = []
for _ in range(repeat):
    t = time.perf_counter(); r = analyze(sc); r.zones; r.sites; warm.append(time.perf_counter() - t)
print(json.dumps({"sites": len(sc.sites), "altitudes": len(sc.altitudes_m), "cold_s": cold,
                  "warm_s": min(warm) if warm else None,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PRIMITIVES = r"""
import json, sys, time
import numpy as np, shapely, pyproj
from adcov.scenario import Scenario
from adcov.models import envelopes
from adcov.envelope import RING_TOLERANCE_M, _ring_counts, envelope_polygons
from adcov.geodesy import ring_vertex_count
from adcov.pipeline import region_zones
sc = Scenario.resolve(sys.argv[1])
per_alt = [envelopes(sc.sites, h, k_factor=sc.k_factor) for h in sc.altitudes_m]
zones = region_zones(sc, max(e.outer_km for envs in per_alt for e in envs))
geod = pyproj.Geod(ellps="WGS84")
laea = pyproj.Transformer.from_crs(
    "EPSG:4326", f"+proj=laea +lat_0={zones.lat0} +lon_0={zones.lon0} +ellps=WGS84",
    always_xy=True)
total = total_outer = 0.0
for envs in per_alt:
    live = [e for e in envs if not e.empty]
    assert all(e.sector_width_deg >= 360.0 and e.outer_by_azimuth_km is None for e in live)
    # The engine's own polygons: every ring (shells and minimum-range holes) with the engine's
    # vertex counts.
    outer = np.array([e.outer_km for e in live]); inner = np.array([e.inner_km for e in live])
    owner = np.repeat(np.arange(len(live)), 1 + (inner > 0))
    hole = np.r_[False, owner[1:] == owner[:-1]]
    radius = np.where(hole, inner[owner], outer[owner])
    n = _ring_counts(radius, 360.0, RING_TOLERANCE_M) + 1
    lon = np.repeat([live[i].lon for i in owner], n); lat = np.repeat([live[i].lat for i in owner], n)
    az = np.concatenate([np.linspace(0.0, 360.0, k) for k in n])
    t = time.perf_counter()
    x, y, _ = geod.fwd(lon, lat, az, np.repeat(radius * 1000.0, n))
    x, y = laea.transform(x, y)
    rings = shapely.linearrings(np.column_stack([x, y]), indices=np.repeat(np.arange(len(n)), n))
    polygons = shapely.polygons(rings, indices=owner)
    union = shapely.union_all(polygons)
    total += time.perf_counter() - t
    engine = envelope_polygons(live, zones.lon0, zones.lat0)
    assert shapely.equals_exact(polygons, engine, tolerance=1e-3).all()
    # The former definition: shells only, at the default 50 m vertex spacing.
    r = outer * 1000.0
    n = np.asarray(ring_vertex_count(outer)) + 1
    lon = np.repeat([e.lon for e in live], n); lat = np.repeat([e.lat for e in live], n)
    az = np.concatenate([np.linspace(0.0, 360.0, k) for k in n])
    t = time.perf_counter()
    x, y, _ = geod.fwd(lon, lat, az, np.repeat(r, n))
    x, y = laea.transform(x, y)
    rings = shapely.linearrings(np.column_stack([x, y]), indices=np.repeat(np.arange(len(n)), n))
    union = shapely.union_all(shapely.polygons(rings))
    total_outer += time.perf_counter() - t
print(json.dumps({"primitives_s": total, "primitives_shells_s": total_outer}))
"""

OVERLAPS = r"""
import json, sys, time
from adcov.analysis import analyze
from adcov.scenario import Scenario
res = analyze(Scenario.resolve(sys.argv[1]))
t = time.perf_counter(); ov = res.overlaps; dt = time.perf_counter() - t
print(json.dumps({"overlaps_s": dt, "pairs": len(ov)}))
"""

ACCURACY = r"""
import json, sys
from adcov.analysis import analyze
from adcov.scenario import Scenario
from adcov.sampling import equal_area_points, zone_table
sc = Scenario.resolve(sys.argv[1])
res = analyze(sc)
poly = res.zones.set_index("zone").loc[sc.region]
samp = zone_table(equal_area_points(sc, 2.0), sc).set_index("zone").loc[sc.region]
print(json.dumps({"mean_depth": float(poly.mean_depth),
                  "mean_depth_sampled": float(samp.mean_depth),
                  "covered_fraction": float(poly.covered_fraction),
                  "covered_fraction_sampled": float(samp.covered_fraction)}))
"""

SWEEPS = r"""
import json, sys, time
from dataclasses import replace
from adcov.analysis import analyze, compare, whatif
from adcov.profile import altitude_profile
from adcov.scenario import Scenario

sc = Scenario.resolve("belarus-2023")
analyze(sc)
def best(f, k=3):
    out = []
    for _ in range(k):
        t = time.perf_counter(); f(); out.append(time.perf_counter() - t)
    return min(out)
stats = best(lambda: analyze(sc).zones)
alts = None
def prof():
    global alts
    p = altitude_profile(sc, points=36)
    alts = int(p["altitude_m"].nunique())
profile = best(prof)
extra = replace(sc.sites[0], name="Mozyr", lon=29.25, lat=52.05)
what = best(lambda: compare(*whatif(sc, extra)))
how = "adcov.analysis.whatif (incremental)"
print(json.dumps({"stats_s": stats, "profile_s": profile, "profile_altitudes": alts,
                  "whatif_s": what, "whatif_how": how}))
"""


# ------------------------------------------------------------------------------ cases
def case_builtin(repeat: int) -> dict:
    cmd = ADCOV + ["stats", "belarus-2023", "-q", "-o", "/dev/null"]
    # With the zones in the cache folder (the benchmark's own; the first run fills it), as
    # every run after the first on a user's machine.
    stats = best_process(cmd, repeat)
    # A first run: an empty cache folder each time.
    first = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            first.append(_run(cmd, env={**os.environ, "ADCOV_CACHE": tmp}))
    imports = best_process([sys.executable, "-c", "import numpy, shapely, pyproj, pandas"],
                           repeat)
    comp = child(COMPUTE, "belarus-2023", repeat)
    nocache = child(COMPUTE, "belarus-2023", 0, env={"ADCOV_NO_CACHE": "1"})
    return {"stats_process_s": stats, "stats_process_first_s": min(first),
            "imports_s": imports, "ratio": stats / imports, "ratio_first": min(first) / imports,
            "target_ratio": 1.6, "compute_cold_s": comp["cold_s"],
            "compute_cold_nocache_s": nocache["cold_s"],
            "compute_warm_s": comp["warm_s"], "target_compute_s": 0.3}


def case_rings(repeat: int) -> dict:
    helptext = subprocess.run(ADCOV + ["export", "--help"], capture_output=True,
                              text=True).stdout
    layers = "--layers" in helptext
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rings.kml"
        cmd = ADCOV + ["export", "belarus-2023", "-q", "--force", "-o", str(out)]
        if layers:
            cmd += ["--layers", "sites,envelopes"]
        t = best_process(cmd, repeat)
    imports = best_process([sys.executable, "-c", "import numpy, shapely, pyproj"], repeat)
    return {"export_process_s": t, "imports_s": imports, "ratio": t / imports,
            "target_ratio": 2.0, "layers_option": layers}


def case_ukraine(n: int, tmp: Path, repeat: int) -> dict:
    path = ukraine(n, tmp / f"ukraine-{n}.toml")
    # Best of `repeat` fresh processes each, taken in turn so that a slow spell of a shared
    # machine weighs on both sides alike.
    comps, prims = [], []
    for _ in range(max(1, repeat)):
        comps.append(child(COMPUTE, path, 0))
        prims.append(child(PRIMITIVES, path))
    compute = min(c["cold_s"] for c in comps)
    prim = min(p["primitives_s"] for p in prims)
    shells = min(p["primitives_shells_s"] for p in prims)
    return {"sites": n, "altitudes": 3, "compute_s": compute, "primitives_s": prim,
            "ratio": compute / prim, "primitives_shells_s": shells,
            "ratio_shells": compute / shells, "runs": len(comps),
            "compute_runs_s": [c["cold_s"] for c in comps],
            "primitives_runs_s": [p["primitives_s"] for p in prims],
            "target_ratio": 3.0, "peak_rss_mib": max(c["peak_rss_mib"] for c in comps),
            "target_rss_mib": 1024}


def _exponent(ns, ts) -> float:
    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


def case_packed(n: int, tmp: Path) -> dict:
    ns = [n // 4, n // 2, n]
    rows = []
    for k in ns:
        comp = child(COMPUTE, packed(k, tmp / f"packed-{k}.toml"), 0)
        rows.append({"sites": k, "compute_s": comp["cold_s"], "peak_rss_mib": comp["peak_rss_mib"]})
    return {"rows": rows, "exponent": _exponent(ns, [r["compute_s"] for r in rows])}


def case_overlapping(tmp: Path, repeat: int) -> dict:
    path = overlapping(1000, tmp / "overlapping-1000.toml")
    comp = child(COMPUTE, path, repeat)
    acc = child(ACCURACY, path)
    return {"sites": 1000, "compute_cold_s": comp["cold_s"], "compute_warm_s": comp["warm_s"],
            "target_s": 1.0, **acc,
            "mean_depth_rel_diff": abs(acc["mean_depth"] / acc["mean_depth_sampled"] - 1.0)}


def case_overlaps(n: int, tmp: Path) -> dict:
    rows = []
    for k in (n // 4, n // 2, n):
        path = tmp / f"packed-{k}.toml"
        if not path.exists():
            packed(k, path)
        rows.append({"sites": k, **child(OVERLAPS, path)})
    ns = [r["sites"] for r in rows]
    return {"rows": rows, "time_exponent_in_sites": _exponent(ns, [r["overlaps_s"] for r in rows]),
            "pairs_exponent_in_sites": _exponent(ns, [max(r["pairs"], 1) for r in rows])}


def case_sweeps() -> dict:
    r = child(SWEEPS)
    return {**r, "profile_ratio": r["profile_s"] / r["stats_s"], "target_profile_ratio": 2.0,
            "whatif_ratio": r["whatif_s"] / r["stats_s"], "target_whatif_ratio": 1.3}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=10_000, help="size of the large cases")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    private_cache()  # never the user's cache folder
    args.out.mkdir(parents=True, exist_ok=True)
    cases = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, run in [("builtin", lambda: case_builtin(args.repeat)),
                          ("rings", lambda: case_rings(args.repeat)),
                          ("sweeps", case_sweeps),
                          ("overlapping", lambda: case_overlapping(tmp, args.repeat)),
                          ("packed", lambda: case_packed(args.sites, tmp)),
                          ("overlaps", lambda: case_overlaps(args.sites, tmp)),
                          ("ukraine", lambda: case_ukraine(args.sites, tmp, args.repeat))]:
            t = time.perf_counter()
            cases[name] = run()
            print(f"{name}: {time.perf_counter() - t:.1f} s {json.dumps(cases[name])}",
                  file=sys.stderr)
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S"),
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()},
              "command": "python benchmarks/bench_scale.py" + (
                  f" --sites {args.sites}" if args.sites != 10_000 else ""),
              "cases": cases}
    (args.out / "scale.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "scale.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


def _ok(value, target, below=True) -> str:
    if value is None or target is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return "yes" if (value <= target if below else value >= target) else "**no**"


def markdown(report: dict) -> str:
    c = report["cases"]
    m = report["machine"]
    b, r, s, o, p, v, u = (c["builtin"], c["rings"], c["sweeps"], c["overlapping"], c["packed"],
                           c["overlaps"], c["ukraine"])
    rows = [
        ("belarus-2023 computation, warm", f"{b['compute_warm_s']:.3f} s",
         f"< {b['target_compute_s']} s", _ok(b["compute_warm_s"], b["target_compute_s"])),
        ("belarus-2023 computation, cold (zones read from the cache folder)",
         f"{b['compute_cold_s']:.3f} s", f"< {b['target_compute_s']} s",
         _ok(b["compute_cold_s"], b["target_compute_s"])),
        ("belarus-2023 computation, cold (zones built: ADCOV_NO_CACHE=1)",
         f"{b['compute_cold_nocache_s']:.3f} s", "", ""),
        ("`adcov stats belarus-2023` process / imports",
         f"{b['stats_process_s']:.2f} s / {b['imports_s']:.2f} s = {b['ratio']:.2f}x",
         "<= 1.6x", _ok(b["ratio"], 1.6)),
        ("the same, first run (empty cache folder)",
         f"{b['stats_process_first_s']:.2f} s / {b['imports_s']:.2f} s = "
         f"{b['ratio_first']:.2f}x", "", ""),
        ("`adcov export ... rings.kml`" + (" --layers sites,envelopes" if r["layers_option"]
                                           else " (all layers: no --layers yet)"),
         f"{r['export_process_s']:.2f} s / {r['imports_s']:.2f} s = {r['ratio']:.2f}x",
         "<= 2x", _ok(r["ratio"], 2.0)),
        (f"{u['sites']:,} sites x 3 altitudes over Ukraine / primitives (best of "
         f"{u.get('runs', 1)} processes each)",
         f"{u['compute_s']:.1f} s / {u['primitives_s']:.1f} s = {u['ratio']:.1f}x", "<= 3x",
         _ok(u["ratio"], 3.0)),
        ("the same / primitives of shells only (the definition before 2026-12-05)",
         f"{u['compute_s']:.1f} s / {u['primitives_shells_s']:.1f} s = "
         f"{u['ratio_shells']:.1f}x", "", ""),
        (f"{u['sites']:,} sites x 3 altitudes, peak memory", f"{u['peak_rss_mib']:.0f} MiB",
         "< 1024 MiB", _ok(u["peak_rss_mib"], 1024)),
        ("packed Tor-M2, growth exponent in sites",
         f"{p['exponent']:.2f} (" + ", ".join(f"{x['sites']:,}: {x['compute_s']:.1f} s"
                                             for x in p["rows"]) + ")", "about 1",
         _ok(p["exponent"], 1.2)),
        ("1,000 overlapping sites, computation (warm)", f"{o['compute_warm_s']:.2f} s", "< 1 s",
         _ok(o["compute_warm_s"], 1.0)),
        ("1,000 overlapping sites, mean depth vs sampling engine",
         f"{o['mean_depth']:.2f} vs {o['mean_depth_sampled']:.2f} "
         f"({100 * o['mean_depth_rel_diff']:.2f} %)", "", ""),
        ("overlap table, exponent in sites (time; pairs)",
         f"{v['time_exponent_in_sites']:.2f}; {v['pairs_exponent_in_sites']:.2f} (" +
         ", ".join(f"{x['sites']:,}: {x['overlaps_s']:.2f} s, {x['pairs']:,} pairs"
                   for x in v["rows"]) + ")", "time grows as pairs", ""),
        (f"profile ({s['profile_altitudes']} altitudes) / one 6-altitude analysis",
         f"{s['profile_s']:.2f} s / {s['stats_s']:.2f} s = {s['profile_ratio']:.2f}x", "<= 2x",
         _ok(s["profile_ratio"], 2.0)),
        (f"whatif, one site ({s['whatif_how']}) / one analysis",
         f"{s['whatif_s']:.2f} s / {s['stats_s']:.2f} s = {s['whatif_ratio']:.2f}x", "<= 1.3x",
         _ok(s["whatif_ratio"], 1.3)),
    ]
    lines = ["# adcov scale benchmark", "",
             f"{report['date']}, Python {m['python']}, {m['cpus']} CPUs, {m['platform']}; "
             f"`{report['command']}`", "",
             "| case | measured | target | meets |", "|---|---|---|---|"]
    lines += [f"| {a} | {b_} | {t} | {ok} |" for a, b_, t, ok in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
