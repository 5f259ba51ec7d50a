"""Tests for adcov.sitesfile: sites files as analysts have them (CSV of any common separator and
header spelling, degrees-minutes-seconds and MGRS, GeoJSON in a named CRS, GeoPackage, the
export's own sites layer), checked against values worked out by hand or by a second route."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcov import analyze
from adcov.catalog import default_catalog
from adcov.cli import cli
from adcov.errors import ScenarioError
from adcov.scenario import Scenario, Site, validate_file
from adcov.sitesfile import parse_coordinate, parse_mgrs, read_sites_file
from test_browser import driver  # noqa: F401 - the headless browser fixture

HEADER = 'name = "t"\nregion = "BLR"\naltitudes_m = [1000]\n'

# Two sites (Brest, Minsk) as every CSV below gives them.
EXPECTED = [("Brest", "S-300PS", 23.69, 52.09), ("Minsk", "Tor-M2", 27.56, 53.9)]


def write(path: Path, text, *, encoding="utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding=encoding, newline="")
    return path


def sites_of(path: Path):
    """The sites of a sites file read as a scenario's ``sites_file``."""
    scen = write(path.parent / f"{path.stem}-scenario.toml",
                 HEADER + f"sites_file = {json.dumps(path.name)}\n")
    return Scenario.from_file(scen).sites


