"""Terrain masking: what a DEM hides of an envelope.

Any envelope model gives the smooth-Earth envelope (range, minimum range, horizon, altitude
gate, sector). Over a DEM, each site's minimum-visible-height field (:func:`adcov.terrain.mvh_field`)
says where a target at the altitude is hidden behind terrain; the masked envelope is the smooth
one minus the hidden region. The field is computed once per site and each altitude is a
threshold on it.

The hidden region is a raster in polar form (azimuth x range): it is turned into polygons
(``rasterio.features.shapes``), each boundary vertex between two range samples is moved to
where the threshold is crossed (linear interpolation of the field), and the vertices are placed
on the geodesic rays (``Geod.fwd``). Where the DEM has no data the smooth-Earth envelope stands,
and the share of each envelope that lies there is reported (``outside_dem_fraction``).
"""

from __future__ import annotations

import json

import numpy as np
import shapely

from ..geodesy import GEOD
from ..projection import lonlat_to_laea_xy

__all__ = ["hidden_region", "mask_polygon", "polar_shares"]


def _effective_height(field, altitude_m: float, reference: str):
    """The target's height above the ground at each sample (NaN where the DEM has none)."""
    if reference == "agl":
        return np.full(field.mvh_m.shape, float(altitude_m))
    return float(altitude_m) - field.ground_m.astype(float)


def _hidden(field, altitude_m: float, reference: str, n_r: int):
    """(hidden, g): hidden samples of the first ``n_r`` range samples, and g = mvh - height
    (hidden where g > 0, or where an MSL target is below the ground)."""
    mvh = field.mvh_m[:, :n_r].astype(float)
    h = _effective_height(field, altitude_m, reference)[:, :n_r]
    valid = field.valid[:, :n_r]
    with np.errstate(invalid="ignore"):
        g = np.where(h < 0, np.maximum(mvh - h, 1e-9), mvh - h)
        hidden = valid & (g > 0)
    return hidden, g


