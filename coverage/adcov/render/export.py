"""GIS exports: GeoJSON (RFC 7946), GeoPackage and KML.

An export carries the layers asked for (all of them by default), in this order:

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

Every function takes a *source*: a :class:`adcov.analysis.Result`, or a :class:`Rings` (a
scenario's sites and envelopes, computed without any overlay, for the ``sites`` and
``envelopes`` layers and, given the region's zones, ``zones`` and ``borders``). Only the
layers asked for are built, and KML and GeoJSON are written with the standard library: an
export of sites and envelopes imports neither pandas nor geopandas.

Geometry is WGS84 lon/lat, split at the antimeridian, with counter-clockwise exteriors.
"""

from __future__ import annotations

import html
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely

from ..errors import InputError
from ..formats import EXPORT, extensions, format_for_path
from ..geodesy import ellipsoidal_area_km2
from ..projection import laea_to_lonlat, round_coordinates
from ..sitesfile import property_columns
from .records import (assumptions_summary, hidden_share, opening_altitude_index, percent_text,
                      site_record)
from .style import ROLE_COLORS, family, family_color

__all__ = ["LAYERS", "RING_LAYERS", "Rings", "check_layers", "layers", "to_geojson", "to_kml",
           "to_kmz", "write", "write_gpkg"]

LAYERS = ("sites", "envelopes", "unions", "gaps", "zones", "borders")
#: The layers a :class:`Rings` gives (``zones`` and ``borders`` only with its region's zones).
RING_LAYERS = ("sites", "envelopes", "zones", "borders")
_DECIMALS = 6
KML_NS = "http://www.opengis.net/kml/2.2"
#: Columns of the envelopes layer (besides the geometry), as in ``Result.envelopes`` with the
#: family and the area.
_ENVELOPE_COLUMNS = ("altitude_m", "site", "system", "family", "limited_by", "outer_km",
                     "inner_km", "horizon_km")
_TERRAIN_COLUMNS = ("terrain_masked_fraction", "outside_dem_fraction")
_SITE_COLUMNS = ("name", "system", "family", "lon", "lat", "antenna_height_m", "azimuth_deg",
                 "sector_width_deg", "max_range_km", "min_range_km", "max_altitude_m",
                 "min_altitude_m", "source", "notes", "color")
_NUMERIC_SITE_COLUMNS = ("lon", "lat", "antenna_height_m", "azimuth_deg", "sector_width_deg",
                         "max_range_km", "min_range_km", "max_altitude_m", "min_altitude_m")


def check_layers(names=None, entry: str = "layers") -> tuple:
    """The layers asked for, in :data:`LAYERS` order.

    Parameters
    ----------
    names : str or iterable of str, optional
        Layer names, or one comma-separated string (``"sites,envelopes"``; any case, spaces
        ignored). None: every layer.
    entry : str
        What to name in an error (``--layers`` on the command line).

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> check_layers("envelopes, sites")
    ('sites', 'envelopes')
    >>> check_layers("rings")
    Traceback (most recent call last):
    ...
    adcov.errors.InputError: layers: unknown layer; choose from sites, envelopes, unions, gaps, zones, borders (got 'rings')
    """
    if names is None:
        return LAYERS
    if isinstance(names, str):
        names = names.split(",")
    given = [str(n).strip().lower() for n in names]
    for n in given:
        if n not in LAYERS:
            raise InputError(f"unknown layer; choose from {', '.join(LAYERS)}", entry=entry,
                             value=n)
    if not given:
        raise InputError(f"names no layer; choose from {', '.join(LAYERS)}", entry=entry,
                         value="")
    return tuple(n for n in LAYERS if n in given)