def error_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        sites_of(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    return info.value


def assert_sites(sites, expected=EXPECTED, tol=1e-12):
    assert [(s.name, s.system.id) for s in sites] == [e[:2] for e in expected]
    for s, (_, _, lon, lat) in zip(sites, expected):
        assert s.lon == pytest.approx(lon, abs=tol) and s.lat == pytest.approx(lat, abs=tol)


# --------------------------------------------------------------------------------------------
# CSV: separators, header spellings, extra columns
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_separator_is_sniffed(tmp_path, sep):
    rows = [["name", "system", "lon", "lat", "notes"],
            ["Brest", "S-300PS", "23.69", "52.09", "west"],
            ["Minsk", "Tor-M2", "27.56", "53.9", ""]]
    path = write(tmp_path / "sites.csv", "".join(sep.join(r) + "\r\n" for r in rows))
    sites = sites_of(path)
    assert_sites(sites)
    assert [s.notes for s in sites] == ["west", ""]


def test_csv_quoted_cells_hold_the_other_separators(tmp_path):
    path = write(tmp_path / "sites.csv",
                 'name;system;lon;lat;comment\n"Brest, west";S-300PS;23.69;52.09;"a; b, c"\n'
                 'Minsk;Tor-M2;27.56;53.9;\n')
    sites = sites_of(path)
    assert sites[0].name == "Brest, west"
    assert dict(sites[0].properties) == {"comment": "a; b, c"}


def test_semicolon_csv_with_decimal_commas(tmp_path):
    """What Excel writes in a locale with a decimal comma."""
    path = write(tmp_path / "sites.csv", "Name;System;Lon;Lat;Antenna_Height_m\n"
                                         "Brest;S-300PS;23,69;52,09;38,5\n"
                                         "Minsk;Tor-M2;27,56;53,9;\n")
    sites = sites_of(path)
    assert_sites(sites)
    assert sites[0].antenna_height_m == 38.5 and sites[1].antenna_height_m is None


@pytest.mark.parametrize("header", [
    "name,system,lon,lat",
    "NAME,SYSTEM,LON,LAT",
    " Name , System , Lon , Lat ",
    "site,type,lng,latitude",
    "Site,Type,Longitude,Latitude",
    "name,system,long,lat",
    "name,system,x,y",
    "Y,X,Type,Site",
])
def test_csv_headers_any_case_with_aliases(tmp_path, header):
    keys = {"name": "name", "site": "name", "system": "system", "type": "system", "lon": "lon",
            "lng": "lon", "long": "lon", "longitude": "lon", "x": "lon", "lat": "lat",
            "latitude": "lat", "y": "lat"}
    cols = [keys[h.strip().lower()] for h in header.split(",")]
    rows = [dict(zip(("name", "system", "lon", "lat"), map(str, e))) for e in EXPECTED]
    text = header + "\n" + "".join(",".join(r[c] for c in cols) + "\n" for r in rows)
    assert_sites(sites_of(write(tmp_path / "sites.csv", text)))


@pytest.mark.parametrize(("header", "first", "second"), [
    ("name,system,lon,lat,x", "lon", "x"),
    ("name,system,Longitude,lat,LNG", "Longitude", "LNG"),
    ("name,site,system,lon,lat", "name", "site"),
    ("name,type,system,lon,lat", "type", "system"),
    ("name,system,lon,lat,Y", "lat", "Y"),
])
def test_two_columns_for_one_key_are_an_error_naming_both(tmp_path, header, first, second):
    n = header.count(",") + 1
    text = header + "\n" + ",".join(["A", "Tor-M2", "27.5", "53.9"] + ["1"] * (n - 4)) + "\n"
    exc = error_of(write(tmp_path / "sites.csv", text))
    assert exc.entry == "header" and exc.value == second
    assert f"'{first}'" in exc.message and f"'{second}'" in exc.message


def test_extra_columns_become_properties(tmp_path):
    path = write(tmp_path / "sites.csv",
                 "fid,name,system,lon,lat,unit,Comment,Strength (%)\n"
                 "1,Brest,S-300PS,23.69,52.09,1st bn,near the airfield,80\n"
                 "2,Minsk,Tor-M2,27.56,53.9,,,\n")
    brest, minsk = sites_of(path)
    assert dict(brest.properties) == {"fid": "1", "unit": "1st bn",
                                      "Comment": "near the airfield", "Strength (%)": "80"}
    assert list(brest.properties) == ["fid", "unit", "Comment", "Strength (%)"]
    assert dict(minsk.properties) == {"fid": "2"}  # empty cells are not given


def test_csv_rows_of_empty_cells_and_trailing_separators(tmp_path):
    path = write(tmp_path / "sites.csv", "name,system,lon,lat,,\n\nBrest,S-300PS,23.69,52.09,,\n"
                                         ",,,,\nMinsk,Tor-M2,27.56,53.9\n")
    assert_sites(sites_of(path))


# --------------------------------------------------------------------------------------------
# Degrees, minutes and seconds
# --------------------------------------------------------------------------------------------

# Worked out by hand: 52°05'30" = 52 + 5/60 + 30/3600 = 52 + 0.083333... + 0.008333...
# = 52.091666...; 23°41'24" = 23 + 0.683333... + 0.006666... = 23.69 exactly;
# 52°05.5' = 52 + 5.5/60 = 52.091666...; 27°33'36" = 27 + 0.55 + 0.01 = 27.56;
# 53°54' = 53.9; 0°30' = 0.5; 12°34'56.7" = 12 + 34/60 + 56.7/3600 = 12.582416666...
LAT_52_05_30 = 52.091666666666667
DMS_CASES = [
    ("52°05'30\"N", "lat", LAT_52_05_30),
    ("52 05 30 N", "lat", LAT_52_05_30),
    ("52 05 30N", "lat", LAT_52_05_30),
    ("52:05:30N", "lat", LAT_52_05_30),
    ("52:05:30 n", "lat", LAT_52_05_30),
    ("N52°05'30\"", "lat", LAT_52_05_30),
    ("N 52 05 30", "lat", LAT_52_05_30),
    ("52°05′30″N", "lat", LAT_52_05_30),
    ("52º05'30''N", "lat", LAT_52_05_30),
    ("52° 05' 30\" N", "lat", LAT_52_05_30),
    ("52°05.5'N", "lat", LAT_52_05_30),
    ("52 05.5 N", "lat", LAT_52_05_30),
    ("52°05'30.0\"", "lat", LAT_52_05_30),
    ("52.0916666666666667", "lat", LAT_52_05_30),
    ("52.0916666666666667°N", "lat", LAT_52_05_30),
    ("52°05'30\"S", "lat", -LAT_52_05_30),
    ("-52°05'30\"", "lat", -LAT_52_05_30),
    ("23°41'24\"E", "lon", 23.69),
    ("23°41'24\"W", "lon", -23.69),
    ("W23°41'24\"", "lon", -23.69),
    ("023 41 24 W", "lon", -23.69),
    ("27°33'36\"E", "lon", 27.56),
    ("53°54'N", "lat", 53.9),
    ("53 54 N", "lat", 53.9),
    ("53:54", "lat", 53.9),
    ("-0°30'", "lat", -0.5),
    ("0°30'S", "lat", -0.5),
    ("12°34'56.7\"E", "lon", 12.582416666666667),
    ("12°34'56,7\"E", "lon", 12.582416666666667),
    ("179°59'59.9\"W", "lon", -(179 + 59 / 60 + 59.9 / 3600)),
    ("180W", "lon", -180.0),
    ("90°S", "lat", -90.0),
    ("52N", "lat", 52.0),
]


@pytest.mark.parametrize(("text", "axis", "expected"), DMS_CASES,
                         ids=[f"{t}-{a}" for t, a, _ in DMS_CASES])
def test_parse_coordinate(text, axis, expected):
    assert parse_coordinate(text, axis) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("text", "axis", "says"), [
    ("52°05'30\"N", "lon", "N is a latitude hemisphere letter"),
    ("52°05'30\"S", "lon", "S is a latitude hemisphere letter"),
    ("23°41'24\"E", "lat", "E is a longitude hemisphere letter"),
    ("W23°41'24\"", "lat", "W is a longitude hemisphere letter"),
    ("N52°05'30\"S", "lat", "two hemisphere letters"),
    ("-52°05'30\"N", "lat", "both a sign and a hemisphere letter"),
    ("52°60'N", "lat", "minutes of 60 or more"),
    ("52°05'60\"N", "lat", "seconds of 60 or more"),
    ("52.5°30'N", "lat", "minutes after degrees with a fraction"),
    ("52°05.5'30\"N", "lat", "seconds after minutes with a fraction"),
    ("91°N", "lat", "more than 90 degrees"),
    ("180°00'01\"E", "lon", "more than 180 degrees"),
    ("52°05'30\"X", "lat", "is not a coordinate"),
    ("52 05 30 40", "lat", "is not a coordinate"),
    ("5_2", "lat", "is not a coordinate"),
    ("north", "lat", "is not a coordinate"),
    ("N", "lat", "is not a coordinate"),
])
def test_parse_coordinate_refuses(text, axis, says):
    with pytest.raises(ValueError, match=says):
        parse_coordinate(text, axis)


