"""The sampling engine (:mod:`adcov.sampling`) against closed forms worked out here, apart from
both engines:

* it is written apart from the polygon engine (checked on its source);
* a range-limited disc covers the area of a spherical cap whose radius solves the law of cosines,
  a horizon-limited one the cap of sqrt(2 k R ha) + sqrt(2 k R ht), a sector the right share of
  its annulus, and nothing inside the dead zone, above the ceiling or below the floor; in each
  case the covered set is exactly the set of points the test's own geodesics put inside;
* the vectorised decision equals a plain per-point loop;
* sector zones from the nearest-border rule tile the region, agree with the overlay's Voronoi
  zones, and distances to the border are geodesic minima.

The closed forms come from ``conftest`` (WGS84 constants typed in, the law of cosines, the cap).
"""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import (WGS84, cap_area_km2, gaussian_radius, ground_for_slant_km, horizon_km,
                      laea_transformers, make_site, make_system, slant_km)

from adcov import Scenario
from adcov.sampling import (BORDER_STEP_M, DENSIFY_M, SAMPLE_ZONE_COLUMNS, coverage_depth,
                            covered, equal_area_points, zone_table)
from adcov.stats import ZONE_COLUMNS

SOURCE = Path(__file__).resolve().parents[1] / "coverage" / "adcov" / "sampling.py"
SPACING_KM = 2.5
CELL_KM2 = SPACING_KM**2
#: 164 km from the nearest border: every envelope below fits inside Belarus and one sector.
CENTRE = (28.0, 53.5)
REGION_KM2 = 207_499.1  # data/borders/README.md, geodesic area of BLR in Natural Earth 10m


def geodesics_from(points, lon, lat):
    """Distance [km] and forward azimuth [deg, 0..360) from a site to every point (test Geod)."""
    n = len(points.lon)
    az, _, d = WGS84.inv(np.full(n, lon), np.full(n, lat), points.lon, points.lat)
    return np.asarray(d) / 1000.0, np.asarray(az) % 360.0


def lattice_tolerance_km2(perimeter_km):
    """How far a count of lattice points times the cell area may stray from the area it samples.

    Each lattice cell crossed by the boundary (about perimeter / spacing of them) adds an error
    of up to half a cell, nearly independently: uniform, with a standard deviation of 0.29 cell.
    The tolerance is four standard deviations of their sum, 0.4 % for a disc of 100 km at a
    2.5 km spacing (the errors seen are a tenth of that or less). The areas are a check on the
    weights; the tests below check the covered sets point by point, exactly.
    """
    return 4 * 0.3 * CELL_KM2 * math.sqrt(perimeter_km / SPACING_KM)


def test_written_apart_from_the_polygon_engine():
    """The sampling engine imports none of the envelope models or the overlay engine."""
    forbidden = {"adcov.models", "adcov.radar", "adcov.envelope", "adcov.overlay", "adcov.stats",
                 "adcov.pipeline", "adcov.analysis", "adcov.geodesy"}
    imported = set()
    for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ("adcov." + (node.module or "")) if node.level else (node.module or "")
            base = base.rstrip(".")
            imported.add(base)
            imported |= {f"{base}.{a.name}" for a in node.names}
    hits = {m for m in imported for f in forbidden if m == f or m.startswith(f + ".")}
    assert not hits, hits
    assert "adcov.borders" in imported and "adcov.scenario" in imported  # the reader works


# ------------------------------------------------------------------------------ closed forms
def test_range_limited_disc(blr_points):
    """100 km slant range from a ground-level antenna against a 10 km target: range-limited (the
    horizon is 412 km); the ground radius solves the law of cosines, the area is the cap's."""
    lon, lat = CENTRE
    r = gaussian_radius(lat)
    s = ground_for_slant_km(100.0, 0.0, 10000.0, r)
    assert s < horizon_km(0.0, 10000.0, r)
    site = make_site(make_system(max_range_km=100.0, antenna_height_m=0.0), lon, lat)
    cov = covered(blr_points, site, 10000.0)
    d, _ = geodesics_from(blr_points, lon, lat)
    sure = np.abs(d - s) > 1e-3
    assert np.array_equal(cov[sure], (d <= s)[sure])
    assert blr_points.zones["BLR"][cov].all()
    cap = cap_area_km2(s, r)
    area = blr_points.weight_km2[cov].sum()
    assert abs(area - cap) < lattice_tolerance_km2(2 * math.pi * s), (area, cap)


