"""Bad input, table-driven: every way a scenario, CSV, GeoJSON or GeoPackage sites file can be
wrong, read through a scenario's ``sites_file`` or given directly where a scenario is expected.

Every case must end the same way (README "Using it", DESIGN.md 4.2): exit status 2, exactly one
line on standard error that starts with ``adcov: error: `` and names the file, the entry and the
offending value, no traceback, and no output file created or changed. Each case is run

* as ``adcov stats SCEN -f csv -o out.csv --force`` with ``out.csv`` already there (its bytes and
  its inode must survive), and
* as ``adcov stats SCEN -f csv -o out.csv`` in a folder without it (nothing may appear there,
  hidden temporary files included),

and ``adcov validate`` must report it (exit 2, at least one error line). A UTF-8 byte-order mark
is not bad input: a scenario, CSV or GeoJSON file that starts with one must work.

Whole-file problems (empty, binary, missing, a directory) have no entry inside the file: for
them the message must name the file and say what is wrong with it.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from adcov.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[1]
ERROR_PREFIX = "adcov: error: "
SENTINEL = b"sentinel,keep\n1,2\n"
DIRECTORY = object()  # a files-dict value meaning "make a directory here"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --------------------------------------------------------------------------- building files
def site(name='"A"', system='"Tor-M2"', lon="27.56", lat="53.90", **extra) -> str:
    """One [[sites]] table; every value is raw TOML text, None leaves the key out."""
    fields = {"name": name, "system": system, "lon": lon, "lat": lat, **extra}
    return "[[sites]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)


def scen(tail: str = "", site_tables: str | None = None, **top) -> str:
    """A small valid BLR scenario (one Tor-M2 at Minsk, 1 km) with top-level keys swapped in
    (raw TOML text; None removes the key), tables appended (``tail``) and the sites replaced."""
    keys = {"name": '"bad input test"', "region": '"BLR"', "altitudes_m": "[1000]"}
    keys.update(top)
    head = "".join(f"{k} = {v}\n" for k, v in keys.items() if v is not None)
    return head + "\n" + tail + "\n" + (site() if site_tables is None else site_tables)


def custom(**over) -> str:
    """A [systems."Custom-X"] table (raw TOML values; None leaves a key out)."""
    values = {"max_range_km": "100", "min_range_km": "3", "max_altitude_m": "25000",
              "min_altitude_m": "10", "antenna_height_m": "20"}
    values.update(over)
    return '[systems."Custom-X"]\n' + "".join(f"{k} = {v}\n" for k, v in values.items()
                                              if v is not None)


CX = site(system='"Custom-X"')
HUGE_INT = "1" + "0" * 400          # 10**400: far beyond a float (and TOML's 64-bit integers)
GIANT_INT = "1" + "0" * 5000        # more digits than Python converts by default (4300)
CSV_HEAD = "name,system,lon,lat\n"


def csv_scen(name="sites.csv") -> str:
    return scen(site_tables="", sites_file=json.dumps(name))


def feature(props=None, geometry=None, **over) -> dict:
    f = {"type": "Feature",
         "properties": {"name": "A", "system": "Tor-M2"} if props is None else props,
         "geometry": {"type": "Point", "coordinates": [27.56, 53.9]} if geometry is None
         else geometry}
    f.update(over)
    return f


def fc(*features, **over) -> str:
    doc = {"type": "FeatureCollection", "features": list(features)}
    doc.update(over)
    return json.dumps(doc)


def gpkg(crs="EPSG:4326", **layers):
    """A GeoPackage's bytes, made when a case is built: layer name -> list of (geometry as
    WKT, attributes)."""
    def make() -> bytes:
        import geopandas as gpd
        import pyogrio
        import shapely

        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "x.gpkg"
            for name, feats in layers.items():
                gdf = gpd.GeoDataFrame([a for _, a in feats],
                                       geometry=[shapely.from_wkt(g) for g, _ in feats], crs=crs)
                pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
            return path.read_bytes()
    return make


POINT = ("POINT (27.56 53.9)", {"name": "A", "system": "Tor-M2"})
SQUARE = "POLYGON ((27 53, 28 53, 28 54, 27 53))"


def junk(seed: int, n: int = 512) -> bytes:
    """Random bytes, a NUL among them."""
    rnd = random.Random(seed)
    raw = bytearray(rnd.getrandbits(8) for _ in range(n))
    raw[n // 2] = 0
    return bytes(raw)


@dataclass
class Case:
    """One bad input: the files to write, and what the one-line message must contain.

    ``named`` is the file the message must name; ``entry`` and ``value`` (as printed with repr)
    must follow it; for whole-file problems ``entry`` is None and ``message`` a fragment of the
    message instead.
    """

    files: dict
    entry: str | None
    value: str | None = None
    named: str = "scenario.toml"
    arg: str = "scenario.toml"
    message: str | None = None

    def build(self, root: Path) -> tuple[Path, Path]:
        for rel, content in self.files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content = content()
            if content is DIRECTORY:
                p.mkdir()
            elif isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_bytes(content.encode("utf-8"))
        return root / self.arg, root / self.named


def T(text, entry, value=None, **kw) -> Case:
    """A scenario file."""
    return Case({"scenario.toml": text}, entry, value, **kw)


def C(text, entry, value=None, **kw) -> Case:
    """A scenario whose sites come from sites.csv."""
    return Case({"scenario.toml": csv_scen(), "sites.csv": text}, entry, value,
                named="sites.csv", **kw)


def G(text, entry, value=None, **kw) -> Case:
    """A scenario whose sites come from sites.geojson."""
    return Case({"scenario.toml": csv_scen("sites.geojson"), "sites.geojson": text}, entry, value,
                named="sites.geojson", **kw)


def P(content, entry, value=None, **kw) -> Case:
    """A scenario whose sites come from sites.gpkg."""
    return Case({"scenario.toml": csv_scen("sites.gpkg"), "sites.gpkg": content}, entry, value,
                named="sites.gpkg", **kw)


def S(content, entry, value=None, name="sites.csv", **kw) -> Case:
    """A sites file given directly where a scenario is expected."""
    return Case({name: content}, entry, value, named=name, arg=name, **kw)


def prop(toml_table: str) -> str:
    """One [[sites]] table with a properties table (raw TOML)."""
    return site(properties=toml_table)


def crs(name) -> dict:
    return {"type": "name", "properties": {"name": name}}


TWO_SITES = site(name='"Twin"') + site(name='" Twin "', lon="27.0")
SECTORS = '[sectors]\nwest = ["POL", "LTU", "LVA"]\nsouth = ["UKR"]\neast = ["RUS"]\n'

CASES: dict[str, Case] = {
    # ---- scenario: top-level keys
    "toml-name-integer": T(scen(name="5"), "name", "5"),
    "toml-name-missing": T(scen(name=None), "name"),
    "toml-name-blank": T(scen(name='" "'), "name", "' '"),
    "toml-name-control-char": T(scen(name='"a\\u0007b"'), "name", "'a\\x07b'"),
    "toml-unknown-top-key": T(scen(colour='"red"'), "colour", "'red'"),
    "toml-unknown-key-with-terminal-escape": T(scen(**{'"evil\\u001b[2J"': "1"}), "evil", "1"),
    "toml-unknown-key-with-backspaces": T(scen(**{'"evil\\b\\b\\b\\bgood"': "1"}), "evil", "1"),
    "toml-region-integer": T(scen(region="5"), "region", "5"),
    "toml-region-unknown-country-name": T(scen(region='"Atlantis"'), "region", "'Atlantis'"),
    "toml-region-misspelt-country-name": T(scen(region='"Belarsu"'), "region", "'Belarsu'",
                                           message="did you mean BLR (Belarus)"),
    "toml-region-misspelt-lowercase-code": T(scen(region='"blrr"'), "region", "'blrr'"),
    "toml-description-integer": T(scen(description="5"), "description", "5"),
    "toml-altitudes-scalar": T(scen(altitudes_m="1000"), "altitudes_m", "1000"),
    "toml-altitudes-empty": T(scen(altitudes_m="[]"), "altitudes_m", "[]"),
    "toml-altitude-string": T(scen(altitudes_m='["high"]'), "altitudes_m[0]", "'high'"),
    "toml-altitude-negative": T(scen(altitudes_m="[1000, -50]"), "altitudes_m[1]", "-50"),
    "toml-altitude-nan": T(scen(altitudes_m="[nan]"), "altitudes_m[0]", "nan"),
    "toml-altitude-bool": T(scen(altitudes_m="[true]"), "altitudes_m[0]", "True"),
    "toml-altitude-1e308": T(scen(altitudes_m="[1e308]"), "altitudes_m[0]", "1e+308"),
    "toml-altitude-twice": T(scen(altitudes_m="[1000, 1000.0]"), "altitudes_m", "1000.0"),
    "toml-k-factor-zero": T(scen(k_factor="0"), "k_factor", "0"),
    "toml-k-factor-string": T(scen(k_factor='"4/3"'), "k_factor", "'4/3'"),
    "toml-k-factor-minus-inf": T(scen(k_factor="-inf"), "k_factor", "-inf"),
    "toml-belt-nan": T(scen(belt_km="nan"), "belt_km", "nan"),
    "toml-belt-1e308": T(scen(belt_km="1e308"), "belt_km", "1e+308"),
    "toml-min-gap-negative": T(scen(min_gap_km2="-1"), "min_gap_km2", "-1"),
    "toml-min-gap-10e400-integer": T(scen(min_gap_km2=HUGE_INT), "min_gap_km2", "1000000000"),
    "toml-k-factor-5000-digit-integer": T(scen(k_factor=GIANT_INT), None),
    "toml-deeply-nested-array": T(scen(description="[" * 5000 + "]" * 5000), None),
    # ---- scenario: sectors
    "toml-sectors-not-a-table": T(scen(sectors='"west"'), "sectors", "'west'"),
    "toml-sectors-neighbour-left-out": T(
        scen(tail='[sectors]\nwest = ["POL", "LTU", "LVA"]\nsouth = ["UKR"]\n'),
        "sectors", "['RUS']"),
    "toml-sectors-code-twice": T(
        scen(tail='[sectors]\nwest = ["POL", "LTU", "LVA", "UKR"]\nsouth = ["UKR"]\n'
                  'east = ["RUS"]\n'), "sectors.south", "'UKR'"),
    "toml-sector-name-with-space": T(
        scen(tail='[sectors]\n"we st" = ["POL", "LTU", "LVA"]\nsouth = ["UKR"]\n'
                  'east = ["RUS"]\n'), "sectors.we st", "'we st'"),
    "toml-sector-empty-list": T(
        scen(tail=SECTORS.replace('["POL", "LTU", "LVA"]', "[]")), "sectors.west", "[]"),
    # ---- scenario: systems
    "toml-systems-not-a-table": T(scen(systems="5"), "systems", "5"),
    "toml-system-unknown-field": T(scen(tail=custom(colour='"red"'), site_tables=CX),
                                   'systems."Custom-X".colour', "'red'"),
    "toml-system-field-missing": T(scen(tail=custom(max_altitude_m=None), site_tables=CX),
                                   'systems."Custom-X".max_altitude_m'),
    "toml-system-range-string": T(scen(tail=custom(max_range_km='"100"'), site_tables=CX),
                                  'systems."Custom-X".max_range_km', "'100'"),
    "toml-system-range-bool": T(scen(tail=custom(max_range_km="true"), site_tables=CX),
                                'systems."Custom-X".max_range_km', "True"),
    "toml-system-range-1e308": T(scen(tail=custom(max_range_km="1e308"), site_tables=CX),
                                 'systems."Custom-X".max_range_km', "1e+308"),
    "toml-system-range-10e400-integer": T(scen(tail=custom(max_range_km=HUGE_INT), site_tables=CX),
                                          'systems."Custom-X".max_range_km', "1000000000"),
    "toml-system-sector-zero": T(scen(tail=custom(sector_width_deg="0"), site_tables=CX),
                                 'systems."Custom-X".sector_width_deg', "0"),
    "toml-catalog-override-negative-ceiling": T(
        scen(tail='[systems."Tor-M2"]\nmax_altitude_m = -1\n'),
        'systems."Tor-M2".max_altitude_m', "-1"),
    # ---- scenario: sites
    "toml-sites-not-an-array": T(scen(site_tables="", **{"sites": '"A"'}), "sites", "'A'"),
    "toml-site-not-a-table": T(scen(site_tables="", **{"sites": "[1, 2]"}), "sites[0]", "1"),
    "toml-site-lat-missing": T(scen(site_tables=site(lat=None)), "sites[0].lat"),
    "toml-site-system-missing": T(scen(site_tables=site(system=None)), "sites[0].system"),
    "toml-site-unknown-key": T(scen(site_tables=site(elevation="5")), "sites[0].elevation", "5"),
    "toml-site-system-integer": T(scen(site_tables=site(system="5")), "sites[0].system", "5"),
    "toml-site-lat-string": T(scen(site_tables=site(lat='"53.9"')), "sites[0].lat", "'53.9'"),
    "toml-site-lat-nan": T(scen(site_tables=site(lat="nan")), "sites[0].lat", "nan"),
    "toml-site-lon-inf": T(scen(site_tables=site(lon="inf")), "sites[0].lon", "inf"),
    "toml-site-lon-minus-inf": T(scen(site_tables=site(lon="-inf")), "sites[0].lon", "-inf"),
    "toml-site-lon-1e308": T(scen(site_tables=site(lon="1e308")), "sites[0].lon", "1e+308"),
    "toml-site-lat-2-pow-63": T(scen(site_tables=site(lat="9223372036854775808")), "sites[0].lat",
                                "9223372036854775808"),
    "toml-site-lat-10e400-integer": T(scen(site_tables=site(lat=HUGE_INT)), "sites[0].lat",
                                      "1000000000"),
    "toml-site-lat-bool": T(scen(site_tables=site(lat="true")), "sites[0].lat", "True"),
    "toml-site-lat-date": T(scen(site_tables=site(lat="1979-05-27")), "sites[0].lat",
                            "datetime.date(1979, 5, 27)"),
    "toml-site-antenna-negative": T(scen(site_tables=site(antenna_height_m="-1")),
                                    "sites[0].antenna_height_m", "-1"),
    "toml-site-antenna-100-km": T(scen(site_tables=site(antenna_height_m="100000")),
                                  "sites[0].antenna_height_m", "100000"),
    "toml-site-azimuth-400": T(scen(site_tables=site(azimuth_deg="400")), "sites[0].azimuth_deg",
                               "400"),
    "toml-site-sector-zero": T(scen(site_tables=site(sector_width_deg="0")),
                               "sites[0].sector_width_deg", "0"),
    "toml-site-sector-361": T(scen(site_tables=site(sector_width_deg="361")),
                              "sites[0].sector_width_deg", "361"),
    "toml-site-sector-without-azimuth": T(scen(site_tables=site(sector_width_deg="90")),
                                          "sites[0].azimuth_deg"),
    "toml-site-name-201-chars": T(scen(site_tables=site(name='"' + "x" * 201 + '"')), "sites[0].name",
                                  "'xxxxxxxx"),
    "toml-site-name-empty": T(scen(site_tables=site(name='""')), "sites[0].name", "''"),
    "toml-site-source-integer": T(scen(site_tables=site(source="5")), "sites[0].source", "5"),
    "toml-duplicate-names-after-strip": T(scen(site_tables=TWO_SITES), "sites[1].name", "'Twin'"),
    "toml-site-mgrs-key": T(scen(site_tables=site(lon=None, lat=None, mgrs='"35UNV3679572540"')),
                            "sites[0].mgrs", "'35UNV3679572540'"),
    "toml-site-properties-misspelt": T(scen(site_tables=site(propreties='{ unit = "x" }')),
                                       "sites[0].propreties", "{'unit': 'x'}"),
    "toml-site-properties-not-a-table": T(scen(site_tables=prop('"1st bn"')),
                                          "sites[0].properties", "'1st bn'"),
    "toml-site-property-list": T(scen(site_tables=prop("{ ids = [1, 2] }")),
                                 "sites[0].properties.ids", "[1, 2]"),
    "toml-site-property-table": T(scen(site_tables=prop("{ unit = { id = 1 } }")),
                                  "sites[0].properties.unit", "{'id': 1}"),
    "toml-site-property-date": T(scen(site_tables=prop("{ since = 2020-01-02 }")),
                                 "sites[0].properties.since", "datetime.date(2020, 1, 2)"),
    "toml-site-property-nan": T(scen(site_tables=prop("{ strength = nan }")),
                                "sites[0].properties.strength", "nan"),
    "toml-site-property-10e400-integer": T(scen(site_tables=prop(f"{{ n = {HUGE_INT} }}")),
                                           "sites[0].properties.n", "1000000000"),
    "toml-site-property-empty": T(scen(site_tables=prop('{ unit = " " }')),
                                  "sites[0].properties.unit", "' '"),
    "toml-site-property-control-char": T(scen(site_tables=prop('{ unit = "a\\u0007b" }')),
                                         "sites[0].properties.unit", "'a\\x07b'"),
    "toml-site-property-2001-chars": T(scen(site_tables=prop('{ unit = "' + "x" * 2001 + '" }')),
                                       "sites[0].properties.unit", "'xxxxxxxx"),
    "toml-site-property-name-with-tab": T(scen(site_tables=prop('{ "a\\tb" = 1 }')),
                                          "sites[0].properties.a", "'a\\tb'"),
    "toml-site-property-named-like-a-site-key": T(scen(site_tables=prop("{ Lat = 5 }")),
                                                  "sites[0].properties.Lat", "'Lat'"),
    "toml-site-property-named-like-an-alias": T(scen(site_tables=prop('{ type = "SAM" }')),
                                                "sites[0].properties.type", "'type'"),
    "toml-site-property-twice": T(scen(site_tables=prop('{ unit = "a", Unit = "b" }')),
                                  "sites[0].properties.Unit", "'Unit'"),
    "toml-sites-and-sites-file": Case({"scenario.toml": scen(sites_file='"sites.csv"'),
                                       "sites.csv": CSV_HEAD + "A,Tor-M2,27.5,53.9\n"},
                                      "sites_file", "'sites.csv'"),
    "toml-sites-file-integer": T(scen(site_tables="", sites_file="5"), "sites_file", "5"),
    "toml-sites-file-txt": Case({"scenario.toml": csv_scen("sites.txt"),
                                 "sites.txt": CSV_HEAD + "A,Tor-M2,27.5,53.9\n"},
                                "sites_file", "'sites.txt'"),
    "toml-sites-file-xlsx": Case({"scenario.toml": csv_scen("sites.xlsx"), "sites.xlsx": junk(3)},
                                 "sites_file", "'sites.xlsx'"),
    "toml-sites-file-missing": Case({"scenario.toml": csv_scen("nowhere/sites.csv")}, None,
                                    named="nowhere/sites.csv", message="not found"),
    "toml-sites-file-is-a-directory": Case({"scenario.toml": csv_scen("sites.csv"),
                                            "sites.csv": DIRECTORY}, None, named="sites.csv",
                                           message="directory"),
    # ---- scenario: the file itself
    "file-empty": T("", None, message="empty"),
    "file-whitespace-only": T(" \n\t\n", None, message="empty"),
    "file-binary-junk": T(junk(1), None, message="UTF-8"),
    "file-text-with-nul": T(scen().encode() + b"\x00\n", None, message="NUL"),
    "file-utf16": T(scen().encode("utf-16"), None, message="UTF-8"),
    "file-latin1": T(scen(name='"Brést"').encode("latin-1"), None, message="UTF-8"),
    "file-is-a-directory": Case({"scenario.toml": DIRECTORY}, None, message="directory"),
    "file-missing-in-missing-folder": Case({}, None, arg="gone/scenario.toml",
                                           named="gone/scenario.toml", message="not found"),
    # ---- CSV sites file
    "csv-two-columns-give-lat": C("name,system,lon,lat,Latitude\nA,Tor-M2,27.5,53.9,53.9\n",
                                  "header", "'Latitude'", message="'lat' and 'Latitude'"),
    "csv-two-columns-give-name": C("Site,name,system,lon,lat\nA,B,Tor-M2,27.5,53.9\n", "header",
                                   "'name'", message="'Site' and 'name'"),
    "csv-property-column-twice": C("name,system,lon,lat,unit,UNIT\nA,Tor-M2,27.5,53.9,a,b\n",
                                   "header", "'UNIT'"),
    "csv-property-column-name-control-char": C("name,system,lon,lat,un\x07it\n"
                                               "A,Tor-M2,27.5,53.9,a\n", "header",
                                               "'un\\x07it'"),
    "csv-property-column-name-201-chars": C(f"name,system,lon,lat,{'p' * 201}\n"
                                            "A,Tor-M2,27.5,53.9,a\n", "header", "'pppppppp"),
    "csv-unnamed-column-with-values": C("name,system,lon,lat,\nA,Tor-M2,27.5,53.9,stray\n",
                                        "header", "'stray'"),
    "csv-only-empty-cells": C(",,,\n,,,\n", None, message="no header"),
    "csv-missing-column": C("name,system,lon\nA,Tor-M2,27.5\n", "header", "'lat'"),
    "csv-column-twice": C("name,system,lon,lat,lat\nA,Tor-M2,27.5,53.9,53.9\n", "header"),
    "csv-semicolons-column-missing": C("name;system;lon\nA;Tor-M2;27,5\n", "header", "'lat'"),
    "csv-tabs-lat-text": C("name\tsystem\tlon\tlat\nA\tTor-M2\t27.5\tabc\n",
                           "row 1 (line 2).lat", "'abc'"),
    "csv-semicolons-extra-cells": C("name;system;lon;lat\nA;Tor-M2;27,5;53,9;surplus\n",
                                    "row 1 (line 2)", "['surplus']"),
    "csv-dms-latitude-letter-in-lon": C(CSV_HEAD + "A,Tor-M2,53°54'N,27.5\n", "row 1 (line 2).lon",
                                        "\"53°54'N\"", message="latitude hemisphere"),
    "csv-dms-longitude-letter-in-lat": C(CSV_HEAD + "A,Tor-M2,27.5,27 33 E\n",
                                         "row 1 (line 2).lat", "'27 33 E'"),
    "csv-dms-minutes-60": C(CSV_HEAD + "A,Tor-M2,27.5,53°60'N\n", "row 1 (line 2).lat",
                            "\"53°60'N\"", message="minutes of 60 or more"),
    "csv-dms-seconds-60": C(CSV_HEAD + "A,Tor-M2,27.5,53 54 60 N\n", "row 1 (line 2).lat",
                            "'53 54 60 N'", message="seconds of 60 or more"),
    "csv-dms-two-hemispheres": C(CSV_HEAD + "A,Tor-M2,27.5,N53 54 S\n", "row 1 (line 2).lat",
                                 "'N53 54 S'"),
    "csv-dms-sign-and-hemisphere": C(CSV_HEAD + "A,Tor-M2,-27 33 W,53.9\n", "row 1 (line 2).lon",
                                     "'-27 33 W'"),
    "csv-dms-fraction-then-minutes": C(CSV_HEAD + "A,Tor-M2,27.5,53.5 30 N\n",
                                       "row 1 (line 2).lat", "'53.5 30 N'"),
    "csv-dms-beyond-90": C(CSV_HEAD + "A,Tor-M2,27.5,91 00 N\n", "row 1 (line 2).lat",
                           "'91 00 N'"),
    "csv-dms-minute-mark-for-seconds": C(CSV_HEAD + "A,Tor-M2,27.5,53°54'30'N\n",
                                         "row 1 (line 2).lat", "\"53°54'30'N\""),
    "csv-lat-underscore-digits": C(CSV_HEAD + "A,Tor-M2,27.5,5_3\n", "row 1 (line 2).lat",
                                   "'5_3'"),
    "csv-mgrs-and-lon-lat": C("name,system,mgrs,lon,lat\nA,Tor-M2,35UNV3679572540,27.5,53.9\n",
                              "row 1 (line 2).mgrs", "'35UNV3679572540'"),
    "csv-mgrs-odd-digits": C("name,system,mgrs\nA,Tor-M2,35UNV367957254\n",
                             "row 1 (line 2).mgrs", "'35UNV367957254'"),
    "csv-mgrs-not-a-reference": C("name,system,mgrs\nA,Tor-M2,Minsk\n", "row 1 (line 2).mgrs",
                                  "'Minsk'"),
    "csv-mgrs-square-outside-its-band": C("name,system,mgrs\nA,Tor-M2,35XNV3679572540\n",
                                          "row 1 (line 2).mgrs", "'35XNV3679572540'"),
    "csv-mgrs-cell-empty": C("name,system,mgrs,lon,lat\nA,Tor-M2,,,\n", "row 1 (line 2).lon"),
    "csv-property-control-char": C("name,system,lon,lat,unit\nA,Tor-M2,27.5,53.9,a\x07b\n",
                                   "row 1 (line 2).unit", "'a\\x07b'"),
    "csv-property-2001-chars": C("name,system,lon,lat,unit\nA,Tor-M2,27.5,53.9," + "u" * 2001
                                 + "\n", "row 1 (line 2).unit", "'uuuuuuuu"),
    "csv-cp1251": C("name,system,lon,lat\nMinsk,Tor-M2,27.56,53.9\nБрест,S-300PS,23.69,52.09\n"
                    .encode("cp1251"), "line 3", "b'\\xc1'", message="re-save the file as UTF-8"),
    "csv-latin1": C("name,system,lon,lat\nBrést,S-300PS,23.69,52.09\n".encode("latin-1"),
                    "line 2", "b'\\xe9'", message="re-save the file as UTF-8"),
    "csv-utf16": C((CSV_HEAD + "A,Tor-M2,27.5,53.9\n").encode("utf-16"), None,
                   message="UTF-16 text, not UTF-8"),
    "csv-empty": C("", None, message="empty"),
    "csv-header-only": C(CSV_HEAD, None, message="no site rows"),
    "csv-extra-cells": C(CSV_HEAD + "A,Tor-M2,27.5,53.9,surplus\n", "row 1 (line 2)",
                         "['surplus']"),
    "csv-lat-text": C(CSV_HEAD + "A,Tor-M2,27.5,abc\n", "row 1 (line 2).lat", "'abc'"),
    "csv-lon-nan": C(CSV_HEAD + "A,Tor-M2,nan,53.9\n", "row 1 (line 2).lon", "nan"),
    "csv-lat-1e999": C(CSV_HEAD + "A,Tor-M2,27.5,1e999\n", "row 1 (line 2).lat", "inf"),
    "csv-lat-400-digit-integer": C(CSV_HEAD + f"A,Tor-M2,27.5,{HUGE_INT}\n",
                                   "row 1 (line 2).lat", "inf"),
    "csv-lat-cell-empty": C(CSV_HEAD + "A,Tor-M2,27.5,\n", "row 1 (line 2).lat"),
    "csv-azimuth-text": Case({"scenario.toml": csv_scen(),
                              "sites.csv": "name,system,lon,lat,azimuth_deg\n"
                                           "A,Tor-M2,27.5,53.9,north\n"},
                             "row 1 (line 2).azimuth_deg", "'north'", named="sites.csv"),
    "csv-unknown-system": C(CSV_HEAD + "A,NOPE-9,27.5,53.9\n", "row 1 (line 2).system",
                            "'NOPE-9'"),
    "csv-duplicate-names": C(CSV_HEAD + "A,Tor-M2,27.5,53.9\nA,Tor-M2,27.6,53.8\n",
                             "row 2 (line 3).name", "'A'"),
    "csv-binary-junk": C(junk(2), None, message="UTF-8"),
    "csv-cell-of-200k-characters": C(CSV_HEAD + "A" * 200_000 + ",Tor-M2,27.5,53.9\n", None),
    # ---- GeoJSON sites file
    "geojson-polygon": G(fc(feature(geometry={"type": "Polygon", "coordinates": [
        [[27, 53], [28, 53], [28, 54], [27, 53]]]})), "features[0].geometry", "'Polygon'"),
    "geojson-multipoint": G(fc(feature(geometry={"type": "MultiPoint",
                                                 "coordinates": [[27.5, 53.9]]})),
                            "features[0].geometry", "'MultiPoint'"),
    "geojson-null-geometry": G(fc(feature(geometry=None) | {"geometry": None}),
                               "features[0].geometry", "None"),
    "geojson-no-features": G(fc(), "features", "[]"),
    "geojson-features-key-missing": G('{"type": "FeatureCollection"}', "features", "None"),
    "geojson-a-single-feature": G(json.dumps(feature()), "type", "'Feature'"),
    "geojson-top-level-array": G("[]", "type", "'list'"),
    "geojson-malformed": G('{"type": "FeatureCollection", "features": [', None,
                           message="malformed JSON"),
    "geojson-feature-not-an-object": G(fc(5), "features[0]", "5"),
    "geojson-one-coordinate": G(fc(feature(geometry={"type": "Point", "coordinates": [27.5]})),
                                "features[0].geometry.coordinates", "[27.5]"),
    "geojson-coordinates-strings": G(
        fc(feature(geometry={"type": "Point", "coordinates": ["27.5", "53.9"]})),
        "features[0].lon", "'27.5'"),
    "geojson-coordinate-NaN": G(
        fc(feature(geometry={"type": "Point", "coordinates": [float("nan"), 53.9]})),
        "features[0].lon", "nan"),
    "geojson-coordinate-Infinity": G(
        fc(feature(geometry={"type": "Point", "coordinates": [27.5, float("inf")]})),
        "features[0].lat", "inf"),
    "geojson-lon-property": G(fc(feature({"name": "A", "system": "Tor-M2", "lon": 27.5})),
                              "features[0].properties.lon", "27.5"),
    "geojson-properties-array": G(fc(feature(["A"])), "features[0].properties", "['A']"),
    "geojson-name-missing": G(fc(feature({"system": "Tor-M2"})), "features[0].name"),
    "geojson-duplicate-names": G(fc(feature(), feature()), "features[1].name", "'A'"),
    "geojson-antenna-10e400-integer": G(
        fc(feature({"name": "A", "system": "Tor-M2"})).replace(
            '"system": "Tor-M2"', f'"system": "Tor-M2", "antenna_height_m": {HUGE_INT}'),
        "features[0].antenna_height_m", "1000000000"),
    "geojson-5000-digit-integer": G(
        fc(feature()).replace('"name": "A"', f'"name": "A", "azimuth_deg": {GIANT_INT}'), None),
    "geojson-deeply-nested": G("[" * 100_000 + "]" * 100_000, None),
    "geojson-name-lone-surrogate": G(fc(feature({"name": "A\ud800", "system": "Tor-M2"})),
                                     "features[0].name", "'A\\ud800'"),
    "geojson-crs-unknown": G(fc(feature(), crs=crs("EPSG:999999")), "crs.properties.name",
                             "'EPSG:999999'"),
    "geojson-crs-unknown-urn": G(fc(feature(), crs=crs("urn:ogc:def:crs:EPSG::NOPE")),
                                 "crs.properties.name", "'urn:ogc:def:crs:EPSG::NOPE'"),
    "geojson-crs-vertical": G(fc(feature(), crs=crs("EPSG:5703")), "crs.properties.name",
                              "'EPSG:5703'", message="horizontal"),
    "geojson-crs-link": G(fc(feature(), crs={"type": "link", "properties": {"href": "x"}}),
                          "crs", "{'type': 'link'"),
    "geojson-crs-a-string": G(fc(feature(), crs="EPSG:3857"), "crs", "'EPSG:3857'"),
    "geojson-point-outside-its-crs": G(
        fc(feature(geometry={"type": "Point", "coordinates": [1e12, 5e6]}),
           crs=crs("EPSG:32635")), "features[0].geometry.coordinates", "[1000000000000.0",
        message="EPSG:32635"),
    "geojson-longitude-attribute-disagrees": G(
        fc(feature({"name": "A", "system": "Tor-M2", "Longitude": 20.0})),
        "features[0].properties.Longitude", "20.0", message="differs from the geometry"),
    "geojson-mgrs-attribute": G(fc(feature({"name": "A", "system": "Tor-M2",
                                            "mgrs": "35UNV3679572540"})),
                                "features[0].properties.mgrs", "'35UNV3679572540'"),
    "geojson-name-and-Name": G(fc(feature({"name": "A", "Name": "B", "system": "Tor-M2"})),
                               "features[0].properties", "'Name'"),
    "geojson-system-and-type": G(fc(feature({"name": "A", "system": "Tor-M2", "type": "SAM"})),
                                 "features[0].properties", "'type'"),
    "geojson-property-an-object": G(fc(feature({"name": "A", "system": "Tor-M2",
                                                "meta": {"a": 1}})),
                                    "features[0].properties.meta", "{'a': 1}"),
    "geojson-property-a-list": G(fc(feature({"name": "A", "system": "Tor-M2", "ids": [1, 2]})),
                                 "features[0].properties.ids", "[1, 2]"),
    "geojson-property-2001-chars": G(fc(feature({"name": "A", "system": "Tor-M2",
                                                 "note": "n" * 2001})),
                                     "features[0].properties.note", "'nnnnnnnn"),
    "geojson-property-name-control-char": G(fc(feature({"name": "A", "system": "Tor-M2",
                                                        "a\u0007b": 1})),
                                            "features[0].properties.a", "'a\\x07b'"),
    "geojson-property-huge-integer": G(
        fc(feature({"name": "A", "system": "Tor-M2"})).replace(
            '"system": "Tor-M2"', f'"system": "Tor-M2", "n": {HUGE_INT}'),
        "features[0].properties.n", "1000000000"),
    "geojson-an-export-without-sites": G(fc(feature({"layer": "zones", "zone": "BLR"},
                                                    geometry={"type": "Polygon", "coordinates": [
                                                        [[27, 53], [28, 53], [28, 54], [27, 53]]]})),
                                         "features[0].geometry", "'Polygon'"),
    "geojson-latin1": G(fc(feature({"name": "Brest", "system": "Tor-M2"})).replace(
        "Brest", "Brést").encode("latin-1"),
                        "line 1", "b'\\xe9'", message="re-save the file as UTF-8"),
    # ---- GeoPackage sites file
    "gpkg-not-a-geopackage": P(CSV_HEAD + "A,Tor-M2,27.5,53.9\n", None,
                               message="cannot be read as a GeoPackage"),
    "gpkg-empty-file": P(b"", None, message="cannot be read as a GeoPackage"),
    "gpkg-two-point-layers-none-named-sites": P(gpkg(a=[POINT], b=[POINT]), "layer",
                                                message="several point layers"),
    "gpkg-no-point-layer": P(gpkg(zones=[(SQUARE, {"zone": "BLR"})]), "layer",
                             message="no point layer"),
    "gpkg-polygon-in-the-sites-layer": P(gpkg(sites=[(SQUARE, {"name": "A", "system": "Tor-M2"})]),
                                         "sites[fid=1].geometry", "'Polygon'"),
    "gpkg-unknown-system": P(gpkg(sites=[("POINT (27.5 53.9)", {"name": "A", "system": "NOPE-9"})]),
                             "sites[fid=1].system", "'NOPE-9'"),
    "gpkg-lat-95": P(gpkg(sites=[("POINT (27.5 95)", {"name": "A", "system": "Tor-M2"})]),
                     "sites[fid=1].lat", "95.0"),
    "gpkg-point-outside-its-crs": P(gpkg(crs="EPSG:32635", batteries=[
        ("POINT (1e12 5e6)", {"name": "A", "system": "Tor-M2"})]),
        "batteries[fid=1].geometry.coordinates", "[1000000000000.0"),
    "gpkg-two-columns-give-name": P(gpkg(sites=[("POINT (27.5 53.9)",
                                                 {"name": "A", "Site": "B", "system": "Tor-M2"})]),
                                    "sites[fid=1]", "'Site'"),
    "gpkg-duplicate-names": P(gpkg(sites=[POINT, POINT]), "sites[fid=2].name", "'A'"),
    "gpkg-is-a-directory": P(DIRECTORY, None, message="directory"),
    # ---- a sites file where a scenario is expected
    "sites-csv-lat-95": S(CSV_HEAD + "A,Tor-M2,27.5,95\n", "row 1 (line 2).lat", "95.0"),
    "sites-csv-no-site-in-a-country": S(CSV_HEAD + "A,Tor-M2,0,0\nB,Tor-M2,-30,40\n", "region",
                                        message="--region"),
    "sites-csv-semicolon-dms-bad": S("Name;Type;Lat;Lon\nA;Tor-M2;53 54 N;27 33 N\n",
                                     "row 1 (line 2).lon", "'27 33 N'"),
    "sites-csv-cp1251": S("name,system,lon,lat\nБрест,S-300PS,23.69,52.09\n".encode("cp1251"),
                          "line 2", "b'\\xc1'"),
    "sites-csv-empty": S("", None, message="empty"),
    "sites-csv-missing": Case({}, None, named="gone.csv", arg="gone.csv", message="not found"),
    "sites-geojson-crs-unknown": S(fc(feature(), crs=crs("EPSG:999999")), "crs.properties.name",
                                   "'EPSG:999999'", name="sites.geojson"),
    "sites-json-malformed": S('{"type": "FeatureCollection", "features": [', None,
                              name="sites.json", message="malformed JSON"),
    "sites-gpkg-unknown-system": S(gpkg(sites=[("POINT (27.5 53.9)",
                                                {"name": "A", "system": "NOPE-9"})]),
                                   "sites[fid=1].system", "'NOPE-9'", name="sites.gpkg"),
}


# --------------------------------------------------------------------------- running
def run(*args):
    """The CLI in-process (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)


