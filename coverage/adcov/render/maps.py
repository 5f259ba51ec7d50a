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
import csv
import html
import json
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
import shapely.ops

from .._paths import data_path
from ..borders import country_geometry
from ..errors import InputError
from ..geodesy import wrap_longitude
from ..projection import (area_km2, laea_to_lonlat, laea_xy_to_lonlat, near_longitude,
                          round_coordinates)
from ..regions import country_bbox, country_codes, country_name
from ..stats import compare_zone_tables
from .records import assumptions_summary, hidden_share, opening_altitude_index, site_record
from .style import ROLE_COLORS, TILES, badge_label, family, family_palette, sector_color

__all__ = ["PACK_ABOVE", "build_map", "map_html", "map_data", "add_layer_script"]

_DECIMALS = 5  # about 1 m
#: With more sites than this, the map is drawn for scale: envelopes travel as encoded
#: polylines (1e-5 degree steps, about 1 m) and are drawn on one canvas, the figures that are
#: the same at every altitude are written once, and the site marks are clustered where they
#: crowd. Below it, every envelope is an SVG shape with its own tooltip.
PACK_ABOVE = 300
#: Credit for the city names (GeoNames, CC BY 4.0), shown wherever the map draws them.
PLACES_ATTRIBUTION = "Places: GeoNames (CC BY 4.0), Natural Earth"


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


def _box(bounds) -> list:
    """Leaflet's [[south, west], [north, east]] of shapely (x0, y0, x1, y1) bounds."""
    x0, y0, x1, y1 = (float(v) for v in bounds)
    return [[round(y0, 4), round(x0, 4)], [round(y1, 4), round(x1, 4)]]


def _countries(zones, bounds, near, close) -> dict:
    """Countries whose bounding box meets the map's extent, the region at full detail; each
    with candidate points for its name (``labels``, best first; the map takes the first where
    the name meets nothing else): Natural Earth's label point if it lies in ``near``, then
    the middle of the country's part in ``close`` (next to the region, always in view), then
    of its part in ``near`` (boxes as x0, y0, x1, y1)."""
    x0, y0, x1, y1 = bounds
    points = _label_points()
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
        props = {"iso3": code, "name": country_name(code), "role": role}
        labels = _label_candidates(geom, points.get(code), zones.lon0, near, close)
        if labels:
            props["labels"] = labels
        feats.append(_feature(geom, props))
    # The region last, so that it is drawn on top.
    feats.sort(key=lambda f: f is not None and f["properties"]["role"] == "region")
    return _fc(feats)


def _label_candidates(geom, point, lon0, near, close) -> list:
    out = []
    x0, y0, x1, y1 = near
    if point is not None:
        lon, lat = float(wrap_longitude(point[0], lon0)), point[1]
        if x0 <= lon <= x1 and y0 <= lat <= y1 and geom.intersects(shapely.Point(lon, lat)):
            out.append([round(lat, 3), round(lon, 3)])
    for box in (close, near):
        part = shapely.clip_by_rect(geom, *box)
        parts = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon" and p.area > 0.05]
        if parts:
            p = shapely.ops.polylabel(max(parts, key=lambda q: q.area), tolerance=0.02)
            cand = [round(p.y, 3), round(p.x, 3)]
            if cand not in out:
                out.append(cand)
    return out