@pytest.mark.parametrize("k", [4.0 / 3.0, 1.0])
def test_horizon_limited_disc(blr_points, k):
    """A 20 m antenna against a 300 m target, with 300 km of missile range: the radar horizon
    sqrt(2 k R ha) + sqrt(2 k R ht) (90 km at k = 4/3) limits the disc."""
    lon, lat = CENTRE
    r = gaussian_radius(lat)
    h = horizon_km(20.0, 300.0, r, k)
    assert h < ground_for_slant_km(300.0, 20.0, 300.0, r)
    # The rule of thumb 4.12 (sqrt(ha) + sqrt(ht)) km holds at k = 4/3 and R = 6371 km.
    assert h == pytest.approx(4.12 * (math.sqrt(20) + math.sqrt(300)) * math.sqrt(k * 0.75),
                              rel=3e-3)
    site = make_site(make_system(max_range_km=300.0, antenna_height_m=20.0), lon, lat)
    cov = covered(blr_points, site, 300.0, k_factor=k)
    d, _ = geodesics_from(blr_points, lon, lat)
    sure = np.abs(d - h) > 1e-3
    assert np.array_equal(cov[sure], (d <= h)[sure])
    area = blr_points.weight_km2[cov].sum()
    assert abs(area - cap_area_km2(h, r)) < lattice_tolerance_km2(2 * math.pi * h)


@pytest.mark.parametrize("azimuth, width", [(90.0, 120.0), (350.0, 60.0), (180.0, 300.0)])
def test_sector_covers_its_share_of_the_annulus(blr_points, azimuth, width):
    """A sector site with a dead zone covers width / 360 of its annulus, and exactly the points
    whose azimuth (the test's own geodesics) is within half the width of its centre, including
    a sector across north."""
    lon, lat = CENTRE
    r = gaussian_radius(lat)
    outer = ground_for_slant_km(120.0, 10.0, 10000.0, r)
    inner = ground_for_slant_km(30.0, 10.0, 10000.0, r)
    sy = make_system(max_range_km=120.0, min_range_km=30.0, antenna_height_m=10.0,
                     sector_width_deg=width)
    cov = covered(blr_points, make_site(sy, lon, lat, azimuth_deg=azimuth), 10000.0)
    d, az = geodesics_from(blr_points, lon, lat)
    off = np.abs((az - azimuth + 180.0) % 360.0 - 180.0)
    inside = (d >= inner) & (d <= outer) & (off <= width / 2)
    sure = ((np.abs(d - outer) > 1e-3) & (np.abs(d - inner) > 1e-3)
            & (np.abs(off - width / 2) > 1e-6))
    assert np.array_equal(cov[sure], inside[sure])
    expected = (cap_area_km2(outer, r) - cap_area_km2(inner, r)) * width / 360.0
    perimeter = (outer + inner) * math.radians(width) + 2 * (outer - inner)
    assert abs(blr_points.weight_km2[cov].sum() - expected) < lattice_tolerance_km2(perimeter)


def test_dead_zone(blr_points):
    """A 20 km minimum slant range against a 10 km target leaves nothing covered within
    sqrt(20^2 - 10^2) km (on the curved Earth: the law of cosines) of the site."""
    lon, lat = CENTRE
    r = gaussian_radius(lat)
    inner = ground_for_slant_km(20.0, 0.0, 10000.0, r)
    assert inner == pytest.approx(math.sqrt(300.0), rel=2e-3)
    sy = make_system(max_range_km=40.0, min_range_km=20.0, antenna_height_m=0.0)
    cov = covered(blr_points, make_site(sy, lon, lat), 10000.0)
    d, _ = geodesics_from(blr_points, lon, lat)
    assert not cov[d < inner - 1e-3].any()
    assert cov[(d > inner + 1e-3) & (d < 30.0)].all()
    outer = ground_for_slant_km(40.0, 0.0, 10000.0, r)
    expected = cap_area_km2(outer, r) - cap_area_km2(inner, r)
    assert abs(blr_points.weight_km2[cov].sum() - expected) < lattice_tolerance_km2(
        2 * math.pi * (outer + inner))


def test_out_of_reach_straight_up(blr_points):
    """A target higher above the antenna than the missile's range is out of reach everywhere."""
    sy = make_system(max_range_km=9.0, antenna_height_m=0.0)
    assert not covered(blr_points, make_site(sy, *CENTRE), 10000.0).any()


def test_ceiling_and_floor(blr_points):
    sy = make_system(max_range_km=50.0, min_altitude_m=100.0, max_altitude_m=5000.0)
    site = make_site(sy, *CENTRE)
    assert not covered(blr_points, site, 5000.1).any()  # above the ceiling
    assert not covered(blr_points, site, 99.9).any()  # below the floor
    assert covered(blr_points, site, 5000.0).any()  # the limits themselves are inside
    assert covered(blr_points, site, 100.0).any()
    assert not coverage_depth(blr_points, [site, site], 6000.0).any()