def test_dms_in_a_csv(tmp_path):
    path = write(tmp_path / "sites.csv", "name,system,lat,lon\n"
                                         "Brest,S-300PS,52°05'30\"N,23°41'24\"E\n"
                                         "Minsk,Tor-M2,53 54 00 N,27:33:36E\n")
    assert_sites(sites_of(path), [("Brest", "S-300PS", 23.69, LAT_52_05_30),
                                  ("Minsk", "Tor-M2", 27.56, 53.9)])


@pytest.mark.parametrize(("lon", "lat", "entry", "says"), [
    ("52N", "23E", "row 1 (line 2).lon", "N is a latitude hemisphere letter"),
    ("23E", "52E", "row 1 (line 2).lat", "E is a longitude hemisphere letter"),
    ("23°61'E", "52N", "row 1 (line 2).lon", "minutes of 60 or more"),
])
def test_dms_errors_name_the_cell(tmp_path, lon, lat, entry, says):
    path = write(tmp_path / "sites.csv", f"name,system,lon,lat\nA,Tor-M2,{lon},{lat}\n")
    exc = error_of(path)
    assert exc.entry == entry and says in exc.message
    assert exc.value == (lon if entry.endswith("lon") else lat)


# --------------------------------------------------------------------------------------------
# MGRS, checked against pyproj's UTM from the 100 km square worked out by hand
# --------------------------------------------------------------------------------------------

# (reference, UTM zone, north?, easting, northing, cell size [m]); a reference names the
# centre of its cell: (easting + cell / 2, northing + cell / 2). The 100 km square letters, by hand:
# columns cycle over three zone sets of eight letters (set = zone mod 3: 1 A-H, 2 J-R, 0 S-Z)
# from 100 km; rows cycle over 20 letters A-V (no I, O) from northing 0, shifted by five
# letters (starting at F) in even zones; the 2,000 km cycle is the one that puts the point
# in its latitude band.
MGRS_CASES = [
    # 35U NV: zone 35 -> set 2, N = 5th of JKLMNPQR -> 500 km; odd zone, V = 19th row letter
    # -> 1,900 km; band U (48-56 N) -> + 4,000 km.
    ("35UNV3679572540", 35, True, 536_795, 5_972_540, 1),
    ("35U NV 36795 72540", 35, True, 536_795, 5_972_540, 1),
    ("35unv3679572540", 35, True, 536_795, 5_972_540, 1),
    ("35UNV367725", 35, True, 536_700, 5_972_500, 100),
    ("35UNV", 35, True, 500_000, 5_900_000, 100_000),
    # 34U FC: zone 34 -> set 1, F = 6th of ABCDEFGH -> 600 km; even zone, rows from F:
    # C is 17th of FGHJKLMNPQRSTUVABCDE -> 1,700 km; band U -> + 4,000 km.
    ("34UFC2353671977", 34, True, 623_536, 5_771_977, 1),
    # 56H LH: zone 56 -> set 2, L = 3rd of JKLMNPQR -> 300 km; even zone, H is 3rd of
    # FGHJ... -> 200 km; band H (40-32 S, false northing 10,000 km) -> + 6,000 km.
    ("56HLH3435051165", 56, False, 334_350, 6_251_165, 1),
    # 18T WL: zone 18 -> set 0, W = 5th of STUVWXYZ -> 500 km; even zone, L is 6th of
    # FGHJKL... -> 500 km; band T (40-48 N) -> + 4,000 km.
    ("18TWL8395406780", 18, True, 583_954, 4_506_780, 1),
]


