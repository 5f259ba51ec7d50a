"""Interactive maps: one self-contained HTML file per result, readable offline.

The map is a folium map whose every script and stylesheet is inlined: Leaflet 1.9.4 (from the
``django-js-lib-leaflet`` package, BSD-2-Clause, with its images as data URIs) and this package's
own script and style. The only requests a map makes are for base-map tiles, and with
``tiles="none"`` it makes none. Layers and controls are built in the browser from one JSON data
block; user-supplied text reaches the page through ``textContent`` only, and the JSON is written
so that it cannot close its ``<script>`` element.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely

from ..borders import country_geometry
from ..errors import InputError
from ..geodesy import wrap_longitude
from ..projection import area_km2, laea_to_lonlat, near_longitude, round_coordinates
from ..regions import country_bbox, country_codes, country_name
from ..stats import compare_zone_tables
from .records import assumptions_summary, site_record
from .style import SECTOR_COLORS, TILES, badge_label, family, family_color

__all__ = ["build_map", "map_html", "map_data"]

_DECIMALS = 5  # about 1 m


# ------------------------------------------------------------------------------ assets
@lru_cache(maxsize=1)
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS, the CSS with its image references turned into data URIs."""
    try:
        base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    except ModuleNotFoundError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("maps need the Leaflet assets: pip install django-js-lib-leaflet") from exc
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(match):
        name = match.group(1).strip("'\"")
        if not name.startswith("images/"):
            return match.group(0)
        data = (base / name).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode()})"

    css = re.sub(r"url\(([^)#]+)\)", inline, css)
    css = css.replace("url(#default#VML)", "none")
    return js, css


@lru_cache(maxsize=1)
def _own_assets() -> tuple[str, str]:
    base = resources.files("adcov.render") / "_assets"
    return ((base / "adcov-map.js").read_text(encoding="utf-8"),
            (base / "adcov-map.css").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ data
def _feature(geom, props) -> dict | None:
    if geom is None or geom.is_empty:
        return None
    geom = round_coordinates(geom, _DECIMALS, snap=False)
    if geom.is_empty:
        return None
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))}


def _fc(features) -> dict:
    return {"type": "FeatureCollection", "features": [f for f in features if f is not None]}


def _countries(zones, bounds) -> dict:
    """Countries whose bounding box meets the map's extent; the region at full detail."""
    x0, y0, x1, y1 = bounds
    feats = []
    for code in country_codes():
        bx0, by0, bx1, by1 = country_bbox(code)
        if by1 < y0 or by0 > y1 or not any(bx1 + k >= x0 and bx0 + k <= x1 for k in (-360, 0, 360)):
            continue
        # Parts moved next to the region's longitude, so that the map is continuous across
        # the antimeridian.
        geom = near_longitude(country_geometry(code), zones.lon0)
        if code != zones.region:
            tol = 0.002 if code in zones.neighbour_geoms else 0.01
            geom = shapely.simplify(shapely.clip_by_rect(geom, x0, y0, x1, y1), tol)
            if geom.is_empty:
                continue
        role = "region" if code == zones.region else (
            "neighbour" if code in zones.neighbour_geoms else "other")
        feats.append(_feature(geom, {"iso3": code, "name": country_name(code), "role": role}))
    # The region last, so that it is drawn on top.
    feats.sort(key=lambda f: f is not None and f["properties"]["role"] == "region")
    return _fc(feats)


def _table_rows(zones_df, altitude, delta=None) -> list:
    part = zones_df[zones_df.altitude_m == altitude]
    rows = []
    for r in part.itertuples(index=False):
        rec = {"zone": r.zone, "kind": r.zone_kind, "covered_fraction": float(r.covered_fraction),
               "mean_depth": float(r.mean_depth), "gap_count": int(r.gap_count),
               "largest_gap_km2": float(r.largest_gap_km2),
               "border_covered_fraction": None if np.isnan(r.border_covered_fraction)
               else float(r.border_covered_fraction)}
        if delta is not None:
            rec["delta_covered_fraction"] = delta.get((altitude, r.zone))
        rows.append(rec)
    return rows


