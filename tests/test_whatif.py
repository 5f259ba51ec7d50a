"""What would a new site change? Scenario.with_sites and `adcov whatif`, checked against the
closed-form area of the new site's envelope."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace

import numpy as np

import pytest
from click.testing import CliRunner
from numpy.testing import assert_allclose

from adcov.analysis import analyze, compare
from adcov.cli import cli
from adcov.errors import ScenarioError
from adcov.scenario import Scenario

WGS84_A, WGS84_F = 6378137.0, 1 / 298.257223563
E2 = WGS84_F * (2 - WGS84_F)
SOUTH_POINT = (28.0, 52.2)  # inside the south sector zone, about 60 km from its edges
ADD = "name=New Tor,system=Tor-M2,lon=28.0,lat=52.2"


def gaussian_radius(lat):
    s2 = math.sin(math.radians(lat)) ** 2
    return WGS84_A * math.sqrt(1 - E2) / (1 - E2 * s2)


def ground_km(slant_km, ha, ht, lat):
    r = gaussian_radius(lat)
    a, b = r + ha, r + ht
    return r * math.acos((a * a + b * b - (slant_km * 1000) ** 2) / (2 * a * b)) / 1000


def cap_km2(radius_km, lat):
    r = gaussian_radius(lat)
    return 2 * math.pi * r * r * (1 - math.cos(radius_km * 1000 / r)) / 1e6


def tor_annulus_km2(altitude_m, lat):
    """Tor-M2 from the catalog: 15 km and 1 km slant range, 4 m mast; range-limited at 1 km
    altitude (its horizon is ~138 km)."""
    return cap_km2(ground_km(15.0, 4.0, altitude_m, lat), lat) - \
        cap_km2(ground_km(1.0, 4.0, altitude_m, lat), lat)


@pytest.fixture(scope="module")
def base_and_more():
    base = Scenario.builtin("belarus-2021")
    more = base.with_sites({"name": "New Tor", "system": "Tor-M2", "lon": SOUTH_POINT[0],
                            "lat": SOUTH_POINT[1]})
    return base, more, compare(analyze(base), analyze(more))


def test_added_site_adds_its_closed_form_area_where_nothing_covered(base_and_more):
    base, more, table = base_and_more
    assert more.label == "belarus-2021+New Tor"
    assert len(more.sites) == len(base.sites) + 1
    diff = table[table.scenario == "belarus-2021+New Tor - belarus-2021"].set_index(
        ["altitude_m", "zone"])
    expected = tor_annulus_km2(1000.0, SOUTH_POINT[1])
    assert_allclose(diff.loc[(1000.0, "south"), "covered_km2"], expected, rtol=2e-3)
    assert_allclose(diff.loc[(1000.0, "BLR"), "covered_km2"], expected, rtol=2e-3)
    assert diff.loc[(1000.0, "west"), "covered_km2"] == pytest.approx(0.0, abs=1e-6)
    # Above the Tor-M2's 10 km ceiling nothing changes.
    assert diff.loc[(20000.0, "BLR"), "covered_km2"] == pytest.approx(0.0, abs=1e-6)


def test_with_sites_validates_like_a_file():
    base = Scenario.builtin("belarus-2021")
    with pytest.raises(ScenarioError, match="lat") as info:
        base.with_sites({"name": "x", "system": "Tor-M2", "lon": 28.0, "lat": 91.0})
    assert "added site 1.lat" in str(info.value) and "91" in str(info.value)
    with pytest.raises(ScenarioError, match="duplicate"):
        base.with_sites({"name": "Brest", "system": "Tor-M2", "lon": 28.0, "lat": 52.0})
    with pytest.raises(ScenarioError, match="unknown system"):
        base.with_sites({"name": "x", "system": "Tor-M9", "lon": 28.0, "lat": 52.0})


def test_cli_whatif_csv_and_map(tmp_path):
    runner = CliRunner()
    out, html = tmp_path / "change.csv", tmp_path / "change.html"
    res = runner.invoke(cli, ["whatif", "belarus-2021", "--add", ADD, "-f", "csv", "-o", str(out),
                              "--map", str(html), "--tiles", "none"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    labels = {r["scenario"] for r in rows}
    assert labels == {"belarus-2021", "belarus-2021+New Tor", "belarus-2021+New Tor - belarus-2021"}
    south = next(r for r in rows if r["scenario"].endswith(" - belarus-2021")
                 and r["altitude_m"] == "1000.0" and r["zone"] == "south")
    assert_allclose(float(south["covered_km2"]), tor_annulus_km2(1000.0, SOUTH_POINT[1]), rtol=3e-3)
    page = html.read_text(encoding="utf-8")
    assert '"gained"' in page and "New Tor" in page


@pytest.mark.parametrize(("spec", "entry", "value"), [
    ("New Tor", "--add[1]", "'New Tor'"),
    ("name=X,system=Tor-M9,lon=28,lat=52", "--add[1].system", "'Tor-M9'"),
    ("name=X,system=Tor-M2,lon=28,lat=95", "--add[1].lat", "95"),
    ("name=X,system=Tor-M2,lon=east,lat=52", "--add[1].lon", "'east'"),
    ("name=Brest,system=Tor-M2,lon=28,lat=52", "--add[1].name", "'Brest'"),
], ids=["not-key-value", "unknown-system", "lat-95", "lon-text", "duplicate-name"])
def test_cli_whatif_bad_site_is_one_line(tmp_path, spec, entry, value):
    out = tmp_path / "x.csv"
    res = CliRunner().invoke(cli, ["whatif", "belarus-2021", "--add", spec, "-f", "csv",
                                   "-o", str(out)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines() if hasattr(res, "stderr") else res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adcov: error: ")
    assert entry in lines[0] and value in lines[0]
    assert not out.exists()


# --------------------------------------------------------------------------- incremental
# `whatif` builds the second analysis on the first (adcov.analysis.extend): only the new
# envelopes are cut, and the zone rows are updated. It must give what a whole new analysis
# gives, for sites inside and outside the region, with dead zones and sectors, at every
# altitude; and fall back to a whole analysis when anything but the sites changed.
EXTEND_CASES = {
    "s400-south": ("belarus-2021", [dict(name="Mozyr", system="S-400/40N6", lon=29.25,
                                         lat=52.05)]),
    "two-sites": ("belarus-2023", [dict(name="Pinsk", system="S-300PMU-2", lon=26.10, lat=52.11),
                                   dict(name="Gomel", system="Buk-M3", lon=30.98, lat=52.43)]),
    "outside-region": ("belarus-2021", [dict(name="Vilnius", system="S-400/40N6", lon=25.28,
                                             lat=54.69)]),
    "sector": ("belarus-2021", [dict(name="Sector", system="Tor-M2", lon=28.0, lat=52.2,
                                     azimuth_deg=180.0, sector_width_deg=90.0)]),
}


@pytest.mark.parametrize("case", sorted(EXTEND_CASES))
def test_incremental_whatif_equals_a_whole_analysis(case):
    from adcov.analysis import whatif

    name, adds = EXTEND_CASES[case]
    sc = Scenario.builtin(name)
    a, b = whatif(sc, *adds)
    whole = analyze(sc.with_sites(*adds))
    assert b.scenario.label == whole.scenario.label
    zb, zw = b.zones, whole.zones
    assert list(zb.columns) == list(zw.columns) and len(zb) == len(zw)
    assert (zb.gap_count.values == zw.gap_count.values).all()
    for col in zb.columns:
        if zb[col].dtype.kind == "f":
            assert_allclose(zb[col], zw[col], rtol=1e-9, atol=1e-9, err_msg=col)
        else:
            assert (zb[col].values == zw[col].values).all(), col
    for col in b.sites.columns:
        if b.sites[col].dtype.kind == "f":
            assert_allclose(b.sites[col], whole.sites[col], rtol=1e-9, atol=1e-9, err_msg=col)
    # The base analysis is the scenario's own, whatever extent its grid was given.
    base = analyze(sc)
    for col in ("covered_km2", "mean_depth", "depth2_km2", "largest_gap_km2", "forward_km2"):
        assert_allclose(a.zones[col], base.zones[col], rtol=1e-9, atol=1e-9, err_msg=col)
    # The gaps are the same places.
    for alt in sc.altitudes_m:
        gb, gw = b.at(alt).gaps, whole.at(alt).gaps
        for zone in gw:
            assert len(gb[zone]) == len(gw[zone])
            for p, q in zip(gb[zone], gw[zone]):
                assert p.symmetric_difference(q).area <= 1e-6 * q.area + 1.0


def test_incremental_whatif_in_crowded_cells():
    """Forty Tor-M2 packed around Minsk and three more added among them: cells where more
    than a few envelopes overlap and none covers the cell whole (unique areas shared out by
    parts, stats._add_unique_parts), measured only in the cells the new ones touch; the site
    and zone tables equal a whole analysis."""
    from adcov.analysis import whatif

    rng = np.random.default_rng(8)
    packed = [dict(name=f"T{i}", system="Tor-M2", lon=float(rng.uniform(27.2, 27.9)),
                   lat=float(rng.uniform(53.7, 54.1))) for i in range(43)]
    sc = replace(Scenario.builtin("belarus-2023").with_sites(*packed[:40]),
                 altitudes_m=(10.0, 1000.0, 5000.0))
    a, b = whatif(sc, *packed[40:])
    whole = analyze(sc.with_sites(*packed[40:]))
    for col in ("covered_km2", "unique_km2", "loss_if_removed_fraction"):
        assert_allclose(b.sites[col], whole.sites[col], rtol=1e-9, atol=1e-9, err_msg=col)
    for col in ("covered_km2", "mean_depth", "depth2_km2", "depth3_km2"):
        assert_allclose(b.zones[col], whole.zones[col], rtol=1e-9, atol=1e-9, err_msg=col)
    assert (b.sites.unique_km2 > 0).sum() >= 10


def test_extend_falls_back_when_more_than_sites_changed():
    from dataclasses import replace

    from adcov.analysis import extend

    sc = Scenario.builtin("belarus-2021")
    a = analyze(sc)
    other = replace(sc.with_sites(dict(name="T", system="Tor-M2", lon=28.0, lat=52.2)),
                    altitudes_m=(1000.0,))
    b = extend(a, other)
    assert list(b.zones.altitude_m.unique()) == [1000.0]
    assert_allclose(b.zones.covered_km2, analyze(other).zones.covered_km2, rtol=1e-12)