def utm_to_lonlat(zone, north, easting, northing):
    from pyproj import Transformer

    epsg = (32600 if north else 32700) + zone
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True).transform(
        easting, northing)


@pytest.mark.parametrize(("ref", "zone", "north", "easting", "northing", "cell"), MGRS_CASES,
                         ids=[c[0] for c in MGRS_CASES])
def test_parse_mgrs_against_utm(ref, zone, north, easting, northing, cell):
    lon, lat = parse_mgrs(ref)
    want = utm_to_lonlat(zone, north, easting + cell / 2, northing + cell / 2)
    # 1e-7 deg is about 1 cm
    assert lon == pytest.approx(want[0], abs=1e-7) and lat == pytest.approx(want[1], abs=1e-7)


def test_mgrs_column_instead_of_lon_lat(tmp_path):
    path = write(tmp_path / "sites.csv", "name,system,MGRS,lon,lat\n"
                                         "Minsk,Tor-M2,35UNV3679572540,,\n"
                                         "Brest,S-300PS,,23.69,52.09\n")
    minsk, brest = sites_of(path)
    want = utm_to_lonlat(35, True, 536_795.5, 5_972_540.5)
    assert (minsk.lon, minsk.lat) == pytest.approx(want, abs=1e-7)
    assert (brest.lon, brest.lat) == (23.69, 52.09)
    only = write(tmp_path / "only.csv", "name,system,mgrs\nMinsk,Tor-M2,35UNV3679572540\n")
    assert (sites_of(only)[0].lon, sites_of(only)[0].lat) == pytest.approx(want, abs=1e-7)


@pytest.mark.parametrize(("cells", "says"), [
    ("35UNV3679572540,27.5,53.9", "gives both mgrs and lon/lat"),
    ("35UNV3679572540,,53.9", "gives both mgrs and lon/lat"),
    ("35UNV367957254,,", "is not an MGRS reference"),
    ("NV3679572540,,", "is not an MGRS reference"),
    ("35UNC5000050000,,", "100 km square is not in its latitude band"),
    ("61UNV3679572540,,", "is not a valid MGRS reference"),
])
def test_bad_mgrs(tmp_path, cells, says):
    path = write(tmp_path / "sites.csv", f"name,system,mgrs,lon,lat\nA,Tor-M2,{cells}\n")
    exc = error_of(path)
    assert exc.entry == "row 1 (line 2).mgrs" and exc.value == cells.split(",")[0]
    assert says in exc.message


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("suffix", "text", "line"), [
    (".csv", "name,system,lon,lat\nA,Tor-M2,27.5,53.9\nBrést,Tor-M2,27.6,53.8\n", 3),
    (".geojson", '{"type": "FeatureCollection",\n"features": [{"type": "Feature",\n'
                 '"properties": {"name": "Brést", "system": "Tor-M2"},\n"geometry": '
                 '{"type": "Point", "coordinates": [27.5, 53.9]}}]}\n', 3),
])
def test_not_utf8_names_the_line_and_how_to_fix_it(tmp_path, suffix, text, line):
    path = write(tmp_path / f"sites{suffix}", text.encode("cp1252"))
    exc = error_of(path)
    assert exc.entry == f"line {line}" and exc.value == b"\xe9"
    assert "re-save" in exc.message and "UTF-8" in exc.message
    assert validate_file(path)[0].entry == f"line {line}"


def test_utf16_is_named(tmp_path):
    path = write(tmp_path / "sites.csv", "name,system,lon,lat\nA,Tor-M2,27.5,53.9\n"
                 .encode("utf-16"))
    exc = error_of(path)
    assert "UTF-16" in exc.message and "UTF-8" in exc.message


def test_utf8_bom_is_fine(tmp_path):
    path = write(tmp_path / "sites.csv", b"\xef\xbb\xbf" + "Name;Type;Lat;Lon\n"
                 "Brest;S-300PS;52.09;23.69\nMinsk;Tor-M2;53.9;27.56\n".encode())
    assert_sites(sites_of(path))


# --------------------------------------------------------------------------------------------
# GeoJSON: properties and a named CRS
# --------------------------------------------------------------------------------------------

R_WEB_M = 6_378_137.0  # the sphere of Web Mercator (EPSG:3857) [m]


def web_mercator(lon, lat):
    """EPSG:3857 in closed form: x = R lon, y = R ln tan(pi/4 + lat/2)."""
    return (R_WEB_M * math.radians(lon),
            R_WEB_M * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def feature_collection(points, crs=None, props=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(xy)},
         "properties": {"name": name, "system": system, **(props or {})}}
        for (name, system, *_), xy in zip(EXPECTED, points)]}
    if crs is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc)


