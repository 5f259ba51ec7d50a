"""Terrain-masked envelopes, end to end (scenario -> DEM -> masked envelopes -> statistics),
against values worked out here: the smooth-Earth closed forms on flat DEMs, and the shadow of a
long straight ridge from the straight line over it, curvature included."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from pyproj import Geod

from adcov import Scenario, analyze
from adcov.catalog import System
from adcov.scenario import Site

from conftest import cap_area_km2, gaussian_radius, horizon_km

rasterio = pytest.importorskip("rasterio")
from affine import Affine  # noqa: E402 - after the importorskip

GEOD = Geod(ellps="WGS84")
K = 4.0 / 3.0
LON, LAT = 27.5, 53.5
STEP = 1 / 600  # DEM pixel: 6 arc-seconds (about 185 m north-south, 110 m east-west here)


def write_dem(path, heights, west, north, step=STEP):
    h = np.asarray(heights, dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=h.shape[1], height=h.shape[0], count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=Affine(step, 0, west, 0, -step, north)) as ds:
        ds.write(h, 1)
    return path


def flat_dem(tmp_path, height, half_deg=(4.0, 2.5), name="flat.tif"):
    nx, ny = int(2 * half_deg[0] / STEP), int(2 * half_deg[1] / STEP)
    return write_dem(tmp_path / name, np.full((ny, nx), height),
                     LON - half_deg[0], LAT + half_deg[1])


def system(**kw):
    values = dict(id="T", name="T", max_range_km=150.0, min_range_km=3.0,
                  max_altitude_m=30000.0, min_altitude_m=0.0, antenna_height_m=15.0)
    values.update(kw)
    return System(**values)


def scenario(sites, altitudes, **kw):
    return Scenario(name="t", sites=tuple(sites), altitudes_m=tuple(altitudes), **kw)


def areas(result):
    """Per (altitude, site): the envelope polygon's area (equal-area projection). [km2]"""
    return {(st.altitude_m, e.site): float(p.area) / 1e6
            for st in result.altitude_stats for e, p in zip(st.envelopes, st.polygons)}


SITES = [Site("long", system(), LON, LAT),
         Site("short", system(id="S", max_range_km=15.0, min_range_km=1.0,
                              max_altitude_m=10000.0, antenna_height_m=5.0), LON + 0.3, LAT - 0.2),
         Site("sector", system(id="Q", max_range_km=60.0, sector_width_deg=120.0),
              LON - 0.4, LAT + 0.2, azimuth_deg=200.0)]
ALTITUDES = (50.0, 300.0, 1000.0, 10000.0)


@pytest.fixture(scope="module")
def smooth():
    return analyze(scenario(SITES, ALTITUDES))


def test_a_flat_dem_at_sea_level_gives_the_smooth_earth(tmp_path, smooth):
    dem = flat_dem(tmp_path, 0.0)
    res = analyze(scenario(SITES, ALTITUDES, terrain=(dem,)))
    got, want = areas(res), areas(smooth)
    for key, a in want.items():
        assert_allclose(got[key], a, rtol=2e-3, atol=1e-6), key
    for st in res.altitude_stats:
        for e in st.envelopes:
            assert e.terrain_masked_fraction < 2e-3 and e.outside_dem_fraction == 0.0
    # The zone table too.
    assert_allclose(res.zones.covered_km2, smooth.zones.covered_km2, rtol=2e-3, atol=0.5)
    assert res.dem and "flat.tif" in res.dem
    assert "terrain_masked_fraction" in res.sites.columns


def test_a_plateau_with_msl_altitudes_is_the_smooth_earth_300_m_lower(tmp_path):
    """Ground at 300 m everywhere, the radar on it: a target 'h m above sea level' is h - 300 m
    above the radar's ground (and the ground under it), so it is the smooth case at h - 300."""
    dem = flat_dem(tmp_path, 300.0)
    msl = analyze(scenario(SITES, (350.0, 600.0, 1300.0, 10300.0), terrain=(dem,),
                           altitude_reference="msl"))
    ref = analyze(scenario(SITES, (50.0, 300.0, 1000.0, 10000.0)))
    got, want = areas(msl), areas(ref)
    for (h, site), a in want.items():
        assert_allclose(got[(h + 300.0, site)], a, rtol=2e-3, atol=1e-6), (h, site)
    # AGL on the same plateau is the smooth case at the same altitude.
    agl = areas(analyze(scenario(SITES, (50.0, 300.0), terrain=(dem,))))
    for (h, site), a in want.items():
        if h in (50.0, 300.0):
            assert_allclose(agl[(h, site)], a, rtol=2e-3, atol=1e-6)
    # Below the ground (MSL 200 m over a 300 m plateau) nothing is covered.
    low = analyze(scenario(SITES, (200.0,), terrain=(dem,), altitude_reference="msl"))
    assert low.zones.covered_km2.max() == 0.0