def tree(root: Path) -> dict:
    """Every file and folder under root (hidden ones too) with size and inode."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_ino, st.st_mtime_ns)
    return out


def check_error_line(stderr: str, case: Case, named: Path) -> str:
    """Exactly one line, the prefix, file, entry, then the value; no control characters."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    line = lines[0]
    assert stderr == line + "\n"
    assert line.startswith(ERROR_PREFIX), line
    assert not CONTROL.search(line), f"raw control characters in the message: {line!r}"
    assert str(named) in line, f"the message does not name {named}: {line}"
    rest = line[len(ERROR_PREFIX):].split(str(named), 1)[1]
    if case.entry is not None:
        assert case.entry in rest, f"the message does not name the entry {case.entry!r}: {line}"
        rest = rest.split(case.entry, 1)[1]
    if case.value is not None:
        assert case.value in rest, f"the message does not show the value {case.value!r}: {line}"
    if case.message is not None:
        assert case.message in rest, f"the message does not say {case.message!r}: {line}"
    return line


def test_the_corpus_is_large_and_covers_every_input_kind():
    kinds = {k.split("-")[0] for k in CASES}
    assert {"toml", "csv", "geojson", "gpkg", "sites", "file"} <= kinds
    assert len(CASES) >= 40
    assert sum(k.startswith("csv") for k in CASES) >= 10
    assert sum(k.startswith("geojson") for k in CASES) >= 10
    assert sum(k.startswith("gpkg") for k in CASES) >= 5
    assert sum(k.startswith("sites") for k in CASES) >= 5