@pytest.mark.parametrize("crs", ["EPSG:3857", "urn:ogc:def:crs:EPSG::3857", "epsg:3857"])
def test_geojson_crs_web_mercator_is_reprojected(tmp_path, crs):
    pts = [web_mercator(lon, lat) for *_, lon, lat in EXPECTED]
    path = write(tmp_path / "sites.geojson", feature_collection(pts, crs))
    assert_sites(sites_of(path), tol=1e-9)


@pytest.mark.parametrize("crs", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "OGC:CRS84"])
def test_geojson_crs_wgs84_lon_lat(tmp_path, crs):
    pts = [(lon, lat) for *_, lon, lat in EXPECTED]
    assert_sites(sites_of(write(tmp_path / "sites.geojson", feature_collection(pts, crs))))


def test_geojson_crs_utm(tmp_path):
    """A UTM CRS: coordinates from the MGRS case above, worked out by hand."""
    want = utm_to_lonlat(35, True, 536_795, 5_972_540)
    doc = json.loads(feature_collection([(536_795, 5_972_540)], "EPSG:32635"))
    path = write(tmp_path / "sites.geojson", json.dumps(doc))
    (site,) = sites_of(path)
    assert (site.lon, site.lat) == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize(("crs", "entry"), [
    ({"type": "name", "properties": {"name": "EPSG:999999"}}, "crs.properties.name"),
    ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::0"}}, "crs.properties.name"),
    ({"type": "name", "properties": {"name": "Lambert-ish"}}, "crs.properties.name"),
    ({"type": "link", "properties": {"href": "http://x/crs", "type": "proj4"}}, "crs"),
    ({"type": "name"}, "crs"),
    ("EPSG:3857", "crs"),
])
def test_geojson_unknown_crs_is_refused_naming_it(tmp_path, crs, entry):
    doc = json.loads(feature_collection([(27.5, 53.9)]))
    doc["crs"] = crs
    exc = error_of(write(tmp_path / "sites.geojson", json.dumps(doc)))
    assert exc.entry == entry
    assert exc.value == (crs["properties"]["name"] if entry.endswith("name") else crs)


def test_geojson_other_properties_are_site_properties(tmp_path):
    props = {"unit": "1st bn", "fid": 4, "strength": 0.5, "empty": None, "Source": "OSINT"}
    pts = [(lon, lat) for *_, lon, lat in EXPECTED]
    sites = sites_of(write(tmp_path / "sites.geojson", feature_collection(pts, None, props)))
    assert dict(sites[0].properties) == {"unit": "1st bn", "fid": 4, "strength": 0.5}
    assert sites[0].source == "OSINT"  # a site key, in any case


def test_geojson_lon_lat_attributes_that_repeat_the_geometry_are_dropped(tmp_path):
    """QGIS keeps the columns a point layer was made from."""
    doc = json.loads(feature_collection([(23.69, 52.09), (27.56, 53.9)]))
    for f in doc["features"]:
        f["properties"].update(X=f["geometry"]["coordinates"][0],
                               Y=f["geometry"]["coordinates"][1])
    sites = sites_of(write(tmp_path / "sites.geojson", json.dumps(doc)))
    assert_sites(sites)
    assert all(dict(s.properties) == {} for s in sites)


def test_a_layer_attribute_alone_does_not_make_an_export(tmp_path):
    """QGIS's "Merge vector layers" adds ``layer``; only the export's sites layer is special."""
    pts = [(lon, lat) for *_, lon, lat in EXPECTED]
    path = write(tmp_path / "sites.geojson", feature_collection(pts, None, {"layer": "north"}))
    sites = sites_of(path)
    assert_sites(sites)
    assert dict(sites[0].properties) == {"layer": "north"}


# --------------------------------------------------------------------------------------------
# GeoPackage
# --------------------------------------------------------------------------------------------

def gpkg(path: Path, layers: dict) -> Path:
    """A GeoPackage of {layer: (crs, [(name, system, x, y, extra dict), ...] or a shapely
    geometry list)}."""
    import geopandas as gpd
    import shapely

    for layer, (crs, rows) in layers.items():
        if rows and not isinstance(rows[0], tuple):
            gdf = gpd.GeoDataFrame({"id": list(range(len(rows)))}, geometry=rows, crs=crs)
        else:
            gdf = gpd.GeoDataFrame([{"name": n, "system": s, **extra}
                                    for n, s, _, _, extra in rows],
                                   geometry=shapely.points([r[2] for r in rows],
                                                           [r[3] for r in rows]), crs=crs)
        gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def test_gpkg_only_point_layer_in_web_mercator(tmp_path):
    import shapely

    rows = [(n, s, *web_mercator(lon, lat), {"unit": "1st bn", "rank": 3})
            for n, s, lon, lat in EXPECTED]
    path = gpkg(tmp_path / "deploy.gpkg", {
        "positions": ("EPSG:3857", rows),
        "area": ("EPSG:4326", [shapely.box(23, 51, 33, 56)])})
    sites = sites_of(path)
    assert_sites(sites, tol=1e-9)
    assert dict(sites[0].properties) == {"unit": "1st bn", "rank": 3}
    assert Scenario.resolve(path).name == "Sites from deploy.gpkg"


