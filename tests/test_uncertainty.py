"""Tests for adcov.uncertainty: closed forms, reproducibility across workers, inputs, outputs.

The closed forms: a site well inside Belarus whose range is ``[a, b]`` covers a geodesic disc
whose radius is uniform over the ground radii of ``[a, b]``, so the q-quantile of its covered
area is the area of the disc at ``a + q (b - a)``; the share of samples covering a point at
distance d is ``(b - d) / (b - a)``. Disc areas are computed here independently of the engine:
pyproj's ``Geod`` area of a fine geodesic ring on the WGS84 ellipsoid, at the ground radius that
the slant range gives on the sphere of the Gaussian radius (written out below).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from adcov import Scenario, analyze
from adcov.catalog import FieldRanges, System, default_catalog
from adcov.errors import CatalogError, InputError, ScenarioError
from adcov.pipeline import region_zones
from adcov.projection import lonlat_to_laea_xy
from adcov.scenario import Site
from adcov.uncertainty import (ROW_KEYS, UNCERTAINTY_STATISTICS, draw_sites, run_uncertainty,
                               uncertain_inputs, with_source_ranges)

REPO_ROOT = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
#: About 194 km from the nearest border of Belarus (found by a grid search; checked below).
INNER = (28.41, 53.40)
A_KM, B_KM = 100.0, 110.0
H_M = 500.0  # antenna and target both at 500 m: radar horizon 184 km, so range-limited


def gaussian_radius_m(lat_deg: float) -> float:
    """sqrt(M N) of WGS84, written out (not the package's function)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    s2 = math.sin(math.radians(lat_deg)) ** 2
    m = a * (1 - e2) / (1 - e2 * s2) ** 1.5
    n = a / math.sqrt(1 - e2 * s2)
    return math.sqrt(m * n)


def ground_km(slant_km: float, lat_deg: float, h_m: float = H_M) -> float:
    """Ground distance at which the slant range between two points at height h is slant_km:
    the chord of the sphere of radius R + h, s = 2 R asin(rho / (2 (R + h)))."""
    r = gaussian_radius_m(lat_deg)
    return 2 * r * math.asin(slant_km * 1000.0 / (2 * (r + h_m))) / 1000.0


def geodesic_disc_km2(lon, lat, radius_km, n=7200) -> float:
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_km * 1000.0))
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area) / 1e6


def one_site(system: System, *, altitude_m=H_M, **site) -> Scenario:
    return Scenario(name="one site", sites=(Site("S", system, lon=INNER[0], lat=INNER[1],
                                                 **site),),
                    altitudes_m=(altitude_m,))


def ranged_system(**over) -> System:
    values = dict(max_range_km=0.5 * (A_KM + B_KM), min_range_km=0.0, max_altitude_m=30000.0,
                  min_altitude_m=0.0, antenna_height_m=H_M,
                  ranges={"max_range_km": (A_KM, B_KM)})
    values.update(over)
    return System("Ranged", "Ranged", **values)


def covered_km2(res, zone="BLR") -> np.ndarray:
    """Every sample's covered area of a zone at the first altitude. [km2]"""
    z = [name for name, _, _ in res.zones].index(zone)
    k = res.statistics.index("covered_fraction")
    return res.values[:, 0, z, k] * res.zones[z][2]


def test_the_inner_point_is_far_from_every_border():
    sc = one_site(ranged_system())
    zones = region_zones(sc, 200.0)
    x, y = lonlat_to_laea_xy([INNER[0]], [INNER[1]], zones.lon0, zones.lat0)
    d_km = shapely.distance(zones.region_geom.boundary, shapely.points(x, y))[0] / 1000.0
    assert d_km > 190.0


# ------------------------------------------------------------------------------ closed forms
@pytest.fixture(scope="module")
def ranged_run():
    sc = one_site(ranged_system())
    return run_uncertainty(sc, samples=400, seed=20240, statistics=("covered_fraction",),
                           grid_km=2.0, margin_km=0.0)


