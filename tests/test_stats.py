"""Statistics against values worked out independently of the overlay engine.

* hand cases: an envelope wholly inside one sector zone covers exactly the closed-form area of a
  geodesic disc (a spherical cap on the Gaussian sphere), stacked copies give depth 2 and 3, a
  120-degree sector covers a third;
* a dense-sampling check: the zone table of the built-in 2023 scenario against the sampling
  engine (:mod:`adcov.sampling`), where every point's coverage is decided by exact ellipsoidal
  distances and azimuths to every site (pyproj ``Geod.inv``) and the engine's own radar
  arithmetic and nearest-border zones, not by polygons;
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

from adcov.analysis import analyze
from adcov.catalog import System
from adcov.sampling import equal_area_points, zone_table
from adcov.scenario import Scenario, Site

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

    def test_sector_zones_tile_region(self):
        res = analyze(scenario([Site("a", system(), *WEST_SITE)]))
        areas = res.zones.set_index("zone").area_km2
        assert_allclose(areas.west + areas.south + areas.east, areas.BLR, rtol=1e-4)
        assert_allclose(areas.BLR, REGION_KM2, rtol=2e-3)


# ---------------------------------------------------------------------------- dense sampling
# The second engine (adcov.sampling) decides every point of an equal-area lattice with exact
# ellipsoidal distances and azimuths, its own radar arithmetic and its own nearest-border zones;
# it shares no code with the overlay engine tested here (test_sampling checks that, and checks
# it against closed forms).
SPACING_KM = 2.5
FORWARD_KM = 400.0
ALTITUDES = [50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0]


@pytest.fixture(scope="module")
def sampled_2023():
    """The built-in 2023 scenario, its overlay result, and the sampling engine's zone table on a
    2.5 km lattice of the region and of the neighbours' territory within 400 km of it."""
    sc = Scenario.builtin("belarus-2023")
    assert list(sc.altitudes_m) == ALTITUDES
    res = analyze(sc)
    # Nothing reaches farther than the forward points go.
    assert res.sites.outer_km.max() <= FORWARD_KM
    points = equal_area_points(sc, SPACING_KM, forward_km=FORWARD_KM)
    return sc, res, zone_table(points, sc).set_index(["altitude_m", "zone"])


@pytest.mark.parametrize("altitude", ALTITUDES)
def test_zone_table_against_dense_sampling(sampled_2023, altitude):
    sc, res, table = sampled_2023
    zones = res.zones[res.zones.altitude_m == altitude]
    assert set(zones.zone) == set(table.loc[altitude].index)
    for name in zones.zone:
        r, t = row(res, name, altitude), table.loc[(altitude, name)]
        assert t.zone_kind == r.zone_kind
        # Each point stands for spacing^2 of the equal-area plane: the zone's area.
        assert_allclose(t.area_km2, r.area_km2, rtol=3e-3)
        assert abs(t.covered_fraction - r.covered_fraction) < 0.005, name
        assert abs(t.depth2_km2 / t.area_km2 - r.depth2_km2 / r.area_km2) < 0.005, name
        assert abs(t.depth3_km2 / t.area_km2 - r.depth3_km2 / r.area_km2) < 0.005, name
        assert t.mean_depth == pytest.approx(r.mean_depth, rel=0.01, abs=1e-3), name


@pytest.mark.parametrize("altitude", ALTITUDES)
def test_border_coverage_against_sampling(sampled_2023, altitude):
    """Each sector's border line cut into geodesic pieces of at most 250 m, a piece covered when
    its midpoint is."""
    sc, res, table = sampled_2023
    for sector in res.region_zones.sectors:
        r, t = row(res, sector, altitude), table.loc[(altitude, sector)]
        assert abs(t.border_covered_fraction - r.border_covered_fraction) < 0.01, sector
        assert_allclose(r.border_km, t.border_km, rtol=1e-3)