def _site_records(result, st) -> list:
    lon0 = result.region_zones.lon0
    recs = []
    for site, env in zip(result.scenario.sites, st.envelopes):
        rec = site_record(site)
        rec.update(lon=wrap_longitude(site.lon, lon0), short=badge_label(site.system),
                   limited_by=str(env.limited_by), outer_km=env.outer_km, inner_km=env.inner_km,
                   horizon_km=env.horizon_km, empty=env.empty,
                   sources=site.system.source_lines(),
                   # Pairs, not an object: JavaScript would list numeric-looking names first.
                   properties=[[k, v] for k, v in site.properties.items()])
        recs.append(rec)
    return recs


def map_data(result, compare=None) -> dict:
    """Everything the map script draws, as plain data (lon/lat, rounded)."""
    z = result.region_zones
    sc = result.scenario

    def ll(g):
        # Continuous longitudes around the region, so that shapes across the antimeridian draw
        # in one piece on the web map.
        return laea_to_lonlat(g, z.lon0, z.lat0, split=False)

    all_geoms = [z.region_geom] + [g for st in result.altitude_stats for g in st.polygons
                                   if not g.is_empty]
    bx0, by0, bx1, by1 = shapely.total_bounds(np.array([ll(g) for g in all_geoms], dtype=object))
    # Context countries well beyond the coverage, so that no clipped edge shows on screen.
    view = (bx0 - 8.0, max(by0 - 5.0, -90.0), bx1 + 8.0, min(by1 + 5.0, 90.0))

    delta = None
    if compare is not None:
        cmp = compare_zone_tables(compare.zones, result.zones, compare.scenario.label,
                                  result.scenario.label)
        diff = cmp[cmp.scenario.str.contains(" - ", regex=False)]
        delta = {(r.altitude_m, r.zone): float(r.covered_fraction) for r in diff.itertuples()}

    sector_names = list(z.sector_zones)
    sector_color = {k: SECTOR_COLORS[i % len(SECTOR_COLORS)] for i, k in enumerate(sector_names)}
    sectors, borders, labels = [], [], []
    for k, g in z.sector_zones.items():
        sectors.append(_feature(ll(g), {"name": k, "color": sector_color[k],
                                        "neighbours": list(z.sectors[k])}))
        p = ll(shapely.point_on_surface(g))
        labels.append({"name": k, "lon": p.x, "lat": p.y})
    for k, g in z.border_lines.items():
        borders.append(_feature(ll(g), {"name": k, "color": sector_color.get(k, "#555")}))

    altitudes = []
    families = {}
    for st in result.altitude_stats:
        env_feats = []
        for site, env, poly in zip(sc.sites, st.envelopes, st.polygons):
            if poly.is_empty:
                continue
            fam = family(site.system)
            families[fam] = family_color(fam)
            env_feats.append(_feature(ll(poly), {
                "site": env.site, "system": env.system, "limited_by": env.limited_by,
                "outer_km": round(env.outer_km, 2), "inner_km": round(env.inner_km, 2),
                "color": family_color(fam)}))
        gaps = [_feature(ll(p), {"zone": z.region, "area_km2": round(area_km2(p), 1),
                                 "kind": kind})
                for p, kind in zip(st.gaps.get(z.region, ()), st.gap_kinds.get(z.region, ()))]
        entry = {
            "altitude_m": st.altitude_m,
            "envelopes": _fc(env_feats),
            "union": _fc([_feature(ll(st.layer(1)), {})]),
            "depth2": _fc([_feature(ll(st.layer(2)), {})]),
            "depth3": _fc([_feature(ll(st.layer(3)), {})]),
            "gaps": _fc(gaps),
            "sites": _site_records(result, st),
            "table": _table_rows(result.zones, st.altitude_m, delta),
        }
        if compare is not None:
            other = next((o for o in compare.altitude_stats if o.altitude_m == st.altitude_m), None)
            mine = st.layer(1)
            theirs = other.layer(1) if other is not None else shapely.Polygon()
            gained = shapely.difference(mine, theirs)
            lost = shapely.difference(theirs, mine)
            entry["gained"] = _fc([_feature(ll(p), {"area_km2": round(area_km2(p), 1)})
                                   for p in shapely.get_parts(gained) if p.area > 1e6])
            entry["lost"] = _fc([_feature(ll(p), {"area_km2": round(area_km2(p), 1)})
                                 for p in shapely.get_parts(lost) if p.area > 1e6])
        altitudes.append(entry)

    title = sc.name if compare is None else f"{sc.name} vs {compare.scenario.name}"
    meta = {
        "title": title,
        "subtitle": assumptions_summary(sc),
        "assumptions": "Envelope = min(missile slant range, radar horizon) outside the dead zone; "
                       "empty above the ceiling or below the floor.",
        "bounds": [[float(by0), float(bx0)], [float(by1), float(bx1)]],
        "initial_index": _initial_index(sc.altitudes_m),
        "min_gap_km2": sc.min_gap_km2,
    }
    data = {
        "meta": meta,
        "countries": _countries(z, view),
        "sectors": _fc(sectors), "borders": _fc(borders), "sector_labels": labels,
        "altitudes": altitudes,
        "legend": [{"family": k, "color": v} for k, v in sorted(families.items())],
        "compare": None if compare is None else {"label_a": compare.scenario.label,
                                                  "label_b": sc.label},
    }
    return data