def test_range_quantiles_are_geodesic_disc_areas(ranged_run):
    res = ranged_run
    areas = covered_km2(res)
    lon, lat = INNER
    for q in (5, 50, 95):
        radius = ground_km(A_KM + q / 100.0 * (B_KM - A_KM), lat)
        expected = geodesic_disc_km2(lon, lat, radius)
        assert np.percentile(areas, q) == pytest.approx(expected, rel=0.02), q
    # The mean: the disc area averaged over the uniform range.
    r = np.linspace(A_KM, B_KM, 201)
    mean_expected = np.mean([geodesic_disc_km2(lon, lat, ground_km(x, lat), n=1800) for x in r])
    assert areas.mean() == pytest.approx(mean_expected, rel=0.02)
    # The samples spread over the whole range (the 2 % above is not met by a constant).
    assert areas.min() < geodesic_disc_km2(lon, lat, ground_km(A_KM + 0.05 * 10, lat))
    assert areas.max() > geodesic_disc_km2(lon, lat, ground_km(B_KM - 0.05 * 10, lat))


def test_the_deterministic_value_is_the_midpoint_disc(ranged_run):
    res = ranged_run
    t = res.table
    det = t[(t.zone == "BLR")].deterministic.iloc[0] * res.zones[0][2]
    expected = geodesic_disc_km2(*INNER, ground_km(0.5 * (A_KM + B_KM), INNER[1]))
    assert det == pytest.approx(expected, rel=2e-3)
    # ... and what `adcov stats` gives for the nominal scenario, exactly.
    zones = analyze(res.scenario).zones
    assert t[t.zone == "BLR"].deterministic.iloc[0] == zones[zones.zone == "BLR"
                                                             ].covered_fraction.iloc[0]


def test_probability_bands_are_discs_of_the_survival_radius(ranged_run):
    """A point at ground distance d is covered in a share (b - d) / (b - a) of the samples,
    so the band 'at least p' is the disc of slant radius b - p (b - a)."""
    res = ranged_run
    bands = res.coverage_bands()
    feats = bands[H_M]["features"]
    assert [f["properties"]["level"] for f in feats] == [0.5, 0.9, 0.99]
    for f in feats:
        p = f["properties"]["level"]
        radius = ground_km(B_KM - p * (B_KM - A_KM), INNER[1])
        expected = geodesic_disc_km2(*INNER, radius)
        geom = shapely.geometry.shape(f["geometry"])
        got = abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6
        # One disc, give or take a few cells where the sampled share sits at the level.
        parts = sorted(shapely.get_parts(geom), key=lambda g: -g.area)
        assert sum(g.area for g in parts[1:]) < 0.01 * parts[0].area
        assert got == pytest.approx(expected, rel=0.03), p
        assert f["properties"]["area_km2"] == pytest.approx(got, rel=0.01)
    share = res.probability(H_M)
    assert share.max() == 1.0 and share.min() == 0.0


def test_zero_uncertainty_gives_the_deterministic_value_everywhere():
    sc = Scenario.builtin("belarus-2021")
    res = run_uncertainty(sc, samples=4, seed=3)
    assert res.inputs.empty
    t = res.table
    assert len(t) == 6 * (7 * 3 + 3)  # 6 altitudes, 7 zones x 3 statistics + 3 sector borders
    for col in ("p5", "p50", "p95", "mean"):
        assert (t[col] == t.deterministic).all(), col
    # The deterministic values are those of `adcov stats`.
    zones = analyze(sc).zones.set_index(["altitude_m", "zone"])
    for stat in UNCERTAINTY_STATISTICS:
        part = t[t.statistic == stat].set_index(["altitude_m", "zone"])
        assert (part.deterministic == zones.loc[part.index, stat]).all(), stat


def test_a_position_sigma_far_from_every_border_leaves_the_area_unchanged():
    system = ranged_system(max_range_km=60.0, ranges={})
    sc = one_site(system, position_sigma_km=5.0)
    res = run_uncertainty(sc, samples=40, seed=11, statistics=("covered_fraction",))
    assert not res.inputs.empty
    areas = covered_km2(res)
    det = res.deterministic[0, 0, 0] * res.zones[0][2]
    assert np.allclose(areas, det, rtol=1e-3)
    # ... while the site did move (the positions drawn are not all the same).
    rng = np.random.default_rng(np.random.SeedSequence(11).spawn(40)[0])
    moved = draw_sites(sc.sites, res.inputs, rng)[0]
    assert GEOD.inv(INNER[0], INNER[1], moved.lon, moved.lat)[2] > 10.0