@pytest.mark.parametrize("case_id", list(CASES))
def test_bad_input_exit_2_one_line_and_output_untouched(case_id, tmp_path, monkeypatch):
    case = CASES[case_id]
    forced, fresh = tmp_path / "forced", tmp_path / "fresh"

    # 1. out.csv exists with known content; --force must not let a failed run touch it.
    forced.mkdir()
    arg, named = case.build(forced)
    (forced / "out.csv").write_bytes(SENTINEL)
    before = tree(forced)
    monkeypatch.chdir(forced)
    res = run("stats", arg, "-f", "csv", "-o", "out.csv", "--force")
    assert res.exit_code == 2, (res.exit_code, res.stderr, res.exception)
    assert isinstance(res.exception, SystemExit)
    assert res.stdout == ""
    check_error_line(res.stderr, case, named)
    assert (forced / "out.csv").read_bytes() == SENTINEL
    assert tree(forced) == before, "a file was created, replaced or changed"

    # 2. no out.csv: none may appear, nor any temporary file.
    fresh.mkdir()
    arg, named = case.build(fresh)
    before = tree(fresh)
    monkeypatch.chdir(fresh)
    res = run("stats", arg, "-f", "csv", "-o", "out.csv")
    assert res.exit_code == 2, (res.exit_code, res.stderr, res.exception)
    check_error_line(res.stderr, case, named)
    assert tree(fresh) == before, "an output or temporary file was left behind"


