"""Tests for adcov.borders: Belarus against values measured independently from Natural Earth
(data/borders/README.md), and the zone geometry against geodesic distances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from adcov import borders as b
from adcov import regions
from adcov.geodesy import ellipsoidal_area_km2
from adcov.errors import RegionError
from conftest import WGS84, laea_transformers

#: Measured from ne_10m_admin_0_countries_deu v5.1.1 with pyproj Geod (data/borders/README.md,
#: DESIGN.md section 5, shared/reference/public-sources.md).
BLR_AREA_KM2 = 207_499.0
BLR_BORDERS_KM = {"POL": 340.0, "LTU": 482.0, "LVA": 136.0, "UKR": 862.0, "RUS": 920.0}
BLR_SECTORS = {"west": ("POL", "LTU", "LVA"), "south": ("UKR",), "east": ("RUS",)}
#: Poland's land neighbours (any atlas): Germany, Czechia, Slovakia, Ukraine, Belarus,
#: Lithuania, Russia (Kaliningrad).
POL_NEIGHBOURS = {"DEU", "CZE", "SVK", "UKR", "BLR", "LTU", "RUS"}


# --------------------------------------------------------------------------------------------
# Region and neighbours
# --------------------------------------------------------------------------------------------

def test_belarus_geodesic_area():
    geom = b.country_geometry("BLR")
    assert_allclose(ellipsoidal_area_km2(geom), BLR_AREA_KM2, rtol=2e-3)
    own = abs(WGS84.geometry_area_perimeter(geom)[0]) / 1e6
    assert_allclose(own, BLR_AREA_KM2, rtol=2e-3)


def test_belarus_zones_area_and_equal_area_projection(blr_zones):
    assert_allclose(blr_zones.area_km2, BLR_AREA_KM2, rtol=2e-3)
    # The LAEA is equal-area: the projected region has the ellipsoidal area.
    assert_allclose(blr_zones.region_geom.area / 1e6, blr_zones.area_km2, rtol=1e-5)


def test_belarus_neighbours_and_border_lengths():
    nbrs = regions.neighbours("BLR")
    assert set(nbrs) == set(BLR_BORDERS_KM)
    for code, km in BLR_BORDERS_KM.items():
        assert_allclose(nbrs[code], km, rtol=1e-2, err_msg=code)


def test_belarus_sector_border_lengths(blr_zones):
    """Sector border lines measured geodesically: west = 340 + 482 + 136 = 958 km."""
    expected = {"west": 340.0 + 482.0 + 136.0, "south": 862.0, "east": 920.0}
    assert blr_zones.sectors == BLR_SECTORS
    for name, km in expected.items():
        assert_allclose(blr_zones.border_km[name], km, rtol=1e-2, err_msg=name)
        own = WGS84.geometry_length(blr_zones.border_lines_lonlat[name]) / 1000
        assert_allclose(own, km, rtol=1e-2, err_msg=name)


def test_neighbour_lists_are_symmetric():
    for code in ("BLR", "POL", "LTU", "UKR"):
        for other, km in regions.neighbours(code).items():
            assert regions.neighbours(other)[code] == km


@pytest.mark.parametrize("code", ["XYZ", "Belarussia", "", "BY", 42, None])
def test_unknown_region_code(code):
    with pytest.raises(RegionError) as info:
        regions.check_region(code, file="scen.toml")
    text = str(info.value)
    assert "scen.toml" in text and "region" in text and repr(code) in text


@pytest.mark.parametrize("given", ["BLR", "blr", "Blr", "Belarus", "belarus", " BELARUS "])
def test_region_codes_any_case_and_country_names(given):
    assert regions.check_region(given) == "BLR"


def test_unknown_region_code_suggests_close_match():
    with pytest.raises(RegionError, match=r"did you mean BLR \(Belarus\)"):
        regions.check_region("Belarussia")
    with pytest.raises(RegionError, match=r"POL \(Poland\)"):
        regions.check_region("Polland")
    with pytest.raises(RegionError, match="see `adcov regions`"):
        regions.check_region("Qwertyuiop")
    with pytest.raises(RegionError, match="'XYZ'"):
        b.country_geometry("XYZ")
    with pytest.raises(RegionError, match="'XYZ'"):
        b.build_zones("XYZ")


# --------------------------------------------------------------------------------------------
# Sector zones
# --------------------------------------------------------------------------------------------

def test_sector_zones_tile_the_region(blr_zones):
    zones = blr_zones.sector_zones
    assert set(zones) == set(BLR_SECTORS)
    region_m2 = blr_zones.region_geom.area
    assert_allclose(sum(z.area for z in zones.values()), region_m2, rtol=1e-4)
    for (n1, z1), (n2, z2) in itertools.combinations(zones.items(), 2):
        assert shapely.intersection(z1, z2).area < 1e4, (n1, n2)  # < 0.01 km2
    union = shapely.union_all(list(zones.values()))
    assert shapely.symmetric_difference(union, blr_zones.region_geom).area < 1e-6 * region_m2
    for z in zones.values():
        assert z.area > 0.1 * region_m2  # each direction is a sizeable part of Belarus


def _nearest_border_km(zones, lon, lat):
    """Geodesic distance from a point to each sector's border line: the border lines densified
    to ~0.5 km spacing (0.005 degrees), min over Geod.inv to every vertex."""
    out = {}
    for name, line in zones.border_lines_lonlat.items():
        pts = shapely.get_coordinates(shapely.segmentize(line, 0.005))
        _, _, d = WGS84.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])
        out[name] = d.min() / 1000
    return out


def _zone_of(zones, lon, lat):
    fwd, _ = laea_transformers(zones.lon0, zones.lat0)
    p = shapely.Point(*fwd.transform(lon, lat))
    return [name for name, z in zones.sector_zones.items() if z.contains(p)]


@pytest.mark.parametrize(("town", "lon", "lat", "allowed"), [
    ("Brest", 23.7, 52.1, {"west"}),
    ("Gomel", 31.0, 52.4, {"south", "east"}),
    ("Grodno", 23.83, 53.68, {"west"}),
    ("Vitebsk", 30.2, 55.19, {"east", "west"}),
    ("Mozyr", 29.25, 52.05, {"south"}),
])
def test_town_lies_in_the_zone_of_its_nearest_border(blr_zones, town, lon, lat, allowed):
    """Hand-check with geodesic distances: e.g. Brest is ~5 km from the Polish border (west) and
    ~51 km from the Ukrainian one; Gomel is ~36 km from Ukraine and ~39 km from Russia."""
    dist = _nearest_border_km(blr_zones, lon, lat)
    nearest = min(dist, key=dist.get)
    runner_up = sorted(dist.values())[1]
    assert runner_up - dist[nearest] > 1.0, dist  # not a tie: the check is meaningful
    assert nearest in allowed
    assert _zone_of(blr_zones, lon, lat) == [nearest], dist


def test_gomel_distances_by_hand(blr_zones):
    dist = _nearest_border_km(blr_zones, 31.0, 52.4)
    assert dist["south"] < dist["east"] < dist["west"]
    assert 25 < dist["south"] < 45 and 30 < dist["east"] < 50


def test_partition_is_nearest_border_on_a_grid(blr_zones):
    """Every grid point inside Belarus (0.4 degree grid) is in the zone whose border line is
    nearest (LAEA distances, within 0.1% of geodesic here), skipping near-ties (< 2 km)."""
    fwd, _ = laea_transformers(blr_zones.lon0, blr_zones.lat0)
    lon, lat = np.meshgrid(np.arange(23.2, 32.8, 0.4), np.arange(51.3, 56.2, 0.4))
    x, y = fwd.transform(lon.ravel(), lat.ravel())
    pts = shapely.points(x, y)
    inside = shapely.contains(blr_zones.region_geom, pts)
    pts = pts[inside]
    assert len(pts) > 100
    names = list(blr_zones.border_lines)
    d = np.column_stack([shapely.distance(pts, blr_zones.border_lines[n]) for n in names])
    order = np.sort(d, axis=1)
    clear = order[:, 1] - order[:, 0] > 2000.0
    checked = 0
    for p, row in zip(pts[clear], d[clear]):
        want = names[int(np.argmin(row))]
        assert blr_zones.sector_zones[want].contains(p), (shapely.get_coordinates(p), row)
        checked += 1
    assert checked > 90


# --------------------------------------------------------------------------------------------
# Belts
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("belt_km", [25.0, 50.0])
def test_belts_lie_within_belt_km_of_their_border(belt_km):
    zones = b.build_zones("BLR", belt_km=belt_km, reach_km=100)
    for name, belt in zones.belts.items():
        line = zones.border_lines[name]
        assert not belt.is_empty
        # Every belt vertex is within belt_km (+1 km) of the border line ...
        far = shapely.distance(shapely.points(shapely.get_coordinates(belt)), line).max()
        assert far <= (belt_km + 1.0) * 1000.0, name
        # ... the belt lies in the region ...
        assert shapely.difference(belt, zones.region_geom).area < 1e4
        # ... and it holds all of the region within belt_km - 1 km of the line.
        near = shapely.intersection(zones.region_geom,
                                    shapely.buffer(line, (belt_km - 1.0) * 1000.0))
        assert shapely.difference(near, belt).area < 1e4, name


def test_belt_width_checked_geodesically(blr_zones):
    """A sample of belt vertices, back in lon/lat, is within 51 km of the border (Geod)."""
    _, inv = laea_transformers(blr_zones.lon0, blr_zones.lat0)
    for name, belt in blr_zones.belts.items():
        xy = shapely.get_coordinates(belt)[::50]
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        line = shapely.get_coordinates(shapely.segmentize(blr_zones.border_lines_lonlat[name],
                                                          0.005))
        for plon, plat in zip(lon, lat):
            _, _, d = WGS84.inv(np.full(len(line), plon), np.full(len(line), plat),
                                line[:, 0], line[:, 1])
            assert d.min() <= 51_000.0, (name, plon, plat)


def test_forward_zones_are_the_neighbours_territory(blr_zones):
    for name, codes in blr_zones.sectors.items():
        fwd_zone = blr_zones.forward[name]
        assert not fwd_zone.is_empty
        assert shapely.intersection(fwd_zone, blr_zones.region_geom).area < 1e6  # < 1 km2
        nbrs = shapely.union_all([blr_zones.laea(b.country_geometry(c)) for c in codes])
        assert shapely.difference(fwd_zone, nbrs).area < 1e6
        # Every bit of the neighbours' territory within reach (400 km) of the region is kept.
        reach = shapely.intersection(nbrs, shapely.buffer(blr_zones.region_geom, 400_000.0))
        assert shapely.difference(reach, fwd_zone).area < 1e-6 * reach.area, name


# --------------------------------------------------------------------------------------------
# Sector tables
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sectors", "entry", "value"), [
    ({"west": ["POL", "LTU", "LVA", "XYZ"], "south": ["UKR"], "east": ["RUS"]},
     "sectors.west", "XYZ"),                                        # unknown code
    ({"west": ["POL", "LTU", "LVA", "DEU"], "south": ["UKR"], "east": ["RUS"]},
     "sectors.west", "DEU"),                                        # not a neighbour
    ({"west": ["POL", "LTU", "LVA"], "south": ["UKR", "POL"], "east": ["RUS"]},
     "sectors.south", "POL"),                                       # in two sectors
    ({"west": ["POL", "LTU", "LVA"], "south": ["UKR"]},
     "sectors", ["RUS"]),                                           # neighbour in no sector
    ({"west": ["POL", "LTU", "LVA"], "south": [], "east": ["RUS", "UKR"]},
     "sectors.south", []),                                          # empty sector
    ({"west": "POL", "south": ["UKR"], "east": ["RUS", "LTU", "LVA"]},
     "sectors.west", "POL"),                                        # not a list
    ({"we st": ["POL", "LTU", "LVA"], "south": ["UKR"], "east": ["RUS"]},
     "sectors.we st", "we st"),                                     # bad sector name
    ({}, "sectors", {}),                                            # empty table
])
def test_check_sectors_errors_name_file_entry_and_value(sectors, entry, value):
    with pytest.raises(RegionError) as info:
        regions.check_sectors("BLR", sectors, file="scenario.toml")
    exc = info.value
    text = str(exc)
    assert exc.entry == entry and exc.value == value
    assert "scenario.toml" in text and entry in text and repr(value) in text


def test_check_sectors_accepts_lists_and_tuples():
    lists = {k: list(v) for k, v in BLR_SECTORS.items()}
    assert regions.check_sectors("BLR", lists) == BLR_SECTORS
    assert regions.check_sectors("BLR", dict(BLR_SECTORS)) == BLR_SECTORS


def test_build_zones_with_an_explicit_sector_table():
    """Scenario sector tables (tuples after validation) go straight into build_zones; a
    redefined table changes the zones (here: everything west/north vs south/east)."""
    same = b.build_zones("BLR", regions.default_sectors("BLR"), reach_km=100)
    assert same.sectors == BLR_SECTORS
    two = b.build_zones("BLR", {"north": ["LTU", "LVA", "RUS"], "south": ["POL", "UKR"]},
                        reach_km=100)
    assert set(two.sector_zones) == {"north", "south"}
    assert_allclose(sum(z.area for z in two.sector_zones.values()), two.region_geom.area,
                    rtol=1e-4)


def test_belarus_default_sector_table():
    assert regions.default_sectors("BLR") == BLR_SECTORS


def test_region_without_sector_table_gets_one_sector_per_neighbour():
    assert set(regions.neighbours("POL")) == POL_NEIGHBOURS
    assert regions.default_sectors("POL") == {c: (c,) for c in POL_NEIGHBOURS}
    zones = b.build_zones("POL", reach_km=100)
    assert set(zones.sector_zones) == POL_NEIGHBOURS
    assert_allclose(sum(z.area for z in zones.sector_zones.values()), zones.region_geom.area,
                    rtol=1e-4)
    # Warsaw is nearest to the Belarusian border (~150 km; Germany is ~450 km away).
    assert _zone_of(zones, 21.01, 52.23) == ["BLR"]


def test_country_without_land_neighbours_has_no_sector_zones():
    assert regions.neighbours("ISL") == {}
    zones = b.build_zones("ISL")
    assert zones.sector_zones == {}
    assert_allclose(zones.area_km2, 102_000, rtol=0.03)  # Iceland: ~103,000 km2 (any atlas)