# ------------------------------------------------------------------------------ drawing
def test_position_errors_have_the_stated_distributions():
    system = ranged_system(ranges={})
    sites = (Site("N", system, lon=27.0, lat=53.0, position_sigma_km=4.0),
             Site("D", system, lon=28.0, lat=54.0, position_radius_km=9.0))
    sc = Scenario(name="two", sites=sites)
    inputs = uncertain_inputs(sc)
    n = 3000
    d_norm, d_disc = np.empty(n), np.empty(n)
    for i, child in enumerate(np.random.SeedSequence(5).spawn(n)):
        a, b = draw_sites(sites, inputs, np.random.default_rng(child))
        d_norm[i] = GEOD.inv(27.0, 53.0, a.lon, a.lat)[2] / 1000.0
        d_disc[i] = GEOD.inv(28.0, 54.0, b.lon, b.lat)[2] / 1000.0
    # Isotropic normal: d^2 / sigma^2 is chi-squared with 2 degrees of freedom (mean 2, sd 2).
    assert np.mean(d_norm ** 2) / 16.0 == pytest.approx(2.0, abs=3 * 2 / math.sqrt(n))
    # Uniform over a disc: (d / R)^2 is uniform on [0, 1] (mean 1/2, sd 1/sqrt(12)).
    assert d_disc.max() <= 9.0 + 1e-6
    assert np.mean((d_disc / 9.0) ** 2) == pytest.approx(0.5, abs=3 / math.sqrt(12 * n))


def test_one_draw_per_system_and_per_battery():
    tor = default_catalog()["Tor-M2"].with_source_ranges()
    sites = (Site("A", tor, lon=27.0, lat=53.0, position_sigma_km=3.0),
             Site("B", tor, lon=27.0, lat=53.0, position_sigma_km=3.0),
             Site("C", tor, lon=29.0, lat=53.0, position_sigma_km=3.0))
    sc = Scenario(name="battery", sites=sites)
    inputs = uncertain_inputs(sc)
    assert len(inputs.systems) == 1 and len(inputs.sites) == 2
    a, b, c = draw_sites(sites, inputs, np.random.default_rng(1))
    assert (a.lon, a.lat) == (b.lon, b.lat) != (27.0, 53.0)
    assert a.system.max_range_km == b.system.max_range_km == c.system.max_range_km
    assert 12.0 <= a.system.max_range_km <= 15.0 and not a.system.ranges


# ------------------------------------------------------------------------------ reproducible
def _small():
    cat = default_catalog()
    sites = (Site("Minsk", cat["S-300PS"], lon=27.56, lat=53.90, position_sigma_km=8.0),
             Site("Brest", cat["Tor-M2"].with_source_ranges(), lon=23.69, lat=52.09,
                  position_radius_km=5.0))
    return Scenario(name="small", sites=sites, altitudes_m=(1000.0,))


