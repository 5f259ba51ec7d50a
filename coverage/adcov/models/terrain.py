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

# Along a ray, the edges of a hidden region get a vertex at least every this many range
# samples (about 6 km on a 90 m DEM): the geodesic between them is straight in the equal-area
# projection to within a metre.
_RAY_EDGE_PX = 64
# Hidden parts and visible holes smaller than this many samples of the field are dropped and
# filled: the area they add and take about cancel (measured on the benchmark's fractal DEM:
# masked shares change by less than 0.03 percentage points) and they are a large share of a
# rough region's parts.
_SPECK_PX = 4.0


def _hidden(field, altitude_m: float, reference: str, n_r: int):
    """The hidden samples among the first ``n_r`` range samples of each ray: valid samples
    whose minimum visible height is above the target's height over the ground there (AGL: the
    altitude; MSL: the altitude minus the ground), and, for MSL, valid samples where the
    target would be below the ground. Compared in float32, the field's own type."""
    mvh = field.mvh_m[:, :n_r]
    with np.errstate(invalid="ignore"):
        if reference == "agl":
            return mvh > np.float32(altitude_m)  # NaN (not valid) compares False
        above = np.float32(altitude_m) - field.ground_m[:, :n_r]
        return field.valid[:, :n_r] & ((above < 0) | (mvh > above))