def test_depth_counts_envelopes(blr_points):
    sy = make_system(max_range_km=50.0)
    one = covered(blr_points, make_site(sy, *CENTRE), 1000.0)
    depth = coverage_depth(blr_points, [make_site(sy, *CENTRE, name=f"s{i}") for i in range(3)],
                           1000.0)
    assert np.array_equal(depth, 3 * one)


# ------------------------------------------------------------------------------ vectorised vs loop
def loop_covered(lon, lat, site, altitude_m, k=4.0 / 3.0):
    """One point at a time, in plain Python (the conftest formulas and the test's Geod)."""
    sy = site.system
    if not sy.min_altitude_m <= altitude_m <= sy.max_altitude_m:
        return False
    ha = site.effective_antenna_height_m
    r = gaussian_radius(site.lat)
    az, _, d = WGS84.inv(site.lon, site.lat, lon, lat)
    s = d / 1000.0
    if s > horizon_km(ha, altitude_m, r, k):
        return False
    rho = slant_km(s, ha, altitude_m, r)
    if not sy.min_range_km <= rho <= sy.max_range_km:
        return False
    if site.effective_sector_width_deg < 360.0:
        off = (az - site.azimuth_deg + 180.0) % 360.0 - 180.0
        if abs(off) > site.effective_sector_width_deg / 2.0:
            return False
    return True


LOOP_SITES = [
    # (lon, lat, system keywords, site keywords, altitude)
    (27.56, 53.90, dict(max_range_km=75.0, min_range_km=5.0, antenna_height_m=24.0), {}, 50.0),
    (27.56, 53.90, dict(max_range_km=75.0, min_range_km=5.0, antenna_height_m=24.0), {}, 10000.0),
    (23.69, 52.09, dict(max_range_km=200.0, antenna_height_m=30.0, sector_width_deg=90.0),
     dict(azimuth_deg=10.0), 3000.0),
    (30.99, 52.44, dict(max_range_km=380.0, antenna_height_m=25.0), {}, 20000.0),
    (20.5, 54.7, dict(max_range_km=400.0, antenna_height_m=25.0), {}, 10000.0),  # Kaliningrad
    (26.0, 52.5, dict(max_range_km=12.0, min_range_km=1.0, antenna_height_m=5.0,
                      sector_width_deg=60.0), dict(azimuth_deg=355.0), 1000.0),
]


@pytest.mark.parametrize("lon, lat, sys_kw, site_kw, altitude", LOOP_SITES)
def test_vectorised_decision_equals_a_loop(blr_points, lon, lat, sys_kw, site_kw, altitude):
    """The vectorised, pre-filtered decision against a per-point loop, on a sample of points
    that crowds the envelope's edges (where a pre-filter or a formula would show a mistake)."""
    site = make_site(make_system(**sys_kw), lon, lat, **site_kw)
    cov = covered(blr_points, site, altitude)
    d, _ = geodesics_from(blr_points, lon, lat)
    r = gaussian_radius(lat)
    edges = [horizon_km(site.effective_antenna_height_m, altitude, r)]
    for rho in (site.system.max_range_km, site.system.min_range_km):
        s = ground_for_slant_km(rho, site.effective_antenna_height_m, altitude, r) \
            if rho > abs(altitude - site.effective_antenna_height_m) / 1000.0 else 0.0
        edges.append(s)
    near_edge = np.flatnonzero(np.min([np.abs(d - e) for e in edges], axis=0) < 3.0)
    rng = np.random.default_rng(7)
    idx = np.concatenate([rng.choice(near_edge, min(150, len(near_edge)), replace=False),
                          rng.choice(len(d), 150, replace=False)])
    loop = np.array([loop_covered(blr_points.lon[i], blr_points.lat[i], site, altitude)
                     for i in idx])
    assert np.array_equal(cov[idx], loop)
    assert loop.any()


# ------------------------------------------------------------------------------ zones
def test_points_are_equal_area_and_cover_the_region(blr_points):
    p = blr_points
    assert np.all(p.weight_km2 == CELL_KM2)
    assert abs(p.weight_km2[p.zones["BLR"]].sum() - REGION_KM2) < lattice_tolerance_km2(3600.0)
    # Cell centres of a lattice aligned on the projection's origin.
    for v in (p.x, p.y):
        assert np.allclose(v / 2500.0 - np.floor(v / 2500.0), 0.5)
    assert len(p) == p.zones["BLR"].sum()  # no forward points asked for
    assert p.forward_km == 0 and not any(m.any() for m in p.forward.values())