def test_serial_one_worker_and_two_workers_give_identical_results():
    pytest.importorskip("distributed")
    from dask.distributed import LocalCluster

    sc = _small()
    kw = dict(samples=6, seed=99, grid_km=25.0)
    serial = run_uncertainty(sc, **kw)
    serial_b1 = run_uncertainty(sc, **kw, batch_size=1)
    one = run_uncertainty(sc, **kw, workers=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        two = run_uncertainty(sc, **kw, scheduler=cluster.scheduler_address, batch_size=2)
    for other in (serial_b1, one, two):
        assert np.array_equal(serial.values, other.values, equal_nan=True)
        assert np.array_equal(serial.counts, other.counts)
        assert other.to_json() == serial.to_json()
        assert other.to_csv() == serial.to_csv()
    assert serial.values.std(axis=0)[0, 0, 0] > 0  # the samples do differ
    # Another seed gives other numbers.
    assert not np.array_equal(run_uncertainty(sc, samples=6, seed=100).values, serial.values)


NO_DASK = textwrap.dedent("""
    import sys
    from adcov.cli import main
    try:
        main(["uncertainty", sys.argv[1], "--samples", "2", "--seed", "1", "-f", "json",
              "-o", sys.argv[2]])
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
""")


def test_without_workers_no_dask_is_imported(tmp_path):
    scen = tmp_path / "s.toml"
    scen.write_text(textwrap.dedent("""
        name = "tiny"
        altitudes_m = [1000]
        [[sites]]
        name = "Minsk"
        system = "Tor-M2"
        lon = 27.56
        lat = 53.90
        position_sigma_km = 3
    """), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "coverage")}
    proc = subprocess.run([sys.executable, "-c", NO_DASK, str(scen), str(tmp_path / "o.json")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
    doc = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert doc["samples"] == 2 and doc["seed"] == 1


# ------------------------------------------------------------------------------ inputs
def test_position_fields_in_scenario_files_and_sites_files(tmp_path):
    (tmp_path / "sites.csv").write_text(
        "name,system,lon,lat,position_sigma_km,position_radius_km\n"
        "A,Tor-M2,27.5,53.9,4,\nB,S-300PS,25.0,53.0,,12.5\n", encoding="utf-8")
    sc = Scenario.from_file(tmp_path / "sites.csv")
    assert [(s.position_sigma_km, s.position_radius_km) for s in sc.sites] == \
        [(4.0, None), (None, 12.5)]
    toml = tmp_path / "s.toml"
    toml.write_text(textwrap.dedent("""
        name = "x"
        [systems."Tor-M2"]
        max_range_km = [11, 15]
        [[sites]]
        name = "A"
        system = "Tor-M2"
        lon = 27.5
        lat = 53.9
        position_radius_km = 2.5
    """), encoding="utf-8")
    sc = Scenario.from_file(toml)
    tor = sc.sites[0].system
    assert tor.max_range_km == 13.0 and tor.ranges == {"max_range_km": (11.0, 15.0)}
    assert sc.sites[0].position_radius_km == 2.5
    # The scenario's range replaces the sources' spread of that field.
    assert with_source_ranges(sc).sites[0].system.ranges["max_range_km"] == (11.0, 15.0)


@pytest.mark.parametrize("row, message", [
    ({"position_sigma_km": -1}, "position_sigma_km: must be >= 0"),
    ({"position_sigma_km": 2, "position_radius_km": 3}, "not both"),
    ({"position_radius_km": "far"}, "must be a number"),
])
def test_bad_position_errors(row, message):
    base = {"name": "A", "system": "Tor-M2", "lon": 27.5, "lat": 53.9}
    with pytest.raises(ScenarioError, match=message):
        Scenario.builtin("belarus-2021").with_sites({**base, **row})


def test_terrain_is_refused(tmp_path):
    dem = tmp_path / "dem.tif"
    dem.write_bytes(b"")
    sc = dataclasses.replace(_small(), terrain=(dem,))
    with pytest.raises(InputError, match="smooth Earth"):
        run_uncertainty(sc, samples=2, seed=1)


@pytest.mark.parametrize("kw, entry", [
    ({"samples": 0}, "samples"), ({"seed": -1}, "seed"),
    ({"workers": 2, "scheduler": "tcp://x:1"}, "--scheduler"),
    ({"statistics": ("covered_km2",)}, "statistics"),
])
def test_bad_arguments(kw, entry):
    args = {"samples": 2, "seed": 1, **kw}
    with pytest.raises(InputError) as info:
        run_uncertainty(_small(), **args)
    assert info.value.entry == entry


# ------------------------------------------------------------------------------ outputs
@pytest.fixture(scope="module")
def small_run():
    return run_uncertainty(_small(), samples=8, seed=4)


def test_json_document(small_run):
    doc = json.loads(small_run.to_json())
    assert doc["seed"] == 4 and doc["samples"] == 8
    assert doc["uncertain_inputs"]["systems"] == [
        {"system": "Tor-M2", "field": "max_range_km", "low": 12.0, "high": 15.0,
         "nominal": 15.0}]
    assert {s["site"] for s in doc["uncertain_inputs"]["sites"]} == {"Minsk", "Brest"}
    rows = doc["rows"]
    assert all(list(r) == list(ROW_KEYS) for r in rows)
    assert {r["statistic"] for r in rows} == set(UNCERTAINTY_STATISTICS)
    border = [r for r in rows if r["statistic"] == "border_covered_fraction"]
    assert {r["zone"] for r in border} == {"west", "south", "east"}
    for r in rows:
        assert r["p5"] <= r["p50"] <= r["p95"]
        assert r["p5"] <= r["mean"] <= r["p95"] or r["p5"] == r["p95"]


def test_cli_formats_and_map(tmp_path):
    from adcov.cli import main as _main  # noqa: F401 - the group registers the command
    from adcov.cli.group import cli

    scen = tmp_path / "s.toml"
    scen.write_text(textwrap.dedent("""
        name = "cli"
        altitudes_m = [300, 3000]
        [[sites]]
        name = "Minsk"
        system = "S-300PS"
        lon = 27.56
        lat = 53.90
        position_sigma_km = 10
    """), encoding="utf-8")
    runner = CliRunner()
    out = {}
    for fmt in ("json", "csv", "md"):
        path = tmp_path / f"u.{fmt}"
        r = runner.invoke(cli, ["uncertainty", str(scen), "--samples", "3", "--seed", "5",
                                "-o", str(path)] + (["--map", str(tmp_path / "m.html"),
                                                     "--grid-km", "20", "--tiles", "none"]
                                                    if fmt == "json" else []))
        assert r.exit_code == 0, r.output
        out[fmt] = path.read_text(encoding="utf-8")
    doc = json.loads(out["json"])
    assert doc["samples"] == 3 and len(doc["rows"]) == 2 * (7 * 3 + 3)
    lines = out["csv"].splitlines()
    assert lines[0] == ",".join([*ROW_KEYS, "seed", "samples"])
    assert len(lines) == 1 + len(doc["rows"]) and lines[1].endswith(",5,3")
    assert "## altitude_m = 300" in out["md"] and "Minsk position: normal, sigma 10 km" in out["md"]
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert 'id="adcov-uncertainty-data"' in html and 'id="adcov-data"' in html
    r = runner.invoke(cli, ["uncertainty", str(scen), "--workers", "2", "--scheduler",
                            "tcp://127.0.0.1:1"])
    assert r.exit_code == 2 and "not both" in r.output


def test_profile_bands_agree_with_the_profile():
    """The band data for `adcov profile --samples N`: the deterministic column is the profile's
    covered fraction, and the bands hold it when nothing is uncertain."""
    from adcov.profile import altitude_profile
    from adcov.uncertainty import profile_bands

    sc = _small()
    bands = profile_bands(sc, samples=4, seed=2, altitudes_m=[200.0, 2000.0])
    assert list(bands.columns) == ["altitude_m", "zone", "zone_kind", "p5", "p50", "p95",
                                   "mean", "deterministic", "seed", "samples"]
    assert set(bands.zone) == {"BLR", "west", "south", "east"}
    assert (bands.p5 <= bands.p50).all() and (bands.p50 <= bands.p95).all()
    prof = altitude_profile(sc, [200.0, 2000.0]).set_index(["altitude_m", "zone"])
    got = bands.set_index(["altitude_m", "zone"])
    assert np.allclose(got.deterministic, prof.loc[got.index, "covered_fraction"], rtol=0,
                       atol=1e-12)
    still = Scenario(name="still", sites=tuple(dataclasses.replace(
        s, position_sigma_km=None, position_radius_km=None, system=s.system.nominal())
        for s in sc.sites))
    flat = profile_bands(still, samples=3, seed=2, altitudes_m=[200.0])
    assert (flat.p5 == flat.deterministic).all() and (flat.p95 == flat.deterministic).all()