def _excess(field, altitude_m: float, reference: str, rows, cols):
    """g = MVH - (target height above the ground) at samples (rows, cols): the target is
    hidden where g > 0; an MSL target below the ground gets a small positive g. NaN where the
    field is not valid."""
    mvh = field.mvh_m[rows, cols].astype(float)
    if reference == "agl":
        return mvh - float(altitude_m)
    h = float(altitude_m) - field.ground_m[rows, cols].astype(float)
    with np.errstate(invalid="ignore"):
        return np.where(h < 0, np.maximum(mvh - h, 1e-9), mvh - h)


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

    Notes
    -----
    The hidden samples are polygonised in the (range, azimuth) plane of the field
    (4-connected, so the parts are disjoint and touch at most at corners), every boundary vertex
    is mapped once, all parts together, onto its geodesic ray, and the parts are put together
    as one MultiPolygon; only parts the mapping made invalid are repaired, and a union is taken
    only where parts meet (across the 0-degree ray) or overlap.
    """
    import rasterio.features

    ranges = field.ranges_m
    n_r = len(ranges) if max_range_m is None else int(np.searchsorted(
        ranges, float(max_range_m), side="right")) + 1
    n_r = max(1, min(n_r, len(ranges)))
    hidden = _hidden(field, altitude_m, reference, n_r)
    if not hidden.any():
        return shapely.Polygon()
    rings = [geom["coordinates"] for geom, _ in rasterio.features.shapes(
        hidden.view(np.uint8), mask=hidden, connectivity=4)]
    parts = _without_specks(shapely.get_parts(shapely.from_geojson(json.dumps(
        {"type": "MultiPolygon", "coordinates": rings}))))
    if not len(parts):
        return shapely.Polygon()
    # A vertex on every row boundary along the edges across the rays (constant range), so that
    # each can be moved to its own crossing and the edge follows the arc; along the rays (one
    # geodesic each) a vertex every _RAY_EDGE_PX samples is plenty. Done by segmentizing with
    # the range axis shrunk by that factor.
    kind, xy, offsets = shapely.to_ragged_array(parts)
    xy[:, 0] /= _RAY_EDGE_PX
    parts = shapely.segmentize(shapely.from_ragged_array(kind, xy, offsets), 1.0)
    kind, xy, offsets = shapely.to_ragged_array(parts)
    xy[:, 0] *= _RAY_EDGE_PX
    n_az = hidden.shape[0]
    wraps = _touches_wrap(xy, offsets, n_az)
    lonlat = _pixels_to_lonlat(xy, field, hidden, altitude_m, reference, ranges[:n_r])
    if lon0 is not None:
        out_xy = np.column_stack(lonlat_to_laea_xy(lonlat[:, 0], lonlat[:, 1], lon0, lat0))
    else:
        out_xy = lonlat
        out_xy[:, 0] = field.lon + (out_xy[:, 0] - field.lon + 180.0) % 360.0 - 180.0
    parts = shapely.from_ragged_array(kind, out_xy, offsets)
    bad = ~shapely.is_valid(parts)
    if bad.any():
        parts = parts.copy()
        parts[bad] = [_polygonal(shapely.make_valid(p)) for p in parts[bad]]
    if wraps.any():
        joined = shapely.union_all(parts[wraps])
        parts = np.concatenate([parts[~wraps], shapely.get_parts(_polygonal(joined))])
    parts = shapely.get_parts(parts)
    parts = parts[~shapely.is_empty(parts)]
    merged = shapely.multipolygons(parts)
    if not shapely.is_valid(merged):
        merged = shapely.union_all(parts)
    if lon0 is not None:
        # Vertices a tenth of a range step off the line through their neighbours add nothing
        # an area or a map can show; dropping them halves the vertices of a rough region.
        merged = shapely.simplify(merged, 0.1 * field.range_step_m, preserve_topology=True)
    return _polygonal(merged)


def _without_specks(parts):
    """Polygons in pixel units without the hidden specks and visible pin-holes smaller than
    :data:`_SPECK_PX` samples: parts that small are dropped, holes that small filled."""
    if not len(parts):
        return parts
    kind, xy, (ring_off, poly_off) = shapely.to_ragged_array(parts)
    x, y = xy[:, 0], xy[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]  # shoelace terms (a ring is closed)
    csum = np.concatenate([[0.0], np.cumsum(cross)])
    area = np.abs(csum[ring_off[1:] - 1] - csum[ring_off[:-1]]) / 2.0
    first = np.zeros(len(ring_off) - 1, dtype=bool)
    first[poly_off[:-1]] = True  # exterior rings
    poly_of_ring = np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    keep_poly = np.zeros(len(poly_off) - 1, dtype=bool)
    keep_poly[poly_of_ring[first & (area >= _SPECK_PX)]] = True
    keep_ring = keep_poly[poly_of_ring] & (first | (area >= _SPECK_PX))
    if keep_ring.all():
        return parts
    sizes = np.diff(ring_off)
    vertex_keep = np.repeat(keep_ring, sizes)
    new_ring_off = np.concatenate([[0], np.cumsum(sizes[keep_ring])])
    rings_per_poly = np.bincount(poly_of_ring[keep_ring], minlength=len(poly_off) - 1)
    new_poly_off = np.concatenate([[0], np.cumsum(rings_per_poly[keep_poly])])
    return shapely.from_ragged_array(kind, xy[vertex_keep], (new_ring_off, new_poly_off))


def _touches_wrap(xy, offsets, n_az):
    """Per polygon: does it touch the first or last azimuth edge (y = 0 or y = n_az)?"""
    ring_off, poly_off = offsets
    at_edge = (xy[:, 1] <= 0.0) | (xy[:, 1] >= n_az)
    ring_of_vertex = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    poly_of_ring = np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    out = np.zeros(len(poly_off) - 1, dtype=bool)
    out[poly_of_ring[ring_of_vertex[at_edge]]] = True
    return out


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _pixels_to_lonlat(xy, field, hidden, altitude_m, reference, ranges):
    """Pixel-edge coordinates (x: range index, y: azimuth index) to lon/lat on the rays, each
    vertex between two range samples moved to the interpolated crossing of the threshold.

    Rows wrap around (row -1 is row n_az - 1), so a vertex on the 0-degree ray gets the same
    point whether it is reached as y = 0 or y = n_az."""
    n_az, n_r = hidden.shape
    x = xy[:, 0]
    y = xy[:, 1]
    dr = float(ranges[1] - ranges[0]) if len(ranges) > 1 else float(ranges[0])
    # Pixel j spans [r_j - dr/2, r_j + dr/2]: the edge x = j lies between samples j-1 and j.
    r = ranges[0] - dr / 2.0 + x * dr
    j = np.rint(x).astype(np.intp)
    inner = np.flatnonzero((j >= 1) & (j <= n_r - 1))
    t_sum = np.zeros(len(xy))
    t_n = np.zeros(len(xy))
    yi = np.rint(y[inner]).astype(np.intp)
    jj = j[inner]
    for dy in (-1, 0):
        rr = (yi + dy) % n_az
        a, b = hidden[rr, jj - 1], hidden[rr, jj]
        cand = np.flatnonzero(a != b)
        if not cand.size:
            continue
        ga = _excess(field, altitude_m, reference, rr[cand], jj[cand] - 1)
        gb = _excess(field, altitude_m, reference, rr[cand], jj[cand])
        cross = np.isfinite(ga) & np.isfinite(gb) & (ga != gb)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.clip(ga / (ga - gb), 0.0, 1.0)
        idx = inner[cand[cross]]
        np.add.at(t_sum, idx, t[cross])
        np.add.at(t_n, idx, 1.0)
    refined = t_n > 0
    jr = j[refined]
    r[refined] = ranges[jr - 1] + (t_sum[refined] / t_n[refined]) * dr
    r = np.maximum(r, 0.0)
    daz = float(field.azimuths_deg[1] - field.azimuths_deg[0]) if n_az > 1 else 360.0
    az = np.mod(float(field.azimuths_deg[0]) - daz / 2.0 + y * daz, 360.0)
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
    total = weights.sum() * rows.sum()
    if not total:
        return 0.0
    cols = np.flatnonzero(band)
    block = field.valid[:, cols[0]:cols[-1] + 1]
    if rows.all():
        invalid_per_col = block.shape[0] - np.count_nonzero(block, axis=0)
    else:
        invalid_per_col = rows.sum() - np.count_nonzero(block[rows], axis=0)
    return float(weights @ invalid_per_col / total)