@pytest.mark.parametrize("altitude", [1000.0, 10000.0])
def test_forward_zone_against_sampling(sampled_2023, altitude):
    """Neighbours' covered territory and the reach beyond the border: the sampled points of each
    sector's neighbours, with their geodesic distance to the region."""
    sc, res, table = sampled_2023
    for sector in res.region_zones.sectors:
        r, t = row(res, sector, altitude), table.loc[(altitude, sector)]
        assert_allclose(t.forward_km2, r.forward_km2, rtol=0.01)
        assert abs(t.forward_reach_km - r.forward_reach_km) < 4.0, sector


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


# ------------------------------------------------------------------------------ unique areas
def _unique_by_whole_polygons(res):
    """Per (altitude, envelope): area of the region that envelope alone covers, from the whole
    envelope polygons (each minus the union of all the others, within the region): no cells,
    no depth layers. [km2]"""
    region = res.frame.region.geom
    out = {}
    for st in res.altitude_stats:
        polys = list(st.polygons)
        for i, p in enumerate(polys):
            others = shapely.union_all(polys[:i] + polys[i + 1:])
            alone = shapely.difference(shapely.intersection(p, region), others)
            out[(st.altitude_m, i)] = alone.area / 1e6
    return out


def _assert_unique_matches(res):
    ref = _unique_by_whole_polygons(res)
    got = {(a, i): u for a, grp in res.sites.groupby("altitude_m", sort=False)
           for i, u in enumerate(grp.unique_km2)}
    assert got.keys() == ref.keys()
    for k in ref:
        assert got[k] == pytest.approx(ref[k], abs=1e-6, rel=1e-9), k
    assert sum(v > 0 for v in ref.values()) >= 3  # the case has unique areas to find


#: Both ways of computing unique areas (adcov.stats.UNIQUE_BY_PIECE_MAX): every cell's once-
#: covered parts shared out, and every piece minus the depth-2 layer.
BOTH_WAYS = pytest.mark.parametrize("by_piece_max", [0, 10**9], ids=["parts", "pieces"])


@BOTH_WAYS
def test_unique_areas_against_whole_polygon_differences(by_piece_max, monkeypatch):
    """Packed overlapping envelopes straddling the Polish border (so that cells are shared
    by many pieces and clipped by the region), with two systems at one place: the unique area
    of every envelope equals its own polygon minus all the others within the region."""
    rng = np.random.default_rng(5)
    sites = [Site(f"s{i}", system(sid=f"T{i % 3}", max_range_km=float(rng.uniform(12, 30))),
                  float(rng.uniform(23.4, 24.4)), float(rng.uniform(52.0, 52.6)))
             for i in range(40)]
    sites.append(Site("twin", system(sid="W", max_range_km=9.0), sites[0].lon, sites[0].lat))
    monkeypatch.setattr("adcov.stats.UNIQUE_BY_PIECE_MAX", by_piece_max)
    _assert_unique_matches(analyze(scenario(sites, altitudes=(1000.0, 5000.0))))


@BOTH_WAYS
def test_unique_areas_of_terrain_masked_twins(by_piece_max, monkeypatch, tmp_path):
    """Two systems at one place masked by one terrain field share edges wherever terrain limits
    both: a once-covered part can then lie in both envelopes, and must be split between them.
    Against whole-polygon differences, on a synthetic fractal DEM."""
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    from adcov.terrain import fractal_heights

    step = 1 / 600
    h = fractal_heights(900, 1500, seed=3, low=100.0, high=450.0, beta=2.6).astype("float32")
    dem = tmp_path / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=h.shape[1], height=h.shape[0], count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=Affine(step, 0, 26.5, 0, -step, 54.5)) as ds:
        ds.write(h, 1)
    lon, lat = 27.5, 53.75
    sites = [Site("a", system(sid="A", max_range_km=40.0, antenna_height_m=10.0), lon, lat),
             Site("b", system(sid="B", max_range_km=25.0, min_range_km=5.0,
                              antenna_height_m=10.0), lon, lat),
             Site("c", system(sid="C", max_range_km=30.0, antenna_height_m=10.0),
                  lon + 0.45, lat - 0.1)]
    monkeypatch.setattr("adcov.stats.UNIQUE_BY_PIECE_MAX", by_piece_max)
    _assert_unique_matches(analyze(scenario(sites, altitudes=(50.0, 300.0), terrain=(dem,))))