def _ridge_crossing_km(az_deg, ridge_lon):
    """Geodesic distance along azimuth az from the site to the meridian ridge_lon (bisection
    on Geod.fwd), or inf if the ray (within 400 km) never gets there."""
    lo, hi = 0.0, 400_000.0
    lon_hi, _, _ = GEOD.fwd(LON, LAT, az_deg, hi)
    if lon_hi < ridge_lon:
        return math.inf
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lon, _, _ = GEOD.fwd(LON, LAT, az_deg, mid)
        lo, hi = (mid, hi) if lon < ridge_lon else (lo, mid)
    return hi / 1000.0


def test_the_shadow_of_a_long_straight_ridge(tmp_path):
    """A north-south ridge of height H, five pixels wide, east of the site; elsewhere flat at
    0 m. (Its top is flat, so the bilinear DEM reads the full height from the centre of its
    first column: that meridian is the ridge top's near edge, the point that casts the
    shadow.) Over the effective Earth (radius k R) heights along a ray drop by
    x^2 / (2 k R); a target at distance d behind the ridge (crossed at distance D) is seen iff
    the straight line from the antenna over the ridge top passes below it:

        h - d^2/(2kR) - ha >= d (H - D^2/(2kR) - ha) / D

    so each ray beyond the ridge is covered out to the d where equality holds (and never past
    the smooth outer radius). The expected area integrates the spherical sector out to that
    distance over azimuth."""
    H, ha, h = 400.0, 15.0, 1000.0
    ridge_lon = LON + 0.3  # about 20 km east
    nx, ny = int(8.0 / STEP), int(5.0 / STEP)
    west, north = LON - 4.0, LAT + 2.5
    heights = np.zeros((ny, nx))
    col = int(round((ridge_lon - west) / STEP - 0.5))
    heights[:, col:col + 5] = H
    dem = write_dem(tmp_path / "ridge.tif", heights, west, north)
    ridge_center = west + (col + 0.5) * STEP
    site = Site("s", system(max_range_km=120.0, min_range_km=0.0, antenna_height_m=ha), LON, LAT)
    res = analyze(scenario([site], (h,), terrain=(dem,)))
    got = areas(res)[(h, "s")]

    r = gaussian_radius(LAT)
    re_km = K * r / 1000.0
    smooth_outer = min(horizon_km(ha, h, r, K), _ground_for_slant(120.0, ha, h, r))
    n = 3600
    total = 0.0
    for az in (np.arange(n) + 0.5) * 360.0 / n:
        end = smooth_outer
        d_ridge = _ridge_crossing_km(az, ridge_center)
        if d_ridge < smooth_outer:
            slope = (H / 1000.0 - d_ridge**2 / (2 * re_km) - ha / 1000.0) / d_ridge
            # h - d^2/2Re - ha = d * slope  ->  d^2/(2Re) + slope d - (h - ha) = 0
            a, b, c = 1 / (2 * re_km), slope, -(h - ha) / 1000.0
            d_shadow = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
            end = min(end, max(d_shadow, d_ridge))
        # A spherical sector of angle dtheta out to `end`: R^2 (1 - cos(end / R)) dtheta.
        total += r**2 * (1 - math.cos(end * 1000.0 / r)) / 1e6 * (2 * math.pi / n)
    expected = total
    assert_allclose(got, expected, rtol=0.01)
    env = res.altitude_stats[0].envelopes[0]
    smooth_area = cap_area_km2(smooth_outer, r)
    assert_allclose(env.terrain_masked_fraction, 1 - expected / smooth_area, atol=0.01)


def _ground_for_slant(rho_km, ha, ht, r_m):
    p, q = r_m + ha, r_m + ht
    cos_t = (p * p + q * q - (rho_km * 1000.0) ** 2) / (2 * p * q)
    return math.acos(cos_t) * r_m / 1000.0


def test_a_site_outside_the_dem_keeps_the_smooth_envelope_and_says_so(tmp_path, smooth):
    dem = write_dem(tmp_path / "small.tif", np.zeros((300, 300)), LON + 1.0, LAT + 1.5)
    res = analyze(scenario(SITES, ALTITUDES, terrain=(dem,)))
    got, want = areas(res), areas(smooth)
    for st in res.altitude_stats:
        for e in st.envelopes:
            if e.empty:
                continue
            assert e.outside_dem_fraction == pytest.approx(1.0)
            assert_allclose(got[(st.altitude_m, e.site)], want[(st.altitude_m, e.site)],
                            rtol=1e-9)
    assert "no data, smooth Earth" in res.assumptions["terrain"]


