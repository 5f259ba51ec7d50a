"""GIS exports: GeoJSON (RFC 7946), GeoPackage and KML.

Every export carries the same layers:

``sites``
    one point per site, with the system's limits, the site's source and notes, and one
    column per site property (empty where a site lacks it; a property named like one of the
    layer's own columns gets the suffix ``_property``); read back as a sites file by
    :mod:`adcov.sitesfile`;
``envelopes``
    one polygon per site and altitude (empty envelopes left out);
``unions``
    the areas covered by at least 1, 2 and 3 envelopes, per altitude (``min_depth``);
``gaps``
    connected uncovered parts larger than ``min_gap_km2``, per altitude and zone;
``zones``
    the region, its sector zones and belts;
``borders``
    each sector's shared border line.

Geometry is WGS84 lon/lat, split at the antimeridian, with counter-clockwise exteriors.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import shapely

from ..errors import InputError
from ..formats import EXPORT, extensions, format_for_path
from ..geodesy import ellipsoidal_area_km2
from ..projection import round_coordinates
from ..sitesfile import property_columns
from .records import assumptions_summary, opening_altitude_index, site_record
from .style import ROLE_COLORS, family

__all__ = ["LAYERS", "to_kmz", "layers", "to_geojson", "to_kml", "write"]

LAYERS = ("sites", "envelopes", "unions", "gaps", "zones", "borders")
_DECIMALS = 6
KML_NS = "http://www.opengis.net/kml/2.2"


def layers(result) -> dict:
    """The export layers as GeoDataFrames (WGS84), in :data:`LAYERS` order."""
    import geopandas as gpd

    sc = result.scenario
    keep = ("name", "system", "family", "lon", "lat", "antenna_height_m", "azimuth_deg",
            "sector_width_deg", "max_range_km", "min_range_km", "max_altitude_m",
            "min_altitude_m", "source", "notes", "color")
    site_recs = [{k: (site_record(s) | {"notes": s.notes})[k] for k in keep} for s in sc.sites]
    sites = gpd.GeoDataFrame(site_recs, geometry=shapely.points(
        [s.lon for s in sc.sites], [s.lat for s in sc.sites]), crs="EPSG:4326")
    columns = property_columns(dict.fromkeys(k for s in sc.sites for k in s.properties), keep)
    for key, col in columns.items():
        sites.insert(len(sites.columns) - 1, col,
                     _property_column([s.properties.get(key) for s in sc.sites]))

    families = {s.name: family(s.system) for s in sc.sites}
    env = result.envelopes.copy()
    env.insert(3, "family", [families[n] for n in env.site])
    env["area_km2"] = [ellipsoidal_area_km2(g) for g in env.geometry]

    z = result.region_zones
    zg = result.zone_geometries
    zones = zg[zg.zone_kind != "border"].copy()
    zones["area_km2"] = [ellipsoidal_area_km2(g) for g in zones.geometry]
    borders = zg[zg.zone_kind == "border"].copy()
    borders["zone"] = borders.zone.str.removesuffix("_border")
    borders = borders.rename(columns={"zone": "sector"}).drop(columns="zone_kind")
    borders["neighbours"] = [",".join(z.sectors[k]) for k in borders.sector]
    borders["length_km"] = [z.border_km[k] for k in borders.sector]
    return {"sites": sites, "envelopes": env, "unions": result.unions.copy(),
            "gaps": result.gaps.copy(), "zones": zones.reset_index(drop=True),
            "borders": borders.reset_index(drop=True)}


def _property_column(values: list):
    """A property's column, typed so that integers stay integers beside missing values (and
    GeoPackage gets an integer, real, boolean or text field)."""
    import pandas as pd

    given = [x for x in values if x is not None]
    if all(isinstance(x, bool) for x in given):
        return pd.array(values, dtype="boolean")
    if all(isinstance(x, int) and not isinstance(x, bool) for x in given):
        return pd.array(values, dtype="Int64")
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in given):
        return pd.array([None if x is None else float(x) for x in values], dtype="Float64")
    return pd.array(values, dtype=object)


def _clean(value):
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not np.isfinite(v) else v
    if isinstance(value, np.integer):
        return int(value)
    return value


def to_geojson(result) -> str:
    """One RFC 7946 FeatureCollection; each feature's ``layer`` property names its layer."""
    feats = []
    for name, gdf in layers(result).items():
        props = gdf.drop(columns="geometry")
        for rec, geom in zip(props.to_dict("records"), gdf.geometry):
            if geom is None or geom.is_empty:
                continue
            geom = round_coordinates(geom, _DECIMALS)
            if geom.is_empty:
                continue
            feats.append({"type": "Feature",
                          "properties": {"layer": name, **{k: _clean(v) for k, v in rec.items()}},
                          "geometry": json.loads(shapely.to_geojson(geom))})
    doc = {"type": "FeatureCollection", "name": result.scenario.label, "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def write_gpkg(result, path: Path) -> None:
    """A GeoPackage with one layer per entry of :data:`LAYERS` (written to ``path``)."""
    for name, gdf in layers(result).items():
        gdf = gdf.copy()
        for col in gdf.columns:
            if col != "geometry" and gdf[col].dtype == object:
                gdf[col] = gdf[col].astype("string")
        if gdf.empty:
            # GDAL needs a geometry type for an empty layer; say it explicitly.
            gdf = gdf.set_geometry(gdf.geometry.astype(object))
        geom_types = set(gdf.geom_type.dropna()) if not gdf.empty else set()
        promote = bool(geom_types & {"Polygon", "MultiPolygon"}) or \
            bool(geom_types & {"LineString", "MultiLineString"})
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio", promote_to_multi=promote)


# ------------------------------------------------------------------------------ KML
def _kml_color(hex_rgb: str, alpha: float) -> str:
    """KML colours are aabbggrr."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{int(round(alpha * 255)):02x}{b}{g}{r}".lower()


def _sub(parent, tag, text=None, **attrs):
    node = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def _coords(seq) -> str:
    return " ".join(f"{x:.{_DECIMALS}f},{y:.{_DECIMALS}f}" for x, y in np.asarray(seq)[:, :2])


def _kml_geometry(parent, geom, height_m=None):
    """Geometry as KML; with ``height_m`` polygons are drawn at that height above the ground
    (``relativeToGround``), so Google Earth shows each ring at its target altitude."""
    parts = list(shapely.get_parts(geom))
    if len(parts) > 1:
        parent = _sub(parent, "MultiGeometry")

    def ring(node, coords):
        xy = np.asarray(coords)[:, :2]
        if height_m is None:
            _sub(node, "coordinates", _coords(xy))
        else:
            _sub(node, "coordinates", " ".join(f"{x:.{_DECIMALS}f},{y:.{_DECIMALS}f},"
                                               f"{height_m:g}" for x, y in xy))

    for p in parts:
        if p.geom_type == "Polygon":
            poly = _sub(parent, "Polygon")
            if height_m is not None:
                _sub(poly, "altitudeMode", "relativeToGround")
            ring(_sub(_sub(poly, "outerBoundaryIs"), "LinearRing"), p.exterior.coords)
            for hole in p.interiors:
                ring(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), hole.coords)
        elif p.geom_type == "LineString":
            _sub(_sub(parent, "LineString"), "coordinates", _coords(p.coords))
        elif p.geom_type == "Point":
            _sub(_sub(parent, "Point"), "coordinates", _coords([p.coords[0]]))


def _style(doc, sid, line, fill=None, width=1.5):
    st = _sub(doc, "Style", id=sid)
    ls = _sub(st, "LineStyle")
    _sub(ls, "color", line)
    _sub(ls, "width", width)
    ps = _sub(st, "PolyStyle")
    if fill is None:
        _sub(ps, "fill", 0)
    else:
        _sub(ps, "color", fill)


def _description(rows) -> str:
    """A KML description: Google Earth renders it as HTML, so every value is HTML-escaped
    (ElementTree then escapes the result once more for XML) and only our own ``<b>`` and
    ``<br>`` are markup."""
    return "<br>\n".join(f"<b>{html.escape(str(k))}</b>: {html.escape(str(v))}"
                          for k, v in rows if v not in (None, ""))


def _style_id(text: str) -> str:
    return "fam-" + "".join(c if c.isalnum() else "-" for c in text)


def to_kml(result, *, three_d: bool = False) -> str:
    """KML 2.2 for Google Earth: sites, then the altitudes as a radio folder (one altitude
    shown at a time, the one nearest 1 km on opening), each with a folder per system, the
    union, depth layers and gaps; then the zones.

    Parameters
    ----------
    result : Result
        From :func:`adcov.analysis.analyze`.
    three_d : bool, default False
        Draw each envelope, union and gap at its target altitude above the ground
        (``altitudeMode`` ``relativeToGround``), so Google Earth shows the envelopes in 3D.

    Returns
    -------
    str
    """
    ET.register_namespace("", KML_NS)
    lay = layers(result)
    sc = result.scenario
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", sc.name)
    _sub(doc, "description", html.escape(" ".join(
        p for p in (assumptions_summary(sc, result.dem), sc.description) if p)))
    for fam, color in sorted(set(zip(lay["sites"].family, lay["sites"].color))):
        _style(doc, _style_id(fam), _kml_color(color, 0.9), _kml_color(color, 0.15))
    # The map's colours for the map's meanings (render/style.py).
    _style(doc, "union", _kml_color(ROLE_COLORS["union"], 0.9), None, width=2.5)
    _style(doc, "gap", _kml_color(ROLE_COLORS["gap"], 0.9), _kml_color(ROLE_COLORS["gap"], 0.4),
           width=2)
    _style(doc, "dead-zone", _kml_color(ROLE_COLORS["dead_zone"], 0.9),
           _kml_color(ROLE_COLORS["dead_zone"], 0.4), width=2)
    _style(doc, "depth", _kml_color(ROLE_COLORS["depth2"], 0.0),
           _kml_color(ROLE_COLORS["depth2"], 0.4))
    _style(doc, "zone", _kml_color(ROLE_COLORS["region"], 0.9), None, width=1)
    radio = _sub(doc, "Style", id="one-at-a-time")
    _sub(_sub(radio, "ListStyle"), "listItemType", "radioFolder")

    folder = _sub(doc, "Folder")
    _sub(folder, "name", "Sites")
    for site, rec, geom in zip(sc.sites, lay["sites"].drop(columns="geometry").to_dict("records"),
                               lay["sites"].geometry):
        pm = _sub(folder, "Placemark")
        _sub(pm, "name", rec["name"])
        sy = site.system
        limits = ([("Range", f"{sy.min_range_km:g}-{sy.max_range_km:g} km (slant)"),
                   ("Altitude", f"{sy.min_altitude_m:g}-{sy.max_altitude_m:g} m")]
                  if sy.max_range_km is not None else [])
        if sy.detection_range_km is not None:
            limits.append(("Detection range", f"{sy.detection_range_km:g} km"))
        _sub(pm, "description", _description([
            ("System", rec["system"]), *limits,
            ("Antenna height", f"{rec['antenna_height_m']:g} m"),
            ("Source", rec["source"]), ("Notes", site.notes), *site.properties.items()]))
        _sub(pm, "styleUrl", "#" + _style_id(rec["family"]))
        _kml_geometry(pm, geom)

    env = lay["envelopes"]
    by_alt = _sub(doc, "Folder")
    _sub(by_alt, "name", "Coverage by target altitude (one at a time)")
    _sub(by_alt, "styleUrl", "#one-at-a-time")
    shown = opening_altitude_index(sc.altitudes_m)
    for a_index, altitude in enumerate(sc.altitudes_m):
        height = altitude if three_d else None
        af = _sub(by_alt, "Folder")
        _sub(af, "name", f"Target altitude {altitude:g} m")
        _sub(af, "visibility", 1 if a_index == shown else 0)
        part = env[env.altitude_m == altitude]
        for system in sorted(set(part.system)):
            sf = _sub(af, "Folder")
            _sub(sf, "name", system)
            rows = part[part.system == system]
            for rec, geom in zip(rows.drop(columns="geometry").to_dict("records"), rows.geometry):
                pm = _sub(sf, "Placemark")
                _sub(pm, "name", f"{rec['site']} ({altitude:g} m)")
                _sub(pm, "description", _description([
                    ("Site", rec["site"]), ("System", rec["system"]),
                    ("Ring", f"{rec['inner_km']:.1f}-{rec['outer_km']:.1f} km"),
                    ("Limited by", rec["limited_by"]), ("Area", f"{rec['area_km2']:.0f} km2")]))
                _sub(pm, "styleUrl", "#" + _style_id(rec["family"]))
                _kml_geometry(pm, geom, height)
        un = lay["unions"]
        for rec, geom in zip(un[un.altitude_m == altitude].to_dict("records"),
                             un[un.altitude_m == altitude].geometry):
            if geom.is_empty:
                continue
            pm = _sub(af, "Placemark")
            depth = rec["min_depth"]
            _sub(pm, "name", "Union" if depth == 1 else f"Depth >= {depth}")
            _sub(pm, "styleUrl", "#union" if depth == 1 else "#depth")
            _kml_geometry(pm, geom, height)
        gp = lay["gaps"]
        gp = gp[(gp.altitude_m == altitude) & (gp.zone == sc.region)]
        if len(gp):
            gf = _sub(af, "Folder")
            _sub(gf, "name", "Gaps")
            for rec, geom in zip(gp.to_dict("records"), gp.geometry):
                pm = _sub(gf, "Placemark")
                dead = rec.get("kind") == "dead_zone"
                _sub(pm, "name", f"{'Dead zone' if dead else 'Gap'} {rec['rank']}: "
                                 f"{rec['area_km2']:.0f} km2")
                _sub(pm, "styleUrl", "#dead-zone" if dead else "#gap")
                _kml_geometry(pm, geom, height)

    zf = _sub(doc, "Folder")
    _sub(zf, "name", "Zones")
    for key in ("zones", "borders"):
        g = lay[key]
        for rec, geom in zip(g.drop(columns="geometry").to_dict("records"), g.geometry):
            pm = _sub(zf, "Placemark")
            _sub(pm, "name", rec.get("zone") or f"{rec['sector']} border")
            _sub(pm, "styleUrl", "#zone")
            _kml_geometry(pm, geom)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_kmz(result, *, three_d: bool = False) -> bytes:
    """The KML of :func:`to_kml` zipped as a KMZ (``doc.kml``), byte-identical for the same
    result."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("doc.kml", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, to_kml(result, three_d=three_d).encode("utf-8"))
    return buf.getvalue()


def write(result, path, *, three_d: bool = False) -> Path:
    """Write an export, its format chosen by the file's extension (whole or not at all).

    Parameters
    ----------
    result : Result
        From :func:`adcov.analysis.analyze`.
    path : str or path-like
        .geojson/.json, .gpkg, .kml or .kmz.
    three_d : bool, default False
        KML/KMZ only: draw envelopes at their target altitude (see :func:`to_kml`).

    Returns
    -------
    pathlib.Path
    """
    from .._io import write_atomic, write_via

    path = Path(path)
    fmt = format_for_path(path, EXPORT)
    if fmt is None:
        raise InputError(f"unknown export format; use one of {', '.join(extensions(EXPORT))}",
                         file=path, entry="output", value=path.suffix)
    if fmt == "geojson":
        return write_atomic(path, to_geojson(result))
    if fmt == "kml":
        return write_atomic(path, to_kml(result, three_d=three_d))
    if fmt == "kmz":
        return write_atomic(path, to_kmz(result, three_d=three_d))

    def gpkg(tmp: Path):
        tmp.unlink()  # GDAL creates the file itself
        write_gpkg(result, tmp)

    return write_via(path, gpkg, suffix=".gpkg")