def test_sector_zones_tile_the_region_and_match_the_voronoi_zones(blr_points, blr_zones):
    """Every region point is in exactly one sector. Against the overlay's zones (Voronoi cells of
    LAEA border samples), the two rules put a point in different sectors only where it is all
    but equidistant from both borders: LAEA distances over Belarus are within 0.05 % of
    geodesic ones, so 0.1 % of the distance plus the 0.5 km vertex spacing bounds the tie. The
    sampled areas then differ from the polygons' by the lattice's counting error alone."""
    p = blr_points
    region = p.zones["BLR"]
    names = list(p.sectors)
    assert names == ["west", "south", "east"]
    count = sum(p.zones[k].astype(int) for k in names)
    assert np.array_equal(count, region.astype(int))
    dist = np.vstack([p.border_distance_km[k] for k in names])
    for i, name in enumerate(names):
        poly = blr_zones.sector_zones[name]
        theirs = shapely.contains_xy(poly, p.x, p.y) & region
        for j in np.flatnonzero(theirs != p.zones[name]):
            own = dist[:, j].min()
            assert dist[i, j] - own <= 1e-3 * own + DENSIFY_M / 1000.0, (name, dist[:, j])
        area = p.weight_km2[p.zones[name]].sum()
        assert abs(area - poly.area / 1e6) < lattice_tolerance_km2(poly.length / 1000.0), name


def test_belts_by_distance(blr_points, blr_zones):
    """A belt is the region within 50 km of the sector's border; against the overlay's buffered
    polygons, points differ only within 0.1 % of 50 km of the belt's edge."""
    p = blr_points
    for name in p.sectors:
        belt = p.zones[f"{name}_belt"]
        d = p.border_distance_km[name]
        assert np.array_equal(belt, p.zones["BLR"] & (d <= 50.0))
        poly = blr_zones.belts[name]
        theirs = shapely.contains_xy(poly, p.x, p.y) & p.zones["BLR"]
        assert np.all(np.abs(d[theirs != belt] - 50.0) < 0.05), name
        area = p.weight_km2[belt].sum()
        assert abs(area - poly.area / 1e6) < lattice_tolerance_km2(poly.length / 1000.0), name