def test_gpkg_layer_named_sites_is_preferred(tmp_path):
    rows = [(n, s, lon, lat, {}) for n, s, lon, lat in EXPECTED]
    path = gpkg(tmp_path / "two.gpkg", {"old": ("EPSG:4326", rows[:1]),
                                        "sites": ("EPSG:4326", rows)})
    assert_sites(sites_of(path))


@pytest.mark.parametrize("layers", ["two-point-layers", "no-point-layer"])
def test_gpkg_without_a_sites_layer_to_choose(tmp_path, layers):
    import shapely

    rows = [(n, s, lon, lat, {}) for n, s, lon, lat in EXPECTED]
    content = ({"a": ("EPSG:4326", rows), "b": ("EPSG:4326", rows)}
               if layers == "two-point-layers" else
               {"area": ("EPSG:4326", [shapely.box(23, 51, 33, 56)])})
    exc = error_of(gpkg(tmp_path / "x.gpkg", content))
    assert exc.entry == "layer" and "none named 'sites'" in exc.message


def test_not_a_geopackage(tmp_path):
    exc = error_of(write(tmp_path / "sites.gpkg", "name,system,lon,lat\n"))
    assert "cannot be read as a GeoPackage" in exc.message


# --------------------------------------------------------------------------------------------
# The sites layer of adcov export reads back
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def blr2023():
    sc = Scenario.builtin("belarus-2023")
    return sc, analyze(sc)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_export_round_trip(tmp_path, blr2023, suffix):
    from adcov.render.export import write as export

    original, result = blr2023
    path = export(result, tmp_path / f"export{suffix}")
    scen = write(tmp_path / "again.toml", HEADER + f'sites_file = "export{suffix}"\n')
    again = Scenario.from_file(scen)
    assert len(again.sites) == len(original.sites) == 13
    for a, b in zip(original.sites, again.sites):
        assert (b.name, b.system) == (a.name, a.system)
        assert b.lon == pytest.approx(a.lon, abs=1e-6) and b.lat == pytest.approx(a.lat, abs=1e-6)
        assert b.antenna_height_m == a.antenna_height_m
        assert b.effective_antenna_height_m == a.effective_antenna_height_m
        assert b.azimuth_deg == a.azimuth_deg
        assert b.effective_sector_width_deg == a.effective_sector_width_deg
        assert (b.source, b.notes) == (a.source, a.notes)
        assert dict(b.properties) == {}  # the system's columns are not properties
    # ... and as a scenario of its own
    alone = Scenario.resolve(path)
    assert alone.region == "BLR" and [s.name for s in alone.sites] == [
        s.name for s in original.sites]
    assert alone.input_paths == [path]


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_export_round_trip_keeps_properties(tmp_path, suffix):
    """Properties, including names an export's own columns take (color, fid, family), of
    every type, missing on some sites."""
    from adcov.render.export import write as export

    text = HEADER + """
[[sites]]
name = "A"
system = "Patriot/PAC-2-GEM-T"
lon = 27.56
lat = 53.9
azimuth_deg = 270.0
properties = { unit = "1st bn", color = "red", fid = 12, strength = 0.25, family = "x" }

[[sites]]
name = "B"
system = "S-300PS"
lon = 23.69
lat = 52.09
antenna_height_m = 39.0
properties = { unit = "2nd bn" }
"""
    sc = Scenario.from_file(write(tmp_path / "p.toml", text))
    path = export(analyze(sc), tmp_path / f"p{suffix}")
    again = Scenario.from_sites_file(path)
    assert [dict(s.properties) for s in again.sites] == [dict(s.properties) for s in sc.sites]
    assert again.sites[1].antenna_height_m == 39.0 and again.sites[0].antenna_height_m is None
    assert again.sites[0].azimuth_deg == 270.0 and again.sites[0].sector_width_deg is None
    assert again.sites[0].effective_sector_width_deg == 120.0
    assert again.sites == sc.sites  # positions written with 6 decimals: these have fewer