# ------------------------------------------------------------------------------ sources
@dataclass(frozen=True, eq=False)
class Rings:
    """A scenario's sites and their envelopes at every altitude, without any overlay: what
    the ``sites`` and ``envelopes`` layers need (and, with ``region_zones``, ``zones`` and
    ``borders``). The envelopes are computed on first use, with one vectorised geodesic
    computation per altitude.

    Parameters
    ----------
    scenario : Scenario
        On a smooth Earth: terrain masking needs the analysis (:func:`adcov.analyze`).
    region_zones : Zones, optional
        The region's zones, for the ``zones`` and ``borders`` layers.

    Examples
    --------
    >>> from adcov import Scenario
    >>> rings = Rings(Scenario.builtin("belarus-2023"))
    >>> kml = to_kml(rings, layers="sites,envelopes")   # no overlay computed
    """

    scenario: object
    region_zones: object = field(default=None, repr=False)
    dem = None

    def __post_init__(self):
        if getattr(self.scenario, "terrain", None):
            raise InputError("envelopes masked by terrain need the analysis (adcov.analyze)",
                             entry="terrain", value=[str(p) for p in self.scenario.terrain])

    @cached_property
    def envelopes(self) -> tuple:
        """Per altitude, the tuple of every site's :class:`adcov.envelope.Envelope`."""
        from ..models import envelopes

        sc = self.scenario
        mode = getattr(sc, "mode", "engagement")
        return tuple(tuple(envelopes(sc.sites, h, k_factor=sc.k_factor, mode=mode))
                     for h in sc.altitudes_m)

    @property
    def reach_km(self) -> float:
        """How far the farthest envelope reaches from its site. [km]"""
        return max((e.outer_km for envs in self.envelopes for e in envs), default=0.0)

    @cached_property
    def centre(self) -> tuple:
        """The sites' centre (lon, lat), for the equal-area projection the polygons pass
        through on their way to split, valid lon/lat. [deg]"""
        lon = np.radians([s.lon for s in self.scenario.sites])
        lat = np.radians([s.lat for s in self.scenario.sites])
        if not len(lon):
            return 0.0, 0.0
        x, y, z = np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)
        cx, cy, cz = x.mean(), y.mean(), z.mean()
        return (round(math.degrees(math.atan2(cy, cx)), 4),
                round(math.degrees(math.atan2(cz, math.hypot(cx, cy))), 4))

    def wgs84_envelopes(self) -> list:
        """(envelope, lon/lat polygon) of every non-empty envelope, altitude by altitude."""
        from ..envelope import envelope_polygons

        lon0, lat0 = self.centre
        out = []
        for envs in self.envelopes:
            polys = envelope_polygons(envs, lon0, lat0)
            out.extend((e, laea_to_lonlat(p, lon0, lat0)) for e, p in zip(envs, polys)
                       if not p.is_empty)
        return out


def _wgs84_envelopes(source) -> list:
    if isinstance(source, Rings):
        return source.wgs84_envelopes()
    z = source.region_zones
    return [(e, laea_to_lonlat(g, z.lon0, z.lat0))
            for st in source.altitude_stats for e, g in zip(st.envelopes, st.polygons)
            if not g.is_empty]


# ------------------------------------------------------------------------------ layers
@dataclass
class _Layer:
    """A layer as plain data: column names, one dict per feature, one geometry per feature."""

    columns: list
    rows: list
    geometries: list
    typed: dict = field(default_factory=dict)  # column -> values for a typed pandas array


def _as_float(v):
    return None if v is None else float(v)


def _sites_layer(scenario) -> _Layer:
    rows = []
    for s in scenario.sites:
        rec = site_record(s) | {"notes": s.notes}
        row = {k: rec[k] for k in _SITE_COLUMNS}
        for k in _NUMERIC_SITE_COLUMNS:
            row[k] = _as_float(row[k])
        rows.append(row)
    columns = list(_SITE_COLUMNS)
    props = property_columns(dict.fromkeys(k for s in scenario.sites for k in s.properties),
                             _SITE_COLUMNS)
    typed = {}
    for key, col in props.items():
        values = _property_values([s.properties.get(key) for s in scenario.sites])
        typed[col] = values
        columns.append(col)
        for row, v in zip(rows, values):
            row[col] = v
    geoms = list(shapely.points([s.lon for s in scenario.sites], [s.lat for s in scenario.sites])) \
        if scenario.sites else []
    return _Layer(columns, rows, geoms, typed)


def _property_values(values: list) -> list:
    """A property's values as one type where they are numbers: integers stay integers beside
    missing values; integers among reals become reals."""
    given = [x for x in values if x is not None]
    if given and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in given) \
            and not all(isinstance(x, int) for x in given):
        return [None if x is None else float(x) for x in values]
    return list(values)