def test_detection_mode_over_terrain(tmp_path):
    dem = flat_dem(tmp_path, 0.0)
    radar = System(id="R", name="R", kind="radar", detection_range_km=200.0,
                   antenna_height_m=20.0)
    sc = scenario([Site("r", radar, LON, LAT)], (100.0, 5000.0), terrain=(dem,),
                  mode="detection")
    res = analyze(sc)
    r = gaussian_radius(LAT)
    for st in res.altitude_stats:
        e = st.envelopes[0]
        assert not e.empty and e.kind == "detection"
        outer = min(horizon_km(20.0, st.altitude_m, r, K),
                    _ground_for_slant(200.0, 20.0, st.altitude_m, r))
        assert_allclose(float(st.polygons[0].area) / 1e6, cap_area_km2(outer, r), rtol=3e-3)
    assert res.assumptions["mode"] == "detection"


def test_the_cli_warns_when_envelopes_reach_beyond_the_dem(tmp_path):
    """A DEM whose east edge is the meridian through the S-300PS site: by the symmetry of a
    geodesic circle about the meridian through its centre, half of that envelope lies beyond
    the DEM; the Tor-M2 site far inside it is not named. The warning is one line on standard
    error, naming the site and its share; standard output keeps the table."""
    from click.testing import CliRunner

    from adcov.cli import cli

    lon0, lat0 = 27.56, 53.90
    step = 0.005
    dem = write_dem(tmp_path / "west.tif", np.full((round(3.0 / step), round(2.56 / step)), 200.0),
                    lon0 - 2.56, lat0 + 1.5, step=step)
    toml = tmp_path / "half.toml"
    toml.write_text(f'''name = "half"
region = "BLR"
altitudes_m = [1000, 10000]

[[sites]]
name = "Minsk"
system = "S-300PS"
lon = {lon0}
lat = {lat0}

[[sites]]
name = "Stolbtsy"
system = "Tor-M2"
lon = 26.7
lat = 53.48
''', encoding="utf-8")
    res = analyze(dataclasses.replace(Scenario.from_file(toml), terrain=(dem,)))
    shares = {(st.altitude_m, e.site): e.outside_dem_fraction
              for st in res.altitude_stats for e in st.envelopes if not e.empty}
    for (alt, site), share in shares.items():
        # counted on the field's rays, 1 degree apart here: to within one ray
        assert share == pytest.approx(0.5 if site == "Minsk" else 0.0, abs=1 / 360), (alt, site)

    run = CliRunner().invoke(cli, ["stats", str(toml), "--dem", str(dem), "-f", "csv"])
    assert run.exit_code == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "beyond the DEM" in line]
    assert warnings == [
        "adcov: warning: terrain: envelopes reach beyond the DEM, where no terrain is applied "
        "(smooth Earth): Minsk 50 % of the envelope's area (largest over the altitudes); a DEM "
        "covering them (`adcov dem fetch --margin-km`) masks them fully"]
    assert "Stolbtsy" not in run.stderr
    assert "," in run.stdout.splitlines()[0]
    quiet = CliRunner().invoke(cli, ["-q", "stats", str(toml), "--dem", str(dem), "-f", "csv"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_one_field_per_place_whatever_the_altitudes(tmp_path, monkeypatch):
    """Each altitude is a threshold on the site's field, not another sweep: the fields computed
    are one per place and antenna height, for two altitudes as for five, each as long as the
    farthest envelope there reaches."""
    import adcov.terrain as terrain

    dem = flat_dem(tmp_path, 0.0)
    calls = []
    compute = terrain.mvh_field

    def counted(*args, **kwargs):
        calls.append((args[1], args[2], kwargs["max_range_km"]))
        return compute(*args, **kwargs)

    monkeypatch.setattr(terrain, "mvh_field", counted)
    sites = SITES + [Site("long again", system(), LON, LAT)]  # same place, same antenna height
    for alts in ((300.0, 10000.0), (50.0, 300.0, 1000.0, 5000.0, 10000.0)):
        calls.clear()
        res = analyze(scenario(sites, alts, terrain=(dem,)))
        assert sorted((lon, lat) for lon, lat, _ in calls) == sorted(
            {(s.lon, s.lat) for s in SITES})
        reach = {(e.lon, e.lat): 0.0 for e in res.altitude_stats[0].envelopes}
        for st in res.altitude_stats:
            for e in st.envelopes:
                reach[(e.lon, e.lat)] = max(reach[(e.lon, e.lat)], e.outer_km)
        for lon, lat, r_km in calls:
            assert r_km == pytest.approx(reach[(lon, lat)] * 1.001 + 0.5)