def test_export_sites_layer_has_a_column_per_property(tmp_path):
    import geopandas as gpd
    import pandas as pd

    from adcov.render.export import layers, to_kml

    text = HEADER + """
[[sites]]
name = "A"
system = "Tor-M2"
lon = 27.56
lat = 53.9
notes = "by the road"
properties = { unit = "<b>1st</b> & co", fid = 12 }

[[sites]]
name = "B"
system = "Tor-M2"
lon = 27.0
lat = 53.5
properties = { comment = "x" }
"""
    result = analyze(Scenario.from_file(write(tmp_path / "p.toml", text)))
    sites = layers(result)["sites"]
    assert isinstance(sites, gpd.GeoDataFrame)
    cols = list(sites.columns)
    assert cols[cols.index("notes") - 1] == "source"
    assert cols[cols.index("color") + 1:] == ["unit", "fid_property", "comment", "geometry"]
    def plain(column):
        return [None if pd.isna(v) else v for v in column]

    assert plain(sites.unit) == ["<b>1st</b> & co", None]
    assert plain(sites.fid_property) == [12, None]
    assert plain(sites.comment) == [None, "x"]
    assert list(sites.notes) == ["by the road", ""]
    kml = to_kml(result)
    # HTML-escaped for Google Earth, then XML-escaped by ElementTree.
    assert "&lt;b&gt;unit&lt;/b&gt;: &amp;lt;b&amp;gt;1st&amp;lt;/b&amp;gt; &amp;amp; co" in kml
    assert "&lt;b&gt;fid&lt;/b&gt;: 12" in kml
    assert "&lt;b&gt;Notes&lt;/b&gt;: by the road" in kml


def test_map_data_carries_site_properties_as_pairs(tmp_path):
    from adcov.render.maps import map_data

    text = HEADER + """
[[sites]]
name = "A"
system = "Tor-M2"
lon = 27.56
lat = 53.9
properties = { unit = "<img src=x onerror=alert(1)>", "10" = 1, fid = 2 }
"""
    data = map_data(analyze(Scenario.from_file(write(tmp_path / "p.toml", text))))
    site = data["altitudes"][0]["sites"][0]
    assert site["properties"] == [["unit", "<img src=x onerror=alert(1)>"], ["10", 1],
                                  ["fid", 2]]


# --------------------------------------------------------------------------------------------
# Every problem at once; the command line
# --------------------------------------------------------------------------------------------

def test_validate_file_collects_every_bad_row(tmp_path):
    path = write(tmp_path / "sites.csv",
                 "name;system;lat;lon;mgrs;unit\n"
                 "A;Tor-M2;52N;23E;;\n"
                 "B;Tor-M2;23E;52N;;\n"
                 "C;Tor-M2;;;35UNV36795;\n"
                 "D;Nope;53.9;27.5;;\n"
                 "E;Tor-M2;53.9;27.5;35UNV3679572540;\n"
                 "F;Tor-M2;53.9;27.5;;" + "x" * 2001 + "\n"
                 "G;Tor-M2;53°61'N;27.5;;\n")
    scen = write(tmp_path / "s.toml", HEADER + 'sites_file = "sites.csv"\n')
    for problems in (validate_file(scen), validate_file(path)):
        assert [p.entry for p in problems] == [
            "row 2 (line 3).lat", "row 3 (line 4).mgrs", "row 4 (line 5).system",
            "row 5 (line 6).mgrs", "row 6 (line 7).unit", "row 7 (line 8).lat"]
        assert all(str(path) in str(p) for p in problems)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)


def test_cli_validate_and_stats_take_a_sites_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "sites.csv", "Site;Type;Lat;Lon\nBrest;S-300PS;52°05'30\"N;23°41'24\"E\n"
                                  "Minsk;Tor-M2;53 54 00 N;27 33 36 E\n")
    res = run("validate", "sites.csv")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == "sites.csv: OK"
    assert res.stderr.splitlines() == [
        "adcov: note: region BLR: the country holding 2 of 2 sites (choose with --region)",
        "adcov: note: altitudes: the default 50, 300, 1000, 5000, 10000, 20000 m "
        "(choose with --altitudes)"]
    res = run("stats", "sites.csv", "-f", "csv", "--altitudes", "1000", "--region", "belarus")
    assert res.exit_code == 0, res.stderr
    assert res.stderr == ""  # nothing chosen for the user: nothing to tell
    rows = res.stdout.splitlines()
    assert len(rows) == 1 + 7 and rows[1].startswith("sites,1000.0,BLR,region,")
    res = run("stats", "sites.csv", "-f", "csv", "--region", "POL")
    assert res.exit_code == 0, res.stderr
    assert [ln for ln in res.stderr.splitlines() if "note:" in ln] == [
        "adcov: note: altitudes: the default 50, 300, 1000, 5000, 10000, 20000 m "
        "(choose with --altitudes)"]
    assert "outside" in res.stderr  # the sites lie in Belarus, not in the region chosen