def _envelopes_layer(source) -> _Layer:
    families = {s.name: family(s.system) for s in source.scenario.sites}
    terrain = bool(source.dem)
    columns = list(_ENVELOPE_COLUMNS) + (list(_TERRAIN_COLUMNS) if terrain else []) + ["area_km2"]
    rows, geoms = [], []
    for e, g in _wgs84_envelopes(source):
        row = {"altitude_m": float(e.altitude_m), "site": e.site, "system": e.system,
               "family": families.get(e.site) or e.system, "limited_by": str(e.limited_by),
               "outer_km": float(e.outer_km), "inner_km": float(e.inner_km),
               "horizon_km": float(e.horizon_km)}
        if terrain:
            row.update(terrain_masked_fraction=_nan_none(e.terrain_masked_fraction),
                       outside_dem_fraction=_nan_none(e.outside_dem_fraction))
        row["area_km2"] = ellipsoidal_area_km2(g)
        rows.append(row)
        geoms.append(g)
    return _Layer(columns, rows, geoms)


def _nan_none(v):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)


def _frame_layer(gdf) -> _Layer:
    cols = [c for c in gdf.columns if c != "geometry"]
    return _Layer(cols, gdf[cols].to_dict("records"), list(gdf.geometry))


def _zones_layers(z) -> tuple:
    """The ``zones`` and ``borders`` layers of a region's zones."""
    def ll(g):
        return laea_to_lonlat(g, z.lon0, z.lat0)

    zrows, zgeoms = [], []
    items = [(z.region, "region", z.region_geom)]
    items += [(k, "sector", g) for k, g in z.sector_zones.items()]
    items += [(f"{k}_belt", "belt", g) for k, g in z.belts.items()]
    for name, kind, g in items:
        g = ll(g)
        zrows.append({"zone": name, "zone_kind": kind, "area_km2": ellipsoidal_area_km2(g)})
        zgeoms.append(g)
    brows, bgeoms = [], []
    for k, g in z.border_lines.items():
        brows.append({"sector": k, "neighbours": ",".join(z.sectors[k]),
                      "length_km": z.border_km[k]})
        bgeoms.append(ll(g))
    return (_Layer(["zone", "zone_kind", "area_km2"], zrows, zgeoms),
            _Layer(["sector", "neighbours", "length_km"], brows, bgeoms))


def _plain_layers(source, names) -> dict:
    """The layers ``names`` of ``source`` as :class:`_Layer`, in :data:`LAYERS` order."""
    names = check_layers(names)
    rings = isinstance(source, Rings)
    if rings:
        missing = [n for n in names if n not in RING_LAYERS or
                   (n in ("zones", "borders") and source.region_zones is None)]
        if missing:
            raise InputError("needs the analysis (adcov.analyze); sites and envelopes alone "
                             "do not give it", entry="layers", value=",".join(missing))
    out = {}
    for name in names:
        if name == "sites":
            out[name] = _sites_layer(source.scenario)
        elif name == "envelopes":
            out[name] = _envelopes_layer(source)
        elif name == "unions":
            out[name] = _frame_layer(source.unions)
        elif name == "gaps":
            out[name] = _frame_layer(source.gaps)
        elif name in ("zones", "borders") and name not in out:
            out["zones"], out["borders"] = _zones_layers(source.region_zones)
    return {n: out[n] for n in names}


def layers(source, names=None) -> dict:
    """The export layers as GeoDataFrames (WGS84), in :data:`LAYERS` order.

    Parameters
    ----------
    source : Result or Rings
        What to export.
    names : str or iterable of str, optional
        The layers to build (see :func:`check_layers`); default all.

    Returns
    -------
    dict
        Layer name -> geopandas.GeoDataFrame.
    """
    return _frames(source, names)


def _frames(source, names=None) -> dict:
    import geopandas as gpd

    out = {}
    for name, lay in _plain_layers(source, names).items():
        gdf = gpd.GeoDataFrame(lay.rows, columns=lay.columns,
                               geometry=gpd.GeoSeries(lay.geometries, crs="EPSG:4326"),
                               crs="EPSG:4326")
        for col, values in lay.typed.items():
            gdf[col] = _property_column(values)
        out[name] = gdf
    return out


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
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if not math.isfinite(v) else v
    if isinstance(value, np.integer):
        return int(value)
    if type(value).__name__ == "NAType":  # pandas.NA, without importing pandas
        return None
    return value