def _initial_index(altitudes) -> int:
    # Open on the altitude closest to 1 km: low enough for the horizon to matter, high enough
    # for most systems to reach.
    return int(np.argmin([abs(np.log10(max(a, 1.0)) - 3.0) for a in altitudes]))


def _script_json(data) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' outside escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ------------------------------------------------------------------------------ the map
def build_map(result, *, tiles: str = "osm", compare=None):
    """A folium map of a result, self-contained (Leaflet and all code inlined).

    Parameters
    ----------
    result : Result
        From :func:`adcov.analyze`.
    tiles : str, default "osm"
        Base layer: one of :data:`TILES` (``"none"`` for no tiles at all).
    compare : Result, optional
        Another result of the same region: the map then shows, per altitude, the area this
        result covers and ``compare`` does not ("gained") and the reverse ("lost"), with the
        change in each zone's coverage in the panel.

    Returns
    -------
    folium.Map
        Displays inline in Jupyter; ``.save(path)`` writes the HTML (or use :func:`map_html`).
    """
    try:
        import folium
        from branca.element import Element, MacroElement
        from jinja2 import Template
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("maps need folium: pip install folium") from exc
    if tiles not in TILES:
        raise InputError(f"unknown base layer; choose from {', '.join(TILES)}", entry="tiles",
                         value=tiles)
    if compare is not None and compare.scenario.region != result.scenario.region:
        raise InputError("can only compare scenarios of the same region", entry="compare",
                         value=compare.scenario.region)

    class _Raw(Element):
        """Text placed in the page as it is. branca's Element compiles its text as a Jinja
        template, which would run template code hidden in a scenario's names."""

        _template = Template("{{ this.text }}")

        def __init__(self, text: str):
            super().__init__()
            self.text = text

    data = map_data(result, compare)
    m = folium.Map(location=None, tiles=None, control_scale=True, prefer_canvas=False,
                   zoom_control=True)
    m._id = "adcov"
    # No CDN: drop folium's default assets and inline Leaflet and our own code instead.
    m.default_js = []
    m.default_css = []
    leaflet_js, leaflet_css = _leaflet_assets()
    own_js, own_css = _own_assets()
    root = m.get_root()
    root.header.add_child(_Raw(f"<title>{html.escape(data['meta']['title'])}</title>"),
                          name="adcov_title")
    root.header.add_child(_Raw(f"<style>{leaflet_css}</style>"), name="leaflet_css")
    root.header.add_child(_Raw(f"<style>{own_css}</style>"), name="adcov_css")
    root.header.add_child(_Raw(f"<script>{leaflet_js}</script>"), name="leaflet_js")
    root.header.add_child(_Raw(f"<script>{own_js}</script>"), name="adcov_js")
    root.html.add_child(_Raw(
        f'<script type="application/json" id="adcov-data">{_script_json(data)}</script>'),
        name="adcov_data")

    spec = TILES[tiles]
    if spec is not None:
        folium.TileLayer(tiles=spec[0], attr=spec[1], name=tiles, max_zoom=18).add_to(m)

    init = MacroElement()
    init._name = "AdcovInit"
    init._template = Template(
        "{% macro script(this, kwargs) %}"
        "adcovMap({{ this._parent.get_name() }}, "
        "JSON.parse(document.getElementById('adcov-data').textContent));"
        "{% endmacro %}")
    m.add_child(init, name="adcov_init")
    return m


def map_html(result, *, tiles: str = "osm", compare=None) -> str:
    """The map as one self-contained HTML document."""
    return build_map(result, tiles=tiles, compare=compare).get_root().render()