def hidden_region(field, altitude_m: float, *, reference: str = "agl", max_range_m=None,
                  lon0=None, lat0=None):
    """The region where a target at ``altitude_m`` is hidden from the site by terrain.

    Parameters
    ----------
    field : adcov.terrain.MVHField
        The site's minimum-visible-height field.
    altitude_m : float
        Target altitude, above the ground (``"agl"``) or the DEM's datum (``"msl"``). [m]
    reference : {"agl", "msl"}
        What the altitude is measured from.
    max_range_m : float, optional
        Only this far from the site. [m]
    lon0, lat0 : float, optional
        Centre of the LAEA to return the region in (else lon/lat). [deg]

    Returns
    -------
    shapely geometry
        The hidden region (possibly empty), in the LAEA [m] or lon/lat [deg].
    """
    import rasterio.features

    ranges = field.ranges_m
    n_r = len(ranges) if max_range_m is None else int(np.searchsorted(
        ranges, float(max_range_m), side="right")) + 1
    n_r = max(1, min(n_r, len(ranges)))
    hidden, g = _hidden(field, altitude_m, reference, n_r)
    if not hidden.any():
        return shapely.Polygon()
    shapes = [json.dumps(geom) for geom, _ in rasterio.features.shapes(
        hidden.astype(np.uint8), mask=hidden, connectivity=4)]
    polys = shapely.from_geojson(shapes)
    # One vertex per row boundary along the range-direction edges, so that each can be moved
    # to its own crossing.
    polys = shapely.segmentize(polys, 1.0)
    out = []
    for poly in polys:
        rings = [poly.exterior, *poly.interiors]
        mapped = [_ring_to_lonlat(np.asarray(r.coords), field, hidden, g, ranges[:n_r])
                  for r in rings]
        out.append((mapped[0], mapped[1:]))
    lon_parts = []
    for ext, holes in out:
        lon_parts.append((ext, holes))
    geoms = []
    for ext, holes in lon_parts:
        if lon0 is not None:
            ext = np.column_stack(lonlat_to_laea_xy(ext[:, 0], ext[:, 1], lon0, lat0))
            holes = [np.column_stack(lonlat_to_laea_xy(h[:, 0], h[:, 1], lon0, lat0))
                     for h in holes]
        else:
            ext[:, 0] = field.lon + (ext[:, 0] - field.lon + 180.0) % 360.0 - 180.0
            for h in holes:
                h[:, 0] = field.lon + (h[:, 0] - field.lon + 180.0) % 360.0 - 180.0
        geoms.append(shapely.make_valid(shapely.Polygon(ext, holes)))
    merged = shapely.union_all(geoms)
    return _polygonal(merged)


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _ring_to_lonlat(xy, field, hidden, g, ranges):
    """Pixel-edge coordinates (x: range index, y: azimuth index) to lon/lat on the rays, each
    vertex between two range samples moved to the interpolated crossing."""
    n_az, n_r = hidden.shape
    x = xy[:, 0]
    y = xy[:, 1]
    dr = float(ranges[1] - ranges[0]) if len(ranges) > 1 else float(ranges[0])
    # Pixel j spans [r_j - dr/2, r_j + dr/2]: the edge x = j lies between samples j-1 and j.
    r = ranges[0] - dr / 2.0 + x * dr
    j = np.rint(x).astype(int)
    inner = (j >= 1) & (j <= n_r - 1)
    t_sum = np.zeros(len(xy))
    t_n = np.zeros(len(xy))
    for dy in (-1, 0):
        row = np.rint(y).astype(int) + dy
        ok = inner & (row >= 0) & (row < n_az)
        rr, jj = row[ok] % n_az, j[ok]
        a, b = hidden[rr, jj - 1], hidden[rr, jj]
        ga, gb = g[rr, jj - 1], g[rr, jj]
        cross = (a != b) & np.isfinite(ga) & np.isfinite(gb) & (ga != gb)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.clip(ga / (ga - gb), 0.0, 1.0)
        idx = np.flatnonzero(ok)[cross]
        t_sum[idx] += t[cross]
        t_n[idx] += 1
    refined = t_n > 0
    jr = j[refined]
    r[refined] = ranges[jr - 1] + (t_sum[refined] / t_n[refined]) * dr
    r = np.maximum(r, 0.0)
    daz = float(field.azimuths_deg[1] - field.azimuths_deg[0]) if n_az > 1 else 360.0
    az = float(field.azimuths_deg[0]) - daz / 2.0 + y * daz
    lon, lat, _ = GEOD.fwd(np.full(len(xy), field.lon), np.full(len(xy), field.lat), az, r)
    return np.column_stack([np.asarray(lon), np.asarray(lat)])


def mask_polygon(smooth, hidden):
    """The smooth-Earth envelope polygon minus the hidden region (both in one projection)."""
    if smooth.is_empty or hidden.is_empty:
        return smooth
    return _polygonal(shapely.difference(smooth, hidden))


def polar_shares(field, env) -> float:
    """Share of an envelope's smooth-Earth area, counted on the field's polar samples, that
    lies where the DEM has no data. [-]"""
    if env.empty:
        return 0.0
    r = field.ranges_m
    band = (r >= env.inner_km * 1000.0) & (r <= env.outer_km * 1000.0)
    if not band.any():
        return 0.0
    rows = np.ones(len(field.azimuths_deg), dtype=bool)
    if env.sector_width_deg < 360.0:
        off = (field.azimuths_deg - env.azimuth_deg + 180.0) % 360.0 - 180.0
        rows = np.abs(off) <= env.sector_width_deg / 2.0
    weights = r[band]  # a polar cell's area grows with its range
    invalid = ~field.valid[np.ix_(rows, band)]
    total = weights.sum() * rows.sum()
    return float((invalid * weights).sum() / total) if total else 0.0