def to_geojson(source, *, layers=None) -> str:
    """One RFC 7946 FeatureCollection; each feature's ``layer`` property names its layer.

    Parameters
    ----------
    source : Result or Rings
    layers : str or iterable of str, optional
        The layers to write (default all; see :func:`check_layers`).
    """
    feats = []
    for name, lay in _plain_layers(source, layers).items():
        for rec, geom in zip(lay.rows, lay.geometries):
            if geom is None or geom.is_empty:
                continue
            geom = round_coordinates(geom, _DECIMALS)
            if geom.is_empty:
                continue
            feats.append({"type": "Feature",
                          "properties": {"layer": name,
                                         **{k: _clean(rec.get(k)) for k in lay.columns}},
                          "geometry": json.loads(shapely.to_geojson(geom))})
    doc = {"type": "FeatureCollection", "name": source.scenario.label, "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def write_gpkg(source, path: Path, *, layers=None) -> None:
    """A GeoPackage with one layer per entry of :data:`LAYERS` asked for (written to
    ``path``)."""
    frames = _frames(source, layers)
    for name, gdf in frames.items():
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


def to_kml(source, *, three_d: bool = False, layers=None) -> str:
    """KML 2.2 for Google Earth: sites, then the altitudes as a radio folder (one altitude
    shown at a time, the one nearest 1 km on opening), each with a folder per system, the
    union, depth layers and gaps; then the zones. Written with the standard library.

    Parameters
    ----------
    source : Result or Rings
        From :func:`adcov.analysis.analyze`, or :class:`Rings` for sites and envelopes alone.
    three_d : bool, default False
        Draw each envelope, union and gap at its target altitude above the ground
        (``altitudeMode`` ``relativeToGround``), so Google Earth shows the envelopes in 3D.
    layers : str or iterable of str, optional
        The layers to write (default all; see :func:`check_layers`).

    Returns
    -------
    str
    """
    ET.register_namespace("", KML_NS)
    lay = _plain_layers(source, layers)
    sc = source.scenario
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", sc.name)
    _sub(doc, "description", html.escape(" ".join(
        p for p in (assumptions_summary(sc, source.dem), sc.description) if p)))
    if "sites" in lay or "envelopes" in lay:
        for fam in sorted({family(s.system) for s in sc.sites}):
            color = family_color(fam)
            _style(doc, _style_id(fam), _kml_color(color, 0.9), _kml_color(color, 0.15))
    # The map's colours for the map's meanings (render/style.py).
    if "unions" in lay:
        _style(doc, "union", _kml_color(ROLE_COLORS["union"], 0.9), None, width=2.5)
    if "gaps" in lay:
        _style(doc, "gap", _kml_color(ROLE_COLORS["gap"], 0.9),
               _kml_color(ROLE_COLORS["gap"], 0.4), width=2)
        _style(doc, "dead-zone", _kml_color(ROLE_COLORS["dead_zone"], 0.9),
               _kml_color(ROLE_COLORS["dead_zone"], 0.4), width=2)
    if "unions" in lay:
        _style(doc, "depth", _kml_color(ROLE_COLORS["depth2"], 0.0),
               _kml_color(ROLE_COLORS["depth2"], 0.4))
    if "zones" in lay or "borders" in lay:
        _style(doc, "zone", _kml_color(ROLE_COLORS["region"], 0.9), None, width=1)
    per_altitude = [k for k in ("envelopes", "unions", "gaps") if k in lay]
    if per_altitude:
        radio = _sub(doc, "Style", id="one-at-a-time")
        _sub(_sub(radio, "ListStyle"), "listItemType", "radioFolder")

    if "sites" in lay:
        folder = _sub(doc, "Folder")
        _sub(folder, "name", "Sites")
        for site, rec, geom in zip(sc.sites, lay["sites"].rows, lay["sites"].geometries):
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

    if per_altitude:
        by_alt = _sub(doc, "Folder")
        _sub(by_alt, "name", "Coverage by target altitude (one at a time)")
        _sub(by_alt, "styleUrl", "#one-at-a-time")
        shown = opening_altitude_index(sc.altitudes_m)

        def at(name, altitude):
            layer = lay.get(name)
            if layer is None:
                return []
            return [(r, g) for r, g in zip(layer.rows, layer.geometries)
                    if r["altitude_m"] == altitude]

        for a_index, altitude in enumerate(sc.altitudes_m):
            height = altitude if three_d else None
            af = _sub(by_alt, "Folder")
            _sub(af, "name", f"Target altitude {altitude:g} m")
            _sub(af, "visibility", 1 if a_index == shown else 0)
            part = at("envelopes", altitude)
            if source.dem and part:
                share = hidden_share([r.get("terrain_masked_fraction") for r, _ in part],
                                     [r["area_km2"] for r, _ in part])
                if share is not None:
                    _sub(af, "description", html.escape(
                        f"Terrain applied ({source.dem}): it hides {percent_text(share)} of the "
                        "envelopes' smooth-Earth area at this altitude."))
            for system in sorted({r["system"] for r, _ in part}):
                sf = _sub(af, "Folder")
                _sub(sf, "name", system)
                for rec, geom in part:
                    if rec["system"] != system:
                        continue
                    pm = _sub(sf, "Placemark")
                    _sub(pm, "name", f"{rec['site']} ({altitude:g} m)")
                    terrain_rows = []
                    if source.dem:
                        masked = rec.get("terrain_masked_fraction")
                        outside = rec.get("outside_dem_fraction")
                        if masked is not None:
                            terrain_rows.append(("Hidden by terrain", f"{percent_text(masked)} of "
                                                 "the smooth-Earth envelope"))
                        if outside:
                            terrain_rows.append(("Outside the DEM", f"{percent_text(outside)} of "
                                                 "the envelope (smooth Earth there)"))
                    _sub(pm, "description", _description([
                        ("Site", rec["site"]), ("System", rec["system"]),
                        ("Ring", f"{rec['inner_km']:.1f}-{rec['outer_km']:.1f} km"),
                        ("Limited by", rec["limited_by"]),
                        ("Area", f"{rec['area_km2']:.0f} km2"), *terrain_rows]))
                    _sub(pm, "styleUrl", "#" + _style_id(rec["family"]))
                    _kml_geometry(pm, geom, height)
            for rec, geom in at("unions", altitude):
                if geom.is_empty:
                    continue
                pm = _sub(af, "Placemark")
                depth = rec["min_depth"]
                _sub(pm, "name", "Union" if depth == 1 else f"Depth >= {depth}")
                _sub(pm, "styleUrl", "#union" if depth == 1 else "#depth")
                _kml_geometry(pm, geom, height)
            gp = [(r, g) for r, g in at("gaps", altitude) if r["zone"] == sc.region]
            if gp:
                gf = _sub(af, "Folder")
                _sub(gf, "name", "Gaps")
                for rec, geom in gp:
                    pm = _sub(gf, "Placemark")
                    dead = rec.get("kind") == "dead_zone"
                    _sub(pm, "name", f"{'Dead zone' if dead else 'Gap'} {rec['rank']}: "
                                     f"{rec['area_km2']:.0f} km2")
                    _sub(pm, "styleUrl", "#dead-zone" if dead else "#gap")
                    _kml_geometry(pm, geom, height)

    if "zones" in lay or "borders" in lay:
        zf = _sub(doc, "Folder")
        _sub(zf, "name", "Zones")
        for key in ("zones", "borders"):
            if key not in lay:
                continue
            for rec, geom in zip(lay[key].rows, lay[key].geometries):
                pm = _sub(zf, "Placemark")
                _sub(pm, "name", rec.get("zone") or f"{rec['sector']} border")
                _sub(pm, "styleUrl", "#zone")
                _kml_geometry(pm, geom)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_kmz(source, *, three_d: bool = False, layers=None) -> bytes:
    """The KML of :func:`to_kml` zipped as a KMZ (``doc.kml``), byte-identical for the same
    source."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("doc.kml", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, to_kml(source, three_d=three_d, layers=layers).encode("utf-8"))
    return buf.getvalue()


def write(source, path, *, three_d: bool = False, layers=None) -> Path:
    """Write an export, its format chosen by the file's extension (whole or not at all).

    Parameters
    ----------
    source : Result or Rings
        From :func:`adcov.analysis.analyze`, or :class:`Rings` for sites and envelopes alone.
    path : str or path-like
        .geojson/.json, .gpkg, .kml or .kmz.
    three_d : bool, default False
        KML/KMZ only: draw envelopes at their target altitude (see :func:`to_kml`).
    layers : str or iterable of str, optional
        The layers to write (default all; see :func:`check_layers`).

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
    layers = check_layers(layers)
    if fmt == "geojson":
        return write_atomic(path, to_geojson(source, layers=layers))
    if fmt == "kml":
        return write_atomic(path, to_kml(source, three_d=three_d, layers=layers))
    if fmt == "kmz":
        return write_atomic(path, to_kmz(source, three_d=three_d, layers=layers))

    def gpkg(tmp: Path):
        tmp.unlink()  # GDAL creates the file itself
        write_gpkg(source, tmp, layers=layers)

    return write_via(path, gpkg, suffix=".gpkg")
