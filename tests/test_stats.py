"""Statistics against values worked out independently of the overlay engine.

* hand cases: an envelope wholly inside one sector zone covers exactly the closed-form area of a
  geodesic disc (a spherical cap on the Gaussian sphere), stacked copies give depth 2 and 3, a
  120-degree sector covers a third;
* a dense-sampling check: the zone table of the built-in 2023 scenario against a point sample of
  the region where every point's coverage is decided by exact ellipsoidal distances and azimuths
  to every site (pyproj ``Geod.inv``), not by polygons;
* properties (hypothesis) that must hold for any scenario.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from pyproj import Geod

from adcov.analysis import analyze
from adcov.catalog import System
from adcov.models import envelope_radii
from adcov.projection import from_laea
from adcov.scenario import Scenario, Site

GEOD = Geod(ellps="WGS84")
WGS84_A, WGS84_F = 6378137.0, 1 / 298.257223563
E2 = WGS84_F * (2 - WGS84_F)

# A site deep inside the west sector zone (50 km from its edges) and one inside the east zone.
WEST_SITE = (24.6, 53.3)
EAST_SITE = (30.0, 53.8)


def gaussian_radius(lat):
    """sqrt(M N) for WGS84, written out independently of the package."""
    s2 = math.sin(math.radians(lat)) ** 2
    m = WGS84_A * (1 - E2) / (1 - E2 * s2) ** 1.5
    n = WGS84_A / math.sqrt(1 - E2 * s2)
    return math.sqrt(m * n)


def cap_km2(radius_km, lat):
    """Area of a geodesic disc: the spherical cap 2 pi R^2 (1 - cos(r/R)) on the Gaussian sphere."""
    r = gaussian_radius(lat)
    return 2 * math.pi * r * r * (1 - math.cos(radius_km * 1000 / r)) / 1e6


def ground_km_for_slant(slant_km, ha, ht, lat):
    """Law of cosines solved by hand for the ground angle."""
    r = gaussian_radius(lat)
    a, b, rho = r + ha, r + ht, slant_km * 1000
    return r * math.acos((a * a + b * b - rho * rho) / (2 * a * b)) / 1000


def system(sid="T", max_range_km=15.0, min_range_km=0.0, max_altitude_m=20000.0,
           min_altitude_m=0.0, antenna_height_m=0.0, sector_width_deg=360.0):
    return System(id=sid, name=sid, max_range_km=max_range_km, min_range_km=min_range_km,
                  max_altitude_m=max_altitude_m, min_altitude_m=min_altitude_m,
                  antenna_height_m=antenna_height_m, sector_width_deg=sector_width_deg)


def scenario(sites, altitudes=(10000.0,), **kw):
    return Scenario(name="test", sites=tuple(sites), region="BLR", altitudes_m=tuple(altitudes), **kw)


def row(result, zone, altitude=None):
    z = result.zones
    if altitude is not None:
        z = z[z.altitude_m == altitude]
    return z[z.zone == zone].iloc[0]


REGION_KM2 = 207_499.1  # data/borders/README.md, geodesic area of BLR in Natural Earth 10m


class TestHandCases:
    def test_one_disc_inside_one_sector(self):
        """15 km slant range from a ground-level antenna against a 10 km target: range-limited,
        ground radius from the law of cosines, area of the cap."""
        lon, lat = WEST_SITE
        res = analyze(scenario([Site("a", system(), lon, lat)]))
        s = ground_km_for_slant(15.0, 0.0, 10000.0, lat)
        assert s == pytest.approx(math.sqrt(15**2 - 10**2), rel=1e-3)  # nearly flat at 11 km
        cap = cap_km2(s, lat)
        region, west = row(res, "BLR"), row(res, "west")
        assert_allclose(region.covered_km2, cap, rtol=1e-3)
        assert_allclose(west.covered_km2, cap, rtol=1e-3)
        assert row(res, "south").covered_km2 == 0 and row(res, "east").covered_km2 == 0
        assert_allclose(region.area_km2, REGION_KM2, rtol=2e-3)
        assert_allclose(region.covered_fraction, cap / region.area_km2, rtol=1e-3)
        assert_allclose(west.mean_depth, cap / west.area_km2, rtol=1e-3)
        assert region.depth2_km2 == 0 and region.depth3_km2 == 0
        # The uncovered rest of the country is one connected gap around a hole.
        assert region.gap_count == 1
        assert_allclose(region.largest_gap_km2, region.area_km2 - cap, rtol=1e-4)
        site = res.sites.iloc[0]
        assert site.limited_by == "range"
        assert_allclose(site.outer_km, s, rtol=1e-6)
        assert_allclose(site.unique_km2, cap, rtol=1e-3)
        assert_allclose(site.loss_if_removed_fraction, cap / region.area_km2, rtol=1e-3)

    def test_dead_zone_and_sector(self):
        """A 20 km minimum slant range against a 10 km target leaves a dead zone of about
        sqrt(20^2 - 10^2) km; a 120-degree sector holds a third of the annulus."""
        lon, lat = WEST_SITE
        sy = system(max_range_km=40.0, min_range_km=20.0, sector_width_deg=120.0)
        res = analyze(scenario([Site("a", sy, lon, lat, azimuth_deg=90.0)]))
        outer = ground_km_for_slant(40.0, 0.0, 10000.0, lat)
        inner = ground_km_for_slant(20.0, 0.0, 10000.0, lat)
        assert inner == pytest.approx(math.sqrt(300), rel=2e-3)
        expected = (cap_km2(outer, lat) - cap_km2(inner, lat)) / 3
        assert_allclose(row(res, "BLR").covered_km2, expected, rtol=1e-3)

    def test_dead_zone_hole_is_a_gap_of_its_own_kind(self):
        """A full annulus leaves a hole of the closed-form dead-zone area straight above the
        site: a gap of kind "dead_zone", apart from the open rest of the country."""
        lon, lat = WEST_SITE
        sy = system(max_range_km=40.0, min_range_km=20.0)
        res = analyze(scenario([Site("a", sy, lon, lat)]))
        inner = ground_km_for_slant(20.0, 0.0, 10000.0, lat)
        outer = ground_km_for_slant(40.0, 0.0, 10000.0, lat)
        r = row(res, "BLR")
        assert r.gap_count == 2
        gaps = res.gaps[res.gaps.zone == "BLR"].sort_values("area_km2")
        assert list(gaps.kind) == ["dead_zone", "open"]
        assert_allclose(gaps.area_km2.iloc[0], cap_km2(inner, lat), rtol=1e-3)
        assert_allclose(gaps.area_km2.iloc[1], r.area_km2 - cap_km2(outer, lat), rtol=1e-4)

    @pytest.mark.parametrize("copies", [2, 3])
    def test_stacked_copies_give_depth(self, copies):
        lon, lat = WEST_SITE
        sites = [Site(f"s{i}", system(), lon, lat) for i in range(copies)]
        res = analyze(scenario(sites))
        cap = cap_km2(ground_km_for_slant(15.0, 0.0, 10000.0, lat), lat)
        r = row(res, "BLR")
        assert_allclose(r.covered_km2, cap, rtol=1e-3)
        assert_allclose(r.depth2_km2, cap, rtol=1e-3)
        assert_allclose(r.depth3_km2, cap if copies == 3 else 0.0, rtol=1e-3, atol=1e-9)
        assert_allclose(r.mean_depth * r.area_km2, copies * cap, rtol=1e-3)
        assert (res.sites.unique_km2 == 0).all()
        ov = res.overlaps
        assert len(ov) == copies * (copies - 1) // 2
        assert_allclose(ov.overlap_km2, cap, rtol=1e-3)

    def test_two_sectors_two_sites(self):
        sites = [Site("w", system(), *WEST_SITE), Site("e", system(max_range_km=30.0), *EAST_SITE)]
        res = analyze(scenario(sites))
        cap_w = cap_km2(ground_km_for_slant(15.0, 0, 10000, WEST_SITE[1]), WEST_SITE[1])
        cap_e = cap_km2(ground_km_for_slant(30.0, 0, 10000, EAST_SITE[1]), EAST_SITE[1])
        assert_allclose(row(res, "west").covered_km2, cap_w, rtol=1e-3)
        assert_allclose(row(res, "east").covered_km2, cap_e, rtol=1e-3)
        assert_allclose(row(res, "BLR").covered_km2, cap_w + cap_e, rtol=1e-3)
        assert row(res, "south").covered_km2 == 0
        assert row(res, "BLR").gap_count == 1
        assert res.overlaps.empty

    def test_ceiling_leaves_everything_uncovered(self):
        res = analyze(scenario([Site("a", system(max_altitude_m=5000.0), *WEST_SITE)]))
        r = row(res, "BLR")
        assert r.covered_km2 == 0 and r.gap_count == 1
        assert_allclose(r.largest_gap_km2, r.area_km2, rtol=1e-9)
        assert res.sites.iloc[0].limited_by == "ceiling"

    def test_disc_over_whole_country(self):
        """A 1,000 km disc from the centre covers the whole region and every border."""
        res = analyze(scenario([Site("big", system(max_range_km=1000.0), 28.0, 53.5)]))
        for zone in ("BLR", "west", "south", "east", "west_belt"):
            r = row(res, zone)
            assert r.covered_fraction == pytest.approx(1.0, abs=1e-9)
            assert r.gap_count == 0 and r.largest_gap_km2 == 0
        for sector in ("west", "south", "east"):
            r = row(res, sector)
            assert r.border_covered_fraction == pytest.approx(1.0, abs=1e-9)
            assert r.forward_km2 > 0
        # Horizon-limited: a ground-level antenna sees a 10 km target to sqrt(2 k R h) ~ 412 km.
        outer = res.sites.iloc[0].outer_km
        assert res.sites.iloc[0].limited_by == "horizon"
        assert_allclose(outer, math.sqrt(2 * 4 / 3 * gaussian_radius(53.5) * 10000) / 1000, rtol=1e-9)
        # Beyond the border the disc reaches less far than its radius (reach is measured from the
        # region), and the neighbours' covered territory is at most the disc minus the region.
        fwd = sum(row(res, k).forward_km2 for k in ("west", "south", "east"))
        assert fwd <= cap_km2(outer, 53.5) - row(res, "BLR").area_km2 + 1.0
        for sector in ("west", "south", "east"):
            assert 0 < row(res, sector).forward_reach_km < outer


@pytest.mark.parametrize("altitude", [1000.0, 10000.0])
def test_forward_zone_against_sampling(altitude):
    """Neighbours' covered territory and the reach beyond the border, from a point sample of the
    forward zones with exact geodesic distances to the sites."""
    sc = Scenario.builtin("belarus-2023")
    res = analyze(sc)
    z = res.region_zones
    for sector, geom in z.forward.items():
        x0, y0, x1, y1 = geom.bounds
        step = 4000.0
        gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(geom, gx, gy)
        gx, gy = gx[inside], gy[inside]
        ll = shapely.get_coordinates(from_laea(shapely.points(gx, gy), z.lon0, z.lat0))
        dist = []
        for s in sc.sites:
            d = GEOD.inv(np.full(len(ll), s.lon), np.full(len(ll), s.lat), ll[:, 0], ll[:, 1])[2]
            dist.append(np.asarray(d) / 1000)
        depth = sample_depth(sc, np.array(dist), np.zeros_like(np.array(dist)), altitude)
        covered = depth >= 1
        r = row(res, sector, altitude)
        assert_allclose(covered.sum() * step**2 / 1e6, r.forward_km2, rtol=0.01)
        reach = shapely.distance(shapely.points(gx[covered], gy[covered]),
                                 z.region_geom).max() / 1000
        assert abs(reach - r.forward_reach_km) < 4.0, sector

    def test_sector_zones_tile_region(self):
        res = analyze(scenario([Site("a", system(), *WEST_SITE)]))
        areas = res.zones.set_index("zone").area_km2
        assert_allclose(areas.west + areas.south + areas.east, areas.BLR, rtol=1e-4)
        assert_allclose(areas.BLR, REGION_KM2, rtol=2e-3)


# ---------------------------------------------------------------------------- dense sampling
SPACING_M = 2500.0


@pytest.fixture(scope="module")
def sampled_2023():
    """The built-in 2023 scenario, and an equal-area point sample with per-site ground distances
    and azimuths from exact ellipsoidal geodesics."""
    sc = Scenario.builtin("belarus-2023")
    res = analyze(sc)
    z = res.region_zones
    x0, y0, x1, y1 = z.region_geom.bounds
    xs = np.arange(x0 + SPACING_M / 2, x1, SPACING_M)
    ys = np.arange(y0 + SPACING_M / 2, y1, SPACING_M)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside = shapely.contains_xy(z.region_geom, gx.ravel(), gy.ravel())
    pts = pts[inside]
    ll = shapely.get_coordinates(from_laea(pts, z.lon0, z.lat0))
    dist, az = [], []
    for s in sc.sites:
        fwd_az, _, d = GEOD.inv(np.full(len(ll), s.lon), np.full(len(ll), s.lat), ll[:, 0], ll[:, 1])
        dist.append(np.asarray(d) / 1000)
        az.append(np.asarray(fwd_az) % 360)
    return sc, res, pts, np.array(dist), np.array(az)


def sample_depth(sc, dist, az, altitude):
    depth = np.zeros(dist.shape[1], dtype=int)
    for i, s in enumerate(sc.sites):
        sy = s.system
        r = envelope_radii(sy.max_range_km, sy.min_range_km, sy.max_altitude_m, sy.min_altitude_m,
                           s.effective_antenna_height_m, altitude, s.lat, k_factor=sc.k_factor)
        outer, inner = float(r["outer_km"][0]), float(r["inner_km"][0])
        ok = (dist[i] >= inner) & (dist[i] <= outer) & (outer > inner)
        if s.effective_sector_width_deg < 360:
            off = (az[i] - s.azimuth_deg + 180) % 360 - 180
            ok &= np.abs(off) <= s.effective_sector_width_deg / 2
        depth += ok
    return depth


@pytest.mark.parametrize("altitude", [50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0])
def test_zone_table_against_dense_sampling(sampled_2023, altitude):
    sc, res, pts, dist, az = sampled_2023
    depth = sample_depth(sc, dist, az, altitude)
    z = res.region_zones
    zones = {z.region: z.region_geom, **z.sector_zones,
             **{f"{k}_belt": g for k, g in z.belts.items()}}
    for name, geom in zones.items():
        shapely.prepare(geom)
        m = shapely.contains(geom, pts)
        r = row(res, name, altitude)
        # Each sample stands for SPACING^2 of equal-area plane: the zone's area.
        assert_allclose(m.sum() * SPACING_M**2 / 1e6, r.area_km2, rtol=3e-3)
        d = depth[m]
        assert abs((d >= 1).mean() - r.covered_fraction) < 0.005, name
        assert abs((d >= 2).mean() - r.depth2_km2 / r.area_km2) < 0.005, name
        assert abs((d >= 3).mean() - r.depth3_km2 / r.area_km2) < 0.005, name
        assert d.mean() == pytest.approx(r.mean_depth, rel=0.01, abs=1e-3), name


@pytest.mark.parametrize("altitude", [50.0, 1000.0, 10000.0])
def test_border_coverage_against_sampling(sampled_2023, altitude):
    sc, res, *_ = sampled_2023
    z = res.region_zones
    for sector, line in z.border_lines_lonlat.items():
        dense = shapely.segmentize(line, 0.005)  # degrees: ~0.5 km steps, weighted by length
        segs = []
        for part in shapely.get_parts(dense):
            c = shapely.get_coordinates(part)
            segs.append(np.column_stack([c[:-1], c[1:]]))
        seg = np.concatenate(segs)
        mid_lon, mid_lat = (seg[:, 0] + seg[:, 2]) / 2, (seg[:, 1] + seg[:, 3]) / 2
        length = np.asarray(GEOD.inv(seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3])[2])
        dist, az = [], []
        for s in sc.sites:
            a, _, d = GEOD.inv(np.full(len(seg), s.lon), np.full(len(seg), s.lat), mid_lon, mid_lat)
            dist.append(np.asarray(d) / 1000), az.append(np.asarray(a) % 360)
        covered = sample_depth(sc, np.array(dist), np.array(az), altitude) >= 1
        frac = length[covered].sum() / length.sum()
        r = row(res, sector, altitude)
        assert abs(frac - r.border_covered_fraction) < 0.01, sector
        assert_allclose(r.border_km, length.sum() / 1000, rtol=1e-3)


# ---------------------------------------------------------------------------- properties
site_strategy = st.tuples(
    st.floats(23.0, 33.0), st.floats(51.0, 56.5),            # lon, lat (in and around BLR)
    st.floats(5.0, 300.0), st.floats(0.0, 4.0),              # max range, min range
    st.sampled_from([360.0, 360.0, 90.0, 200.0]), st.floats(0.0, 359.0),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(site_strategy, min_size=1, max_size=6), st.sampled_from([100.0, 3000.0]))
def test_invariants(sites_spec, altitude):
    sites = []
    for i, (lon, lat, rmax, rmin, width, azim) in enumerate(sites_spec):
        sy = system(sid=f"X{i}", max_range_km=rmax, min_range_km=min(rmin, rmax / 2),
                    antenna_height_m=20.0, sector_width_deg=width)
        sites.append(Site(f"s{i}", sy, lon, lat, azimuth_deg=azim if width < 360 else None))
    res = analyze(scenario(sites, altitudes=(altitude,)))
    zt = res.zones.set_index("zone")
    region = zt.loc["BLR"]
    # Fractions are fractions; deeper layers are inside shallower ones.
    assert ((zt.covered_fraction >= 0) & (zt.covered_fraction <= 1 + 1e-12)).all()
    assert (zt.depth3_km2 <= zt.depth2_km2 + 1e-6).all()
    assert (zt.depth2_km2 <= zt.covered_km2 + 1e-6).all()
    # The union never exceeds the sum of the parts (inside the region and overall).
    assert region.covered_km2 <= res.sites.covered_km2.sum() + 1e-6
    union = res.unions[res.unions.min_depth == 1].area_km2.sum()
    parts = shapely.area(res.at(altitude).polygons).sum() / 1e6
    assert union <= parts * (1 + 1e-9) + 1e-6
    # Two code paths agree: the integral of depth over the region is the sum of the sites'
    # covered areas; the sector zones tile the region and so do their covered areas.
    assert_allclose(region.mean_depth * region.area_km2, res.sites.covered_km2.sum(),
                    rtol=1e-6, atol=1e-6)
    sectors = zt[zt.zone_kind == "sector"]
    assert_allclose(sectors.covered_km2.sum(), region.covered_km2, rtol=1e-6, atol=1e-3)
    assert_allclose(sectors.area_km2.sum(), region.area_km2, rtol=1e-6)
    # A site's unique area is part of its covered area, and the loss is that share of the region.
    s = res.sites
    assert (s.unique_km2 <= s.covered_km2 + 1e-6).all()
    assert_allclose(s.loss_if_removed_fraction, s.unique_km2 / region.area_km2, rtol=1e-9)