def test_cli_validate_reports_every_bad_row_of_a_sites_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "sites.csv", "name,system,lon,lat\nA,Tor-M2,52N,53.9\nB,Nope,27.5,53.9\n")
    res = run("validate", "sites.csv")
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        "adcov: error: sites.csv: row 1 (line 2).lon: N is a latitude hemisphere letter, but "
        "this is the lon column (got '52N')",
        "adcov: error: sites.csv: row 2 (line 3).system: " + next(
            p for p in validate_file(tmp_path / "sites.csv") if "system" in p.entry).message
        + " (got 'Nope')",
        "sites.csv: 2 problem(s)"]


def test_read_sites_file_rows(tmp_path):
    """The reader's own output: plain values and properties, one row per site."""
    path = write(tmp_path / "s.csv", "name,system,lon,lat,unit\nA,Tor-M2,27.5,53°54'N,x\n")
    (row,) = read_sites_file(path)
    assert row.entry == "row 1 (line 2)" and row.file == path and not row.exported
    assert row.values == {"name": "A", "system": "Tor-M2", "lon": 27.5, "lat": 53.9,
                          "properties": {"unit": "x"}}


def test_site_built_from_python_with_properties_matches_the_csv(tmp_path):
    path = write(tmp_path / "s.csv", "name,system,lon,lat,unit\nA,Tor-M2,27.5,53.9,x\n")
    (site,) = sites_of(path)
    assert site == Site(name="A", system=default_catalog()["Tor-M2"], lon=27.5, lat=53.9,
                        properties={"unit": "x"})


def test_validating_a_csv_or_geojson_sites_file_stays_light(tmp_path):
    """No numpy, shapely, pyproj or pandas for a CSV (DMS included) or a GeoJSON without a
    ``crs``: they are imported only for a CRS, a GeoPackage or the analysis."""
    import os
    import subprocess
    import sys

    csv_path = write(tmp_path / "sites.csv", "Site;Type;Lat;Lon;unit\n"
                                             "Brest;S-300PS;52°05'30\"N;23°41'24\"E;x\n")
    pts = [(lon, lat) for *_, lon, lat in EXPECTED]
    gj_path = write(tmp_path / "sites.geojson", feature_collection(pts))
    probe = ("import sys\nfrom adcov.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'numpy', 'shapely', 'pyproj', 'pandas', 'geopandas', 'pyogrio'})\n"
             "print(code, heavy, file=sys.stderr)\n")
    root = Path(__file__).resolve().parents[1]
    for path in (csv_path, gj_path):
        proc = subprocess.run([sys.executable, "-c", probe, "validate", str(path)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(root)})
        assert proc.stdout.strip() == f"{path}: OK", proc.stderr
        assert proc.stderr.splitlines()[-1] == "0 []", proc.stderr


def test_map_popup_lists_properties_literally_in_a_browser(tmp_path, driver):
    """The site popup of a map made from a sites file: a "Properties" table whose names and
    values are text, never markup."""
    import os
    import subprocess
    import sys
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from test_browser import assert_no_alert, count, load

    hostile = "<img src=x onerror=alert(7)>"
    write(tmp_path / "sites.csv", f"name,system,lon,lat,unit,{hostile}\n"
                                  f"Minsk,Tor-M2,27.56,53.9,\"<b>1st</b> & co\",{hostile}\n")
    out = tmp_path / "map.html"
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "adcov", "map", str(tmp_path / "sites.csv"),
                           "--tiles", "none", "--altitudes", "1000", "-o", str(out)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    page = load(driver, out)
    assert page.severe() == []
    driver.execute_script("window.__alerts = []; window.alert = function (m) {"
                          " window.__alerts.push(String(m)); };")
    (marker,) = driver.find_elements(By.CSS_SELECTOR, ".adcov-site")
    marker.click()
    WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))
    time.sleep(0.3)  # an injected <img src=x> would fail and fire onerror by now
    rows = driver.execute_script(
        "var h = Array.from(document.querySelectorAll('.leaflet-popup .adcov-popup-sub'))"
        ".map(e => e.textContent);"
        "var t = document.querySelector('.leaflet-popup .adcov-properties');"
        "return [h, Array.from(t.rows).map(r => [r.querySelector('th').textContent,"
        " r.querySelector('td').textContent])];")
    headings, props = rows
    assert "Properties" in headings
    assert props == [["unit", "<b>1st</b> & co"], [hostile, hostile]]
    assert driver.execute_script("return window.__alerts") == []
    assert_no_alert(driver)
    assert count(driver, "img:not(.leaflet-tile)") == 0
    assert count(driver, ".leaflet-popup b") == 0