def test_border_distance_is_the_geodesic_minimum(blr_points, blr_zones):
    """Distances to a sector's border against a brute force: the test densifies the line to
    100 m along geodesics of its own (Geod.npts) and takes the smallest geodesic distance. The
    engine measures to vertices at most 500 m apart, so it may exceed the distance to the line
    by sqrt(d^2 + 0.25^2) - d, and never falls short of the 100 m brute force by more than the
    same for 50 m."""
    p = blr_points
    rng = np.random.default_rng(3)
    region = np.flatnonzero(p.zones["BLR"])
    for name, line in blr_zones.border_lines_lonlat.items():
        d = p.border_distance_km[name]
        near = region[d[region] < 5.0]
        idx = np.concatenate([rng.choice(region, 15, replace=False),
                              rng.choice(near, 5, replace=False)])
        verts = []
        for part in shapely.get_parts(line):
            c = shapely.get_coordinates(part)
            for (lo1, la1), (lo2, la2) in zip(c[:-1], c[1:]):
                n = int(WGS84.inv(lo1, la1, lo2, la2)[2] // 100.0)
                verts += [(lo1, la1), *(WGS84.npts(lo1, la1, lo2, la2, n) if n else [])]
            verts.append(tuple(c[-1]))
        v = np.array(verts)
        for i in idx:
            g = np.asarray(WGS84.inv(np.full(len(v), p.lon[i]), np.full(len(v), p.lat[i]),
                                     v[:, 0], v[:, 1])[2]).min() / 1000.0
            slack_hi = math.hypot(g, 0.25) - g + 1e-6
            slack_lo = math.hypot(d[i], 0.05) - d[i] + 1e-6
            assert -slack_lo <= d[i] - g <= slack_hi, (name, i, d[i], g)


def test_border_samples_by_length(blr_points, blr_zones):
    b = blr_points.border
    assert b.length_km.max() <= BORDER_STEP_M / 1000.0 + 1e-9
    for name, km in blr_zones.border_km.items():
        assert b.length_km[b.sectors[name]].sum() == pytest.approx(km, rel=1e-9)
    # DESIGN.md 5: shared border lengths POL 340, LTU 482, LVA 136, UKR 862, RUS 920 km.
    assert b.length_km[b.sectors["west"]].sum() == pytest.approx(340 + 482 + 136, abs=3)


def test_forward_points():
    """Neighbour territory within forward_km of the region, by the engine's geodesic distance to
    the region's boundary, each point in its sector's neighbours."""
    p = equal_area_points("BLR", 10.0, forward_km=100.0)
    region = p.zones["BLR"]
    fwd = sum(p.forward[k].astype(int) for k in p.sectors)
    assert fwd.max() == 1 and not (fwd.astype(bool) & region).any()
    assert np.array_equal(fwd.astype(bool) | region, np.ones(len(p), bool))
    out = ~region
    assert (p.beyond_km[out] > 0).all() and (p.beyond_km[out] <= 100.0).all()
    assert (p.beyond_km[region] == 0).all()
    assert p.beyond_km[out].max() > 95.0
    from adcov.borders import country_geometry

    for name, codes in p.sectors.items():
        m = p.forward[name]
        inside = np.zeros(m.sum(), bool)
        for code in codes:
            inside |= shapely.contains_xy(country_geometry(code), p.lon[m], p.lat[m])
        assert inside.all(), name
    for name in p.sectors:
        assert np.isnan(p.border_distance_km[name][out]).all()


def test_points_are_read_only(blr_points):
    p = blr_points
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.spacing_km = 1.0
    for arr in (p.lon, p.lat, p.x, p.y, p.weight_km2, p.beyond_km, p.zones["west"],
                p.border_distance_km["east"], p.border.length_km, p.border.sectors["south"]):
        with pytest.raises(ValueError):
            arr[0] = arr[1]
    with pytest.raises(TypeError):
        p.zones["west"] = p.zones["east"]


def test_zone_table_columns_and_checks(blr_points):
    assert set(SAMPLE_ZONE_COLUMNS) - set(ZONE_COLUMNS) == {"n_points"}
    sc = Scenario.builtin("belarus-2021")
    t = zone_table(blr_points, sc, [1000.0])
    assert list(t.columns) == list(SAMPLE_ZONE_COLUMNS)
    assert list(t.zone) == ["BLR", "west", "south", "east", "west_belt", "south_belt",
                            "east_belt"]
    assert (t.scenario == sc.name).all()
    sectors = t[t.zone_kind == "sector"]
    assert sectors.area_km2.sum() == pytest.approx(t.area_km2.iloc[0], rel=1e-12)
    assert sectors.forward_km2.isna().all()  # no forward points sampled
    other = Scenario(name="x", sites=sc.sites, region="BLR", belt_km=30.0)
    with pytest.raises(ValueError, match="belts"):
        zone_table(blr_points, other)
    with pytest.raises(ValueError, match="altitudes_m"):
        zone_table(blr_points, sc.sites)
    same = zone_table(blr_points, sc.sites, [1000.0], k_factor=sc.k_factor)
    assert np.allclose(same.covered_km2, t.covered_km2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="spacing_km"):
        equal_area_points("BLR", 0.0)
    with pytest.raises(ValueError, match="forward_km"):
        equal_area_points("BLR", 10.0, forward_km=-1.0)
    with pytest.raises(TypeError, match="zones"):
        equal_area_points(42, 10.0)


def test_nearest_border_search_is_exact(blr_points, blr_zones):
    """The engine finds the nearest vertex of a densified border line through a planar index
    with proven bounds. Against a brute force over the same vertices, for every region point:
    all vertices within 0.3 % of the smallest planar distance (four times the spread of LAEA
    scale over Belarus, 0.08 %) measured with the test's Geod. The east border, whose bends put
    the geodesic nearest vertex tens of metres away from the planar nearest for some points."""
    from adcov.sampling import _densify

    p = blr_points
    lon0, lat0 = p.lon0, p.lat0
    v = np.concatenate(_densify(blr_zones.border_lines_lonlat["east"], DENSIFY_M))
    vx, vy = laea_transformers(lon0, lat0)[0].transform(v[:, 0], v[:, 1])
    region = np.flatnonzero(p.zones["BLR"])
    best = np.empty(len(region))
    for chunk in np.array_split(np.arange(len(region)), 60):
        i = region[chunk]
        d2 = (p.x[i, None] - vx) ** 2 + (p.y[i, None] - vy) ** 2
        window = (np.sqrt(d2.min(axis=1)) * 1.003 + 10.0) ** 2
        pi, vj = np.nonzero(d2 <= window[:, None])
        g = np.asarray(WGS84.inv(p.lon[i][pi], p.lat[i][pi], v[vj, 0], v[vj, 1])[2])
        out = np.full(len(i), np.inf)
        np.minimum.at(out, pi, g)
        best[chunk] = out / 1000.0
    assert np.allclose(p.border_distance_km["east"][region], best, rtol=0, atol=1e-9)