@lru_cache(maxsize=1)
def _label_points() -> dict:
    with open(data_path("places", "countries.csv"), encoding="utf-8", newline="") as fh:
        return {r["iso3"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _all_cities() -> tuple:
    with open(data_path("places", "cities.csv"), encoding="utf-8", newline="") as fh:
        return tuple((r["name"], r["iso3"], float(r["lon"]), float(r["lat"]),
                      int(r["population"]), r["capital"] == "1") for r in csv.DictReader(fh))


def _cities(bounds, lon0, limit: int = 60) -> list:
    """The ``limit`` most important cities inside ``bounds``: capitals first, then by falling
    population (the map shows those whose names do not collide with anything drawn)."""
    x0, y0, x1, y1 = bounds
    out = []
    for name, iso3, lon, lat, pop, capital in _all_cities():
        lon = float(wrap_longitude(lon, lon0))
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            out.append({"name": name, "iso3": iso3, "lat": lat, "lon": round(lon, 3),
                        "population": pop, "capital": capital})
    out.sort(key=lambda c: (not c["capital"], -c["population"], c["name"]))
    return out[:limit]


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


def _site_records(result, st, colors) -> list:
    lon0 = result.region_zones.lon0
    recs = []
    for site, env in zip(result.scenario.sites, st.envelopes):
        rec = site_record(site)
        rec.update(lon=float(wrap_longitude(site.lon, lon0)), short=badge_label(site.system),
                   color=colors[rec["family"]],
                   limited_by=str(env.limited_by), outer_km=env.outer_km, inner_km=env.inner_km,
                   horizon_km=env.horizon_km, empty=env.empty,
                   sources=site.system.source_lines(),
                   terrain_masked_fraction=env.terrain_masked_fraction,
                   outside_dem_fraction=env.outside_dem_fraction,
                   # Pairs, not an object: JavaScript would list numeric-looking names first.
                   properties=[[k, v] for k, v in site.properties.items()])
        recs.append(rec)
    return recs


_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def _markers(sites, lon0, colors) -> list:
    """One marker per place: sites at the same position (to about 1 m) share it, so that every
    envelope there is reachable from one popup. ``sites`` are indices into each altitude's
    ``sites``; ``label`` is the name the badge shows: the common name of the sites there
    without their trailing "(...)" when they share one ("Luninets" for "Luninets (40N6)" and
    "Luninets (48N6DM)"), else their names joined."""
    groups = {}
    for i, site in enumerate(sites):
        key = (round(site.lat, _DECIMALS), round(float(wrap_longitude(site.lon, lon0)), _DECIMALS))
        groups.setdefault(key, []).append(i)
    out = []
    for (lat, lon), idx in groups.items():
        names = [sites[i].name for i in idx]
        stems = list(dict.fromkeys(_SUFFIX.sub("", n) or n for n in names))
        label = names[0] if len(idx) == 1 else (stems[0] if len(stems) == 1
                                                else " / ".join(dict.fromkeys(names)))
        fams = list(dict.fromkeys(family(sites[i].system) for i in idx))
        out.append({"lat": lat, "lon": lon, "sites": idx, "label": label,
                    "families": [[f, colors[f]] for f in fams]})
    return out


def _titles(result, compare) -> tuple[str, str]:
    """The map's title and the line under it. A comparison is named by both sides, reference
    first: their labels ("belarus-2021 vs belarus-2023", "belarus-2021 vs belarus-2021+Mozyr"
    for a what-if), else their names where the labels coincide (two files of one name in
    different folders); the line under it gives the full names, or says what B adds."""
    sc = result.scenario
    if compare is None:
        return sc.name, ""
    a = compare.scenario
    if a.label != sc.label:
        title = f"{a.label} vs {sc.label}"
    elif a.name != sc.name:
        title = f"{a.name} vs {sc.name}"
    else:
        title = f"{a.label} (A) vs {sc.label} (B)"
    if a.name != sc.name:
        names = f"A: {a.name}; B: {sc.name}"
    elif sc.variant and sc.variant != a.variant:
        names = f"A: {a.name}; B: the same + {sc.variant}"
    else:
        names = f"A and B: {sc.name}"
    return title, names


def _polyline(values) -> str:
    """Integers as Google's encoded polyline characters (zigzag, 5 bits a character, 63
    added): about 3 characters for a step between neighbouring ring vertices."""
    v = np.asarray(values, dtype=np.int64)
    if not len(v):
        return ""
    z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    n = np.ones(len(z), dtype=np.int64)
    rest = z >> np.uint64(5)
    while rest.any():
        n += rest > 0
        rest >>= np.uint64(5)
    start = np.cumsum(n) - n
    out = np.empty(int(n.sum()), dtype=np.uint8)
    for j in range(int(n.max())):
        sel = n > j
        chunk = (z[sel] >> np.uint64(5 * j)) & np.uint64(31)
        more = (n[sel] > j + 1).astype(np.uint64) * np.uint64(32)
        out[start[sel] + j] = (chunk | more) + np.uint64(63)
    return out.tobytes().decode("ascii")


def _pack(polys, sites, lon0, lat0) -> tuple[dict, tuple | None]:
    """Polygons (LAEA) as the map script's packed form, with their lon/lat bounds: per
    polygon its site and number of rings; per ring its number of vertices (the closing one
    left out); every vertex as (lat, lon) in 1e-5 degrees, each a step from the one before,
    as one encoded polyline. Longitudes are kept within 180 degrees of ``lon0``."""
    polys = np.asarray(polys, dtype=object)
    empty = {"sites": [], "rings": [], "sizes": [], "coords": ""}
    if not len(polys):
        return empty, None
    parts, owner = shapely.get_parts(polys, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    if not len(xy):
        return empty, None
    lon, lat = laea_xy_to_lonlat(xy[:, 0], xy[:, 1], lon0, lat0)
    lon = np.asarray(wrap_longitude(lon, lon0), dtype=float)
    counts = np.bincount(ring_of, minlength=len(rings))
    keep = np.ones(len(xy), dtype=bool)
    keep[np.cumsum(counts)[counts > 0] - 1] = False  # rings close themselves on a canvas
    ilat = np.round(lat[keep] * 1e5).astype(np.int64)
    ilon = np.round(lon[keep] * 1e5).astype(np.int64)
    steps = np.empty(2 * len(ilat), dtype=np.int64)
    steps[0::2] = np.diff(ilat, prepend=0)
    steps[1::2] = np.diff(ilon, prepend=0)
    ring_env = owner[ring_part]
    packed = {"sites": [int(i) for i in sites],
              "rings": np.bincount(ring_env, minlength=len(polys)).tolist(),
              "sizes": (counts - 1).clip(min=0).tolist(),
              "coords": _polyline(steps)}
    return packed, (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))


#: The per-altitude figures of a site in the packed form, one list each.
_SITE_VALUES = ("limited_by", "outer_km", "inner_km", "horizon_km", "empty",
                "terrain_masked_fraction", "outside_dem_fraction")


def _site_info(result, colors) -> tuple[list, dict]:
    """What a map says of each site at every altitude, once; and each system's sources."""
    lon0 = result.region_zones.lon0
    info, sources = [], {}
    for site in result.scenario.sites:
        rec = site_record(site)
        rec.update(lon=float(wrap_longitude(site.lon, lon0)), short=badge_label(site.system),
                   color=colors[rec["family"]],
                   properties=[[k, v] for k, v in site.properties.items()])
        sources.setdefault(rec["system"], site.system.source_lines())
        info.append(rec)
    return info, sources


def _site_values(envelopes) -> dict:
    def num(x):
        return None if x is None else round(float(x), 4)

    return {"limited_by": [str(e.limited_by) for e in envelopes],
            "outer_km": [num(e.outer_km) for e in envelopes],
            "inner_km": [num(e.inner_km) for e in envelopes],
            "horizon_km": [num(e.horizon_km) for e in envelopes],
            "empty": [bool(e.empty) for e in envelopes],
            "terrain_masked_fraction": [num(e.terrain_masked_fraction) for e in envelopes],
            "outside_dem_fraction": [num(e.outside_dem_fraction) for e in envelopes]}


def map_data(result, compare=None, *, detection=None, progress=None) -> dict:
    """Everything the map script draws, as plain data (lon/lat, rounded).

    ``compare``: the reference result of a comparison (see :func:`build_map`); ``detection``:
    a result of the same scenario in detection mode, whose envelopes are drawn as outlines
    beside this result's; ``progress``: called as ``progress(done, total)`` after each step
    (the context, then per altitude its envelopes, coverage layers, sites and table, and
    detection outlines or gained and lost areas when drawn).
    """
    z = result.region_zones
    sc = result.scenario
    packed = len(sc.sites) > PACK_ABOVE
    per_alt = 3 + (detection is not None) + (compare is not None)
    total = 2 + per_alt * len(result.altitude_stats)
    done = 0

    def step():
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    def ll(g):
        # Continuous longitudes around the region, so that shapes across the antimeridian draw
        # in one piece on the web map.
        return laea_to_lonlat(g, z.lon0, z.lat0, split=False)

    region_ll = ll(z.region_geom)
    region_bounds = shapely.bounds(region_ll)

    delta = None
    if compare is not None:
        cmp = compare_zone_tables(compare.zones, result.zones, compare.scenario.label,
                                  result.scenario.label)
        diff = cmp[cmp.scenario.str.contains(" - ", regex=False)]
        delta = {(r.altitude_m, r.zone): float(r.covered_fraction) for r in diff.itertuples()}

    families = [family(s.system) for s in sc.sites]
    colors = family_palette(families)
    sector_names = list(z.sector_zones)
    sector_col = {k: sector_color(i) for i, k in enumerate(sector_names)}
    sectors, borders, labels = [], [], []
    for k, g in z.sector_zones.items():
        sectors.append(_feature(ll(g), {"name": k, "color": sector_col[k],
                                        "neighbours": list(z.sectors[k])}))
        p = ll(shapely.point_on_surface(g))
        labels.append({"name": k, "lon": p.x, "lat": p.y})
    for k, g in z.border_lines.items():
        borders.append(_feature(ll(g), {"name": k, "color": sector_col.get(k, ROLE_COLORS["region"])}))
    step()

    altitudes = []
    all_bounds = [region_bounds]
    for st in result.altitude_stats:
        alt_bounds = [region_bounds]
        if packed:
            idx = [i for i, poly in enumerate(st.polygons) if not poly.is_empty]
            env_packed, box = _pack([st.polygons[i] for i in idx], idx, z.lon0, z.lat0)
            if box is not None:
                alt_bounds.append(box)
        else:
            env_feats = []
            for site, env, poly in zip(sc.sites, st.envelopes, st.polygons):
                if poly.is_empty:
                    continue
                fam = family(site.system)
                poly_ll = ll(poly)
                alt_bounds.append(shapely.bounds(poly_ll))
                env_feats.append(_feature(poly_ll, {
                    "site": env.site, "system": env.system, "family": fam,
                    "limited_by": str(env.limited_by), "outer_km": round(env.outer_km, 2),
                    "inner_km": round(env.inner_km, 2), "color": colors[fam]}))
        step()
        gaps = [_feature(ll(p), {"zone": z.region, "area_km2": round(area_km2(p), 1),
                                 "kind": kind})
                for p, kind in zip(st.gaps.get(z.region, ()), st.gap_kinds.get(z.region, ()))]
        b = np.array(alt_bounds)
        box = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
        all_bounds.append(box)
        entry = {
            "altitude_m": st.altitude_m,
            "bounds": _box(box),
            "envelopes": _fc([]) if packed else _fc(env_feats),
            "union": _fc([_feature(ll(st.layer(1)), {})]),
            "depth2": _fc([_feature(ll(st.layer(2)), {})]),
            "depth3": _fc([_feature(ll(st.layer(3)), {})]),
            "gaps": _fc(gaps),
        }
        step()
        if packed:
            entry["envelopes_packed"] = env_packed
            entry["site_values"] = _site_values(st.envelopes)
        else:
            entry["sites"] = _site_records(result, st, colors)
        entry["table"] = _table_rows(result.zones, st.altitude_m, delta)
        if result.dem:
            entry["terrain_masked_fraction"] = hidden_share(
                [e.terrain_masked_fraction for e in st.envelopes], shapely.area(st.polygons))
        step()
        if detection is not None:
            det = next((o for o in detection.altitude_stats if o.altitude_m == st.altitude_m),
                       None)
            if packed:
                idx = [] if det is None else [i for i, p in enumerate(det.polygons)
                                               if not p.is_empty]
                entry["detection_packed"] = _pack([det.polygons[i] for i in idx], idx,
                                                  z.lon0, z.lat0)[0]
                entry["detection"] = _fc([])
            else:
                feats = []
                for site, env, poly in zip(detection.scenario.sites,
                                           det.envelopes if det else (),
                                           det.polygons if det else ()):
                    if poly.is_empty:
                        continue
                    fam = family(site.system)
                    feats.append(_feature(ll(poly), {
                        "site": env.site, "system": env.system, "family": fam,
                        "limited_by": str(env.limited_by), "outer_km": round(env.outer_km, 2),
                        "color": colors.get(fam) or family_palette([fam])[fam]}))
                entry["detection"] = _fc(feats)
            step()
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
            step()
        altitudes.append(entry)

    b = np.array(all_bounds)
    bx0, by0, bx1, by1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    # Context countries well beyond the coverage, so that no clipped edge shows on screen;
    # names of countries and cities near it.
    view = (bx0 - 8.0, max(by0 - 5.0, -90.0), bx1 + 8.0, min(by1 + 5.0, 90.0))
    near = (bx0 - 3.0, max(by0 - 2.0, -90.0), bx1 + 3.0, min(by1 + 2.0, 90.0))
    rx0, ry0, rx1, ry1 = region_bounds
    close = (rx0 - 2.5, max(ry0 - 1.5, -90.0), rx1 + 2.5, min(ry1 + 1.5, 90.0))

    title, names = _titles(result, compare)
    meta = {
        "title": title,
        "names": names,
        "subtitle": assumptions_summary(sc, result.dem),
        "assumptions": result.assumptions["envelope"],
        "mode": sc.mode,
        "terrain": None if not result.dem else {
            "dem": result.dem, "altitude_reference": sc.altitude_reference or "agl"},
        "altitude_reference": ("above the ground under the target" if result.dem and
                               (sc.altitude_reference or "agl") == "agl" else
                               "above sea level" if result.dem else "above the radars' ground"),
        "bounds": _box((bx0, by0, bx1, by1)),
        "region_bounds": _box(region_bounds),
        "region_name": country_name(z.region),
        "initial_index": opening_altitude_index(sc.altitudes_m),
        "min_gap_km2": sc.min_gap_km2,
        "places_attribution": PLACES_ATTRIBUTION,
    }
    data = {
        "meta": meta,
        "colors": dict(ROLE_COLORS),
        "countries": _countries(z, view, near, close),
        "cities": _cities(near, z.lon0),
        "sectors": _fc(sectors), "borders": _fc(borders), "sector_labels": labels,
        "altitudes": altitudes,
        "markers": _markers(sc.sites, z.lon0, colors),
        "legend": [{"family": k, "color": v} for k, v in colors.items()],
        "sector_legend": [{"name": k, "color": sector_col[k], "neighbours": list(z.sectors[k])}
                          for k in sector_names],
        "detection": detection is not None,
        "compare": None if compare is None else {
            "label_a": compare.scenario.label, "label_b": sc.label,
            "name_a": compare.scenario.name, "name_b": sc.name},
    }
    if packed:
        data["site_info"], data["system_sources"] = _site_info(result, colors)
    meta["packed"] = packed
    step()
    return data


def _script_json(data) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' outside escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=1)
def _raw_class():
    from branca.element import Element
    from jinja2 import Template

    class Raw(Element):
        """Text placed in the page as it is. branca's Element compiles its text as a Jinja
        template, which would run template code hidden in a scenario's names."""

        _template = Template("{{ this.text }}")

        def __init__(self, text: str):
            super().__init__()
            self.text = text

    return Raw


def _raw(text: str):
    return _raw_class()(text)


def add_layer_script(m, name: str, data, script: str) -> None:
    """Add a layer to a map of :func:`build_map` from outside: ``data`` goes into the page as
    a JSON block (``<``, ``>`` and ``&`` escaped) with the id ``adcov-<name>-data``, and
    ``script`` (JavaScript that reads it and calls ``window.adcov.addLayer``, the map
    script's documented hook) runs after the map's own script.

    Parameters
    ----------
    m : folium.Map
        From :func:`build_map`.
    name : str
        A plain identifier, unique on the page.
    data : JSON-serialisable
        What the script reads.
    script : str
        The JavaScript, run once the map is ready.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"not a plain identifier: {name!r}")
    m.get_root().html.add_child(_raw(
        f'<script type="application/json" id="adcov-{name}-data">{_script_json(data)}</script>'),
        name=f"adcov_{name}_data")
    init = MacroElement()
    init._name = f"Adcov_{name}"
    init._template = Template("{% macro script(this, kwargs) %}" + script + "{% endmacro %}")
    m.add_child(init, name=f"adcov_{name}")


# ------------------------------------------------------------------------------ the map
def build_map(result, *, tiles: str = "osm", compare=None, detection=None, progress=None):
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
        change in each zone's coverage in the panel. Envelopes are then drawn as outlines,
        so that the only fills are gained and lost.
    detection : Result, optional
        The same scenario analysed in detection mode (``replace(scenario, mode="detection")``):
        its radar detection envelopes are drawn as dashed outlines beside this result's
        engagement envelopes, as a layer of their own.
    progress : callable, optional
        Called as ``progress(done, total)`` while the map's data is built, per altitude and
        layer (see :func:`map_data`); the command line's progress bar.

    Returns
    -------
    folium.Map
        Displays inline in Jupyter; ``.save(path)`` writes the HTML (or use :func:`map_html`).
    """
    try:
        import folium
        from branca.element import MacroElement
        from jinja2 import Template
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("maps need folium: pip install folium") from exc
    if tiles not in TILES:
        raise InputError(f"unknown base layer; choose from {', '.join(TILES)}", entry="tiles",
                         value=tiles)
    if compare is not None and compare.scenario.region != result.scenario.region:
        raise InputError("can only compare scenarios of the same region", entry="compare",
                         value=compare.scenario.region)

    if detection is not None and (detection.scenario.region != result.scenario.region
                                  or detection.scenario.mode != "detection"):
        raise InputError("detection outlines need the same region analysed in detection mode",
                         entry="detection", value=detection.scenario.label)
    data = map_data(result, compare, detection=detection, progress=progress)
    m = folium.Map(location=None, tiles=None, control_scale=True, prefer_canvas=False,
                   zoom_control=True)
    m._id = "adcov"
    # No CDN: drop folium's default assets and inline Leaflet and our own code instead.
    m.default_js = []
    m.default_css = []
    leaflet_js, leaflet_css = _leaflet_assets()
    own_js, own_css = _own_assets()
    root = m.get_root()
    root.header.add_child(_raw(f"<title>{html.escape(data['meta']['title'])}</title>"),
                          name="adcov_title")
    root.header.add_child(_raw(f"<style>{leaflet_css}</style>"), name="leaflet_css")
    root.header.add_child(_raw(f"<style>{own_css}</style>"), name="adcov_css")
    root.header.add_child(_raw(f"<script>{leaflet_js}</script>"), name="leaflet_js")
    root.header.add_child(_raw(f"<script>{own_js}</script>"), name="adcov_js")
    root.html.add_child(_raw(
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


def map_html(result, *, tiles: str = "osm", compare=None, detection=None,
             progress=None) -> str:
    """The map as one self-contained HTML document (arguments as :func:`build_map`)."""
    return build_map(result, tiles=tiles, compare=compare, detection=detection,
                     progress=progress).get_root().render()
