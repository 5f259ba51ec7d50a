"""Sanity warnings about sites outside the region, and forward figures that count only the
region's own sites."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose
from pyproj import Geod

from adcov import Scenario, analyze
from adcov.borders import country_geometry
from adcov.catalog import default_catalog
from adcov.sanity import check_sites, country_at, distance_outside_km
from adcov.scenario import Site

GEOD = Geod(ellps="WGS84")
CAT = default_catalog()


def _geodesic_distance_to_boundary_km(iso3, lon, lat):
    """Brute force: exact geodesics to the boundary densified every ~100 m."""
    line = shapely.segmentize(country_geometry(iso3).boundary, 0.001)
    xy = shapely.get_coordinates(line)
    d = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])[2]
    return float(np.min(d)) / 1000.0


@pytest.mark.parametrize("lon, lat", [(21.0, 52.23), (25.28, 54.69), (30.52, 50.45),
                                      (24.0, 51.2), (33.5, 53.0), (27.0, 56.5)])
def test_distance_outside_against_geodesics(lon, lat):
    assert_allclose(distance_outside_km("BLR", lon, lat),
                    _geodesic_distance_to_boundary_km("BLR", lon, lat), rtol=0.01)


def test_points_inside_are_at_distance_zero():
    for lon, lat in [(27.56, 53.90), (23.83, 53.68), (31.16, 52.30)]:
        assert distance_outside_km("BLR", lon, lat) == 0.0
    # The ray-casting test agrees with GEOS on a lattice over and around Belarus.
    geom = country_geometry("BLR")
    lons, lats = np.meshgrid(np.linspace(22.5, 33.5, 23), np.linspace(50.5, 57.0, 14))
    for lon, lat in zip(lons.ravel(), lats.ravel()):
        assert (distance_outside_km("BLR", lon, lat) == 0.0) == geom.contains(
            shapely.Point(lon, lat)), (lon, lat)


def test_country_at():
    assert country_at(27.56, 53.90) == "BLR"
    assert country_at(21.0, 52.23) == "POL"
    assert country_at(20.5, 54.7) == "RUS"   # Kaliningrad
    assert country_at(19.0, 55.0) is None    # the Baltic


def _scenario(*sites):
    return Scenario(name="t", sites=tuple(sites), altitudes_m=(1000.0, 10000.0))


def test_warnings_for_outside_and_swapped_sites():
    sc = _scenario(Site("in", CAT["Tor-M2"], 27.56, 53.90),
                   Site("edge", CAT["Tor-M2"], 23.60, 52.10),          # on the Polish border
                   Site("warsaw", CAT["S-300PS"], 21.0, 52.23),
                   Site("swapped", CAT["Tor-M2"], 53.90, 27.56))
    warns = {w.site: w for w in check_sites(sc)}
    assert set(warns) == {"warsaw", "swapped"}
    w = warns["warsaw"]
    assert w.kind == "outside" and w.country == "POL"
    assert 140 < w.distance_km < 160 and "km outside BLR" in w.message and "Poland" in w.message
    assert warns["swapped"].kind == "swapped" and "swapped" in warns["swapped"].message


def test_forward_figures_count_only_sites_in_the_region():
    """Coverage of Poland from a site in Poland is not reach across Belarus's border."""
    s400 = CAT["S-400/40N6"]
    outside = _scenario(Site("warsaw", s400, 21.0, 52.23))
    res = analyze(outside)
    sectors = res.zones[res.zones.zone_kind == "sector"]
    assert (sectors.forward_km2 == 0).all() and (sectors.forward_reach_km == 0).all()
    assert sectors.covered_km2.sum() > 0  # it still covers part of Belarus itself
    # Adding an outside site changes nothing beyond the border.
    inside = Site("brest", s400, 23.69, 52.09)
    alone = analyze(_scenario(inside)).zones
    both = analyze(_scenario(inside, Site("warsaw", s400, 21.0, 52.23))).zones
    cols = ["forward_km2", "forward_reach_km"]
    sel = alone.zone_kind == "sector"
    assert_allclose(both.loc[sel, cols].to_numpy(), alone.loc[sel, cols].to_numpy(), rtol=1e-9)
    # More sites never cover less (to rounding: the two grids' cells differ).
    assert (both.loc[sel, "covered_km2"].to_numpy()
            >= alone.loc[sel, "covered_km2"].to_numpy() * (1 - 1e-12)).all()