@pytest.mark.parametrize("case_id", list(CASES))
def test_validate_reports_bad_input(case_id, tmp_path):
    case = CASES[case_id]
    arg, named = case.build(tmp_path)
    before = tree(tmp_path)
    res = run("validate", arg)
    assert res.exit_code == 2, (res.exit_code, res.stderr, res.exception)
    assert "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith(ERROR_PREFIX)]
    assert errors, res.stderr
    assert str(named) in errors[0]
    assert tree(tmp_path) == before


@pytest.mark.parametrize("case_id", ["file-binary-junk", "toml-site-lat-10e400-integer",
                                     "geojson-coordinate-NaN"])
def test_bad_input_as_a_real_process(case_id, tmp_path):
    """The exit status and stderr of ``python -m adcov`` itself, not of click's runner."""
    case = CASES[case_id]
    arg, named = case.build(tmp_path)
    (tmp_path / "out.csv").write_bytes(SENTINEL)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-m", "adcov", "stats", str(arg), "-f", "csv",
                           "-o", "out.csv", "--force"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    check_error_line(proc.stderr, case, named)
    assert (tmp_path / "out.csv").read_bytes() == SENTINEL


def test_no_raw_escape_sequence_reaches_a_terminal(tmp_path):
    """On a terminal click keeps ANSI sequences; a key named with ESC [2J must not clear the
    user's screen: the entry has to be printed escaped (e.g. with repr), like the value."""
    case = CASES["toml-unknown-key-with-terminal-escape"]
    arg, named = case.build(tmp_path)
    res = CliRunner().invoke(cli, ["stats", str(arg), "-f", "csv"], color=True)
    assert res.exit_code == 2, res.stderr
    check_error_line(res.stderr, case, named)


# --------------------------------------------------------------------------- once refused, now read
@pytest.mark.parametrize("region", ['"blr"', '"Belarus"', '"belarus"'])
def test_region_in_lower_case_or_as_a_country_name_works(region, tmp_path, monkeypatch):
    """A lower-case code used to be refused; any case and a country's name are read now."""
    T(scen(region=region), None).build(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = run("stats", "scenario.toml", "-f", "csv", "-o", "out.csv")
    assert res.exit_code == 0, (res.stderr, res.exception)
    assert res.stderr == ""
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert [ln.split(",")[2] for ln in lines[1:]][0] == "BLR"
    assert len(lines) == 1 + 7  # the BLR zones
    ok = run("validate", "scenario.toml")
    assert ok.exit_code == 0 and "OK" in ok.stdout


def test_once_refused_csv_files_are_read(tmp_path, monkeypatch):
    """An unknown column used to be refused: it is a site property now; an alias
    (``latitude``) gives the site key; semicolons separate as commas do."""
    from adcov.scenario import Scenario

    Case({"scenario.toml": csv_scen(),
          "sites.csv": "name;system;lon;latitude;unit\nA;Tor-M2;27,56;53,9;1st bn\n"},
         None).build(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = run("stats", "scenario.toml", "-f", "csv", "-o", "out.csv")
    assert res.exit_code == 0, (res.stderr, res.exception)
    assert run("validate", "scenario.toml").exit_code == 0
    (site,) = Scenario.from_file(tmp_path / "scenario.toml").sites
    assert (site.name, site.lon, site.lat) == ("A", 27.56, 53.9)
    assert dict(site.properties) == {"unit": "1st bn"}


# --------------------------------------------------------------------------- byte-order mark
BOM = b"\xef\xbb\xbf"
BOM_CASES = {
    "toml": {"scenario.toml": BOM + scen().encode()},
    "csv": {"scenario.toml": csv_scen().encode(),
            "sites.csv": BOM + (CSV_HEAD + "A,Tor-M2,27.56,53.9\n").encode()},
    "geojson": {"scenario.toml": csv_scen("sites.geojson").encode(),
                "sites.geojson": BOM + fc(feature()).encode()},
    "csv-semicolons": {"scenario.toml": csv_scen().encode(),
                       "sites.csv": BOM + "Name;System;Lon;Lat\nA;Tor-M2;27,56;53,9\n".encode()},
}


@pytest.mark.parametrize("kind", list(BOM_CASES))
def test_utf8_byte_order_mark_is_accepted(kind, tmp_path, monkeypatch):
    Case(BOM_CASES[kind], None).build(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = run("stats", "scenario.toml", "-f", "csv", "-o", "out.csv")
    assert res.exit_code == 0, (res.stderr, res.exception)
    assert res.stderr == ""
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("scenario,altitude_m,zone,")
    assert len(lines) == 1 + 7  # one altitude, the BLR zones
    ok = run("validate", "scenario.toml")
    assert ok.exit_code == 0 and "OK" in ok.stdout
