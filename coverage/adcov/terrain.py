"""Terrain: digital elevation models and the minimum-visible-height field of a radar site.

A :class:`DEM` reads heights from rasters (GeoTIFF in any CRS, SRTM ``.hgt`` and ``.hgt.zip``,
VRT mosaics, or a folder of tiles) and samples them bilinearly at WGS84 points. From a DEM,
:func:`mvh_field` computes one site's minimum-visible-height field: along geodesic rays from the
radar, the lowest target height above the ground at which the radar sees the target over the
terrain, with curvature and refraction by the effective-Earth-radius (k-factor) model. A target
altitude is then a threshold on that field (:func:`visible`), not another line-of-sight pass.

Heights are in metres above the DEM's vertical datum (the EGM96 geoid, about mean sea level, for
SRTM); horizontal positions are WGS84 longitude, latitude (in that order).
"""

from __future__ import annotations

import math
import os
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from .constants import DEFAULT_K_FACTOR, WGS84_A_M, WGS84_E2
from .errors import InputError
from .geodesy import GEOD, gaussian_radius_m

__all__ = [
    "fractal_heights",
    "DEM_SUFFIXES",
    "ALTITUDE_REFERENCES",
    "MIN_AZIMUTH_STEP_DEG",
    "MAX_AZIMUTH_STEP_DEG",
    "RAY_SPACING_RANGE_STEPS",
    "DEM",
    "MVHField",
    "mvh_field",
    "visible",
    "mvh_at",
    "ray_points",
]

#: File name endings read from a DEM folder (case-insensitive).
DEM_SUFFIXES = (".tif", ".tiff", ".hgt", ".hgt.zip", ".dem", ".vrt")
#: What a target altitude is measured from: the ground under the target, or the DEM's datum.
ALTITUDE_REFERENCES = ("agl", "msl")
#: Bounds of the default azimuth step of :func:`mvh_field`. [deg]
MIN_AZIMUTH_STEP_DEG = 0.05
MAX_AZIMUTH_STEP_DEG = 0.5
#: The default azimuth step of :func:`mvh_field` makes the arc between neighbouring rays at the
#: maximum range this many range steps (then clipped to the bounds above): 0.21 degree for a
#: 400 km field on a 90 m DEM (340 m apart at 90 km, 1.5 km at 400 km), 0.5 degree for 90 km.
#: Measured over the benchmark's fractal DEM (belarus-2023, 6 altitudes, terrain with the
#: roughness of the SRTM terrain around Minsk) against rays one range step apart at the maximum
#: range (0.05 to 1 degree): every envelope's terrain_masked_fraction within 0.05 percentage
#: point, every zone's covered fraction within 0.01 point and border covered fraction within
#: 0.2 point, in a third of the time.
RAY_SPACING_RANGE_STEPS = 16.0

# Geodesic rays are computed exactly (GEOD.fwd) at nodes this far apart and interpolated between
# them with cubic Hermite polynomials that use the geodesic's azimuth at each node: about 30 times
# faster than GEOD.fwd at every sample, and within a millimetre of it (the error grows as the
# fourth power of the spacing).
_RAY_NODE_SPACING_M = 10_000.0
# Ray samples processed at once by mvh_field: small enough that the temporaries stay in the
# processor's cache (faster than larger chunks), and bounds the temporary memory.
_CHUNK_POINTS = 1 << 18
# Fractional-pixel slack when testing whether a point lies on a tile's outermost pixel centres.
_EPS_PX = 1e-6
# Points are located in a projected tile by interpolating in a lon/lat lattice of exact pixel
# coordinates (see _Tile._pixel_grid) within this many pixels, ...
_GRID_TOLERANCE_PX = 0.01
# ... when the lattice needs at most this many nodes (16 bytes each).
_GRID_MAX_NODES = 4_000_000
_WGS84_LONLAT = CRS.from_epsg(4326)


def _import_rasterio():
    try:
        import rasterio
    except ImportError as exc:  # pragma: no cover - rasterio is a dependency
        raise ImportError("reading DEM files needs rasterio: pip install rasterio") from exc
    return rasterio


# --------------------------------------------------------------------------------------------
# One raster
# --------------------------------------------------------------------------------------------


class _Tile:
    """One raster band: georeferencing, lon/lat footprint and, once read, its heights.

    Heights are kept in the file's own type when the raster has no nodata cells (an SRTM tile
    costs 2.9 MB), else as float32 with NaN for nodata.
    """

    def __init__(self, name, shape, transform, crs, *, nodata=None, scale=1.0, offset=0.0,
                 path=None):
        self.name = name
        self.path = path
        self.nrows, self.ncols = int(shape[0]), int(shape[1])
        if self.nrows < 2 or self.ncols < 2:
            raise InputError(f"raster is {self.ncols} x {self.nrows} pixels; a DEM needs at "
                             "least 2 x 2", file=name)
        a, b, c, d, e, f = (float(v) for v in transform[:6])
        det = a * e - b * d
        if not det or not all(math.isfinite(v) for v in (a, b, c, d, e, f)):
            raise InputError("raster has no valid geotransform", file=name)
        self.transform = (a, b, c, d, e, f)
        # Inverse affine: fractional (col, row) of pixel edges from (x, y).
        self._inv = (e / det, -b / det, (b * f - c * e) / det,
                     -d / det, a / det, (c * d - a * f) / det)
        self.nodata = nodata
        self.scale, self.offset = float(scale), float(offset)
        self._heights = None
        if crs is None:
            raise InputError("raster has no coordinate reference system; set one (for "
                             "example gdal_edit.py -a_srs EPSG:4326)", file=name)
        crs = CRS.from_user_input(crs)
        if crs.is_compound:
            crs = crs.sub_crs_list[0]
        self.crs = crs
        self._identity = crs.equals(_WGS84_LONLAT, ignore_axis_order=True)
        self._fwd = None if self._identity else Transformer.from_crs(
            _WGS84_LONLAT, crs, always_xy=True)
        self._lon_center = None
        self._grid = None
        if self._identity:
            centre = float(np.mean(self._pixel_xy([0, self.ncols - 1], [0, self.nrows - 1])[0]))
            if not -180.0 <= centre < 180.0:
                self._lon_center = centre
        self.bounds_lonlat = self._footprint_lonlat(0.5)
        self.interior_lonlat = self._footprint_lonlat(0.0)
        # Exact boxes (so a lookup cell fully inside one needs no further test) only for
        # unrotated rasters in WGS84 lon/lat.
        self.exact_box = self._identity and b == 0.0 and d == 0.0
        self.resolution_m = self._resolution_m()

    # -- georeferencing --------------------------------------------------------------------

    def _pixel_xy(self, col, row):
        """CRS coordinates of fractional pixel-centre indices."""
        a, b, c, d, e, f = self.transform
        col = np.asarray(col, dtype=float) + 0.5
        row = np.asarray(row, dtype=float) + 0.5
        return a * col + b * row + c, d * col + e * row + f

    def _footprint_lonlat(self, margin):
        """Lon/lat box of the pixel centres grown by ``margin`` pixels (0.5: the pixel edges)."""
        t = np.linspace(0.0, 1.0, 33)
        lo_c, hi_c = -margin, self.ncols - 1 + margin
        lo_r, hi_r = -margin, self.nrows - 1 + margin
        col = np.concatenate([lo_c + (hi_c - lo_c) * t, np.full(33, hi_c),
                              hi_c - (hi_c - lo_c) * t, np.full(33, lo_c)])
        row = np.concatenate([np.full(33, lo_r), lo_r + (hi_r - lo_r) * t,
                              np.full(33, hi_r), hi_r - (hi_r - lo_r) * t])
        x, y = self._pixel_xy(col, row)
        if self._identity:
            lon, lat = x, y
        else:
            lon, lat = Transformer.from_crs(self.crs, _WGS84_LONLAT,
                                            always_xy=True).transform(x, y)
            lon, lat = np.asarray(lon), np.asarray(lat)
            if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
                raise InputError("raster extent cannot be mapped to WGS84 lon/lat from "
                                 f"{_crs_label(self.crs)}", file=self.name)
        if self._lon_center is not None:
            # A lon/lat tile given in 0..360 (or beyond): its box in -180..180 terms.
            lon = lon - (self._lon_center - ((self._lon_center + 180.0) % 360.0 - 180.0))
        return (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))

    def _resolution_m(self):
        """Ground size of the coarser side of a pixel at the tile's centre. [m]"""
        a, b, c, d, e, f = self.transform
        dx, dy = math.hypot(a, d), math.hypot(b, e)
        if self.crs.is_geographic:
            lat = math.radians(0.5 * (self.bounds_lonlat[1] + self.bounds_lonlat[3]))
            w = math.sqrt(1.0 - WGS84_E2 * math.sin(lat) ** 2)
            n_rad = WGS84_A_M / w
            m_rad = WGS84_A_M * (1.0 - WGS84_E2) / w**3
            return max(math.radians(dx) * n_rad * math.cos(lat), math.radians(dy) * m_rad)
        unit = self.crs.axis_info[0].unit_conversion_factor if self.crs.axis_info else 1.0
        return max(dx, dy) * unit

    def to_pixel(self, lon, lat):
        """Fractional pixel-centre indices (col, row) of WGS84 points."""
        if self._identity:
            x = lon
            if self._lon_center is not None:
                x = self._lon_center + (lon - self._lon_center + 180.0) % 360.0 - 180.0
            return self._affine_to_pixel(x, lat)
        grid = self._pixel_grid()
        if grid is None:
            x, y = self._fwd.transform(lon, lat)
            return self._affine_to_pixel(np.asarray(x), np.asarray(y))
        return _grid_lookup(grid, lon, lat)

    def _affine_to_pixel(self, x, y):
        ia, ib, ic, id_, ie, if_ = self._inv
        return ia * x + ib * y + (ic - 0.5), id_ * x + ie * y + (if_ - 0.5)

    def _exact_pixel(self, lon, lat):
        x, y = self._fwd.transform(lon, lat)
        return self._affine_to_pixel(np.asarray(x), np.asarray(y))

    def _pixel_grid(self):
        """A lon/lat lattice over the tile holding exact pixel coordinates, for points to be
        located by bilinear interpolation in it instead of a projection each (pyproj costs
        about 0.6 us a point, the lattice some six times less). The spacing halves from 0.04
        degrees until the interpolation error at the lattice's cell centres, where it is
        largest, is below _GRID_TOLERANCE_PX; None (project every point) when that would take
        more than _GRID_MAX_NODES nodes or the projection fails somewhere on the tile."""
        if self._grid is not None:
            return self._grid or None
        w, s, e, n = self.bounds_lonlat
        step = 0.04
        self._grid = False
        while True:
            nx = math.ceil((e - w) / step) + 2
            ny = math.ceil((n - s) / step) + 2
            if nx * ny > _GRID_MAX_NODES:
                return None
            lon = w - step / 2 + step * np.arange(nx)
            lat = s - step / 2 + step * np.arange(ny)
            with np.errstate(invalid="ignore"):
                col, row = self._exact_pixel(*np.meshgrid(lon, lat))
            if not (np.isfinite(col).all() and np.isfinite(row).all()):
                return None
            grid = (lon[0], lat[0], step, col, row)
            mid_lon, mid_lat = np.meshgrid(lon[:-1] + step / 2, lat[:-1] + step / 2)
            c_exact, r_exact = self._exact_pixel(mid_lon, mid_lat)
            c_grid, r_grid = _grid_lookup(grid, mid_lon, mid_lat)
            err = max(np.max(np.abs(c_grid - c_exact)), np.max(np.abs(r_grid - r_exact)))
            if err <= _GRID_TOLERANCE_PX:
                self._grid = grid
                return grid
            step /= 2.0

    def in_box(self, lon, lat, box):
        w, s, e, n = box
        return (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)

    # -- heights ---------------------------------------------------------------------------

    def heights(self):
        """The band's heights, read on first use and kept."""
        if self._heights is None:
            rasterio = _import_rasterio()
            try:
                with _open_raster(rasterio, self.path) as ds:
                    raw = ds.read(1)
            except InputError:
                raise
            except Exception as exc:  # a corrupt file: rasterio raises many kinds
                raise InputError(f"cannot read the heights: {_first_line(exc)}",
                                 file=self.name) from exc
            self._heights = self._prepare(raw)
        return self._heights

    def _prepare(self, raw):
        raw = np.asarray(raw)
        bad = None
        if self.nodata is not None and not (isinstance(self.nodata, float)
                                            and math.isnan(self.nodata)):
            bad = raw == self.nodata
        if raw.dtype.kind == "f":
            bad = np.isnan(raw) if bad is None else bad | np.isnan(raw)
        needs_float = (bad is not None and bad.any()) or raw.dtype.kind not in "iuf" or (
            self.scale != 1.0 or self.offset != 0.0)
        if not needs_float:
            return np.ascontiguousarray(raw)
        out = raw.astype(np.float32) * np.float32(self.scale) + np.float32(self.offset)
        if bad is not None:
            out[bad] = np.nan
        return out

    def bilinear(self, lon, lat, *, clamp):
        """Bilinear heights at points; NaN where outside.

        Without ``clamp``, a point is inside when it lies within the box of the outermost pixel
        centres. With it, also in the outer half pixel (the rest of the raster's footprint),
        where the edge pixels' values are extended.
        """
        col, row = self.to_pixel(lon, lat)
        hi_c, hi_r = self.ncols - 1, self.nrows - 1
        m = -0.5 if clamp else 0.0
        inside = ((col >= m - _EPS_PX) & (col <= hi_c - m + _EPS_PX)
                  & (row >= m - _EPS_PX) & (row <= hi_r - m + _EPS_PX))
        out = np.full(col.shape, np.nan)
        if not inside.any():
            return out
        if inside.all():
            sel = slice(None)
        else:
            sel = np.flatnonzero(inside)
            col, row = col[sel], row[sel]
        out[sel] = self._interpolate(np.clip(col, 0.0, hi_c), np.clip(row, 0.0, hi_r))
        return out

    def bilinear_inside(self, lon, lat):
        """Bilinear heights at points known to lie between the outermost pixel centres of an
        unrotated lon/lat tile (the lookup grid says so): :meth:`bilinear` without the tests."""
        col, row = self._affine_to_pixel(lon, lat) if self._lon_center is None else \
            self.to_pixel(lon, lat)
        return self._interpolate(col, row)

    def _interpolate(self, col, row):
        """Bilinear heights at fractional pixel positions (the last row and column of cells
        take the pixels' edge)."""
        hi_c, hi_r = self.ncols - 1, self.nrows - 1
        c0 = np.minimum(np.maximum(col, 0.0).astype(np.intp), hi_c - 1)
        r0 = np.minimum(np.maximum(row, 0.0).astype(np.intp), hi_r - 1)
        fx = col - c0
        fy = row - r0
        z = self.heights().reshape(-1)
        i00 = r0 * self.ncols + c0
        z00, z01 = z.take(i00), z.take(i00 + 1)
        i00 += self.ncols
        z10, z11 = z.take(i00), z.take(i00 + 1)
        top = z00 + fx * (z01 - z00.astype(float))
        bottom = z10 + fx * (z11 - z10.astype(float))
        return top + fy * (bottom - top)

    def covers(self, lon, lat):
        col, row = self.to_pixel(lon, lat)
        return ((col >= -0.5 - _EPS_PX) & (col <= self.ncols - 0.5 + _EPS_PX)
                & (row >= -0.5 - _EPS_PX) & (row <= self.nrows - 0.5 + _EPS_PX))


def _grid_lookup(grid, lon, lat):
    """Bilinear interpolation of a lattice's (col, row) at points; NaN outside it."""
    lon0, lat0, step, col, row = grid
    fx = (lon - lon0) / step
    fy = (lat - lat0) / step
    ny, nx = col.shape
    inside = (fx >= 0) & (fx < nx - 1) & (fy >= 0) & (fy < ny - 1)
    i = np.where(inside, fx, 0).astype(np.intp)
    j = np.where(inside, fy, 0).astype(np.intp)
    u, v = fx - i, fy - j
    k = j * nx + i
    out = []
    for g in (col.reshape(-1), row.reshape(-1)):
        g00, g01 = g.take(k), g.take(k + 1)
        g10, g11 = g.take(k + nx), g.take(k + nx + 1)
        top = g00 + u * (g01 - g00)
        val = top + v * (g10 + u * (g11 - g10) - top)
        out.append(np.where(inside, val, np.nan))
    return out[0], out[1]


def _normal_lon(lon):
    """Longitudes in [-180, 180) (a copy only when some are outside)."""
    if lon.size and (lon.min() < -180.0 or lon.max() >= 180.0):
        return (lon + 180.0) % 360.0 - 180.0
    return lon


def _first_line(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _crs_label(crs) -> str:
    code = crs.to_epsg(min_confidence=90)
    return f"EPSG:{code}" if code else crs.name


def _open_raster(rasterio, path):
    """rasterio dataset for a path; a zip that GDAL cannot open directly is opened through
    /vsizip/ on its first raster member."""
    from rasterio.errors import RasterioIOError

    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist()
                           if m.lower().endswith(tuple(s for s in DEM_SUFFIXES if s != ".hgt.zip"))]
            if members:
                return rasterio.open(f"/vsizip/{os.path.abspath(path)}/{members[0]}")
        raise InputError(f"not a raster GDAL can read: {_first_line(exc)}", file=path) from exc


def _tile_from_file(rasterio, path: Path) -> _Tile:
    from rasterio.errors import NotGeoreferencedWarning

    try:
        with warnings.catch_warnings():
            # A raster without georeferencing is reported below, as an InputError.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            ds = _open_raster(rasterio, str(path))
        with ds:
            crs = None if ds.crs is None else ds.crs.to_wkt()
            return _Tile(path.name, ds.shape, tuple(ds.transform)[:6], crs, nodata=ds.nodata,
                         scale=ds.scales[0], offset=ds.offsets[0], path=str(path))
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read the raster: {_first_line(exc)}", file=path) from exc


def _expand_source(source) -> list[Path]:
    """Raster files named by a path, a folder or a list of them, in the given order."""
    if isinstance(source, (str, os.PathLike)):
        items = [source]
    else:
        try:
            items = list(source)
        except TypeError:
            raise InputError("give a DEM as a path, a folder or a list of paths",
                             value=source) from None
        if not items:
            raise InputError("the list of DEM files is empty", value=source)
    files = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise InputError("give DEM files as paths", value=item)
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.name.lower().endswith(DEM_SUFFIXES))
            if not found:
                raise InputError("folder holds no DEM raster (" + ", ".join(
                    "*" + s for s in DEM_SUFFIXES) + ")", file=path)
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such DEM file or folder", file=path)
    return files


# --------------------------------------------------------------------------------------------
# The DEM
# --------------------------------------------------------------------------------------------


class DEM:
    """Heights from one or more rasters, sampled at WGS84 lon/lat points.

    Build one with :meth:`open` (files) or :meth:`from_array` (an array in memory). Tiles are
    consulted in order: at each point the first tile with data there gives the height. Each
    tile's band is read once, on first use, and kept in memory (its own dtype when it has no
    nodata cells, float32 otherwise): a 1201 x 1201 SRTM3 tile takes 2.9 MB.

    Notes
    -----
    Sampling is bilinear in each tile's pixel grid between pixel centres, so it honours
    pixel-is-point rasters (SRTM ``.hgt``: the outermost pixel centres lie on the whole-degree
    lines) as well as pixel-is-area ones, through the geotransform GDAL reports. A point in the
    outer half pixel of a raster (between its outermost pixel centres and its edge) takes the
    edge pixels' values unless another tile has it between its pixel centres. A point whose
    four surrounding pixels include a nodata one (an SRTM void, -32768) has no height (NaN).
    Heights are taken to be metres. Points are located in a projected tile through a lon/lat
    lattice of exact pixel coordinates, to 0.01 pixel. Lon/lat tiles may use longitudes beyond
    180 degrees, but a tile must not straddle the antimeridian.
    """

    def __init__(self, tiles, *, sources=()):
        self._tiles = tuple(tiles)
        if not self._tiles:
            raise InputError("a DEM needs at least one raster")
        self.sources = tuple(str(s) for s in sources) or tuple(t.name for t in self._tiles)
        self._lut = None

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def open(cls, source) -> DEM:
        """Open rasters as one DEM.

        Parameters
        ----------
        source : str, path-like, or sequence of them
            A raster file that GDAL reads (GeoTIFF in any CRS, SRTM ``.hgt`` or ``.hgt.zip``,
            ``.vrt``, ...), a folder (every file ending in one of :data:`DEM_SUFFIXES`, by
            name), or a list of files and folders; earlier tiles win where tiles overlap.

        Returns
        -------
        DEM

        Raises
        ------
        InputError
            A path that does not exist, a folder with no raster, a file GDAL cannot read, a
            raster without a coordinate reference system or geotransform.
        """
        rasterio = _import_rasterio()
        files = _expand_source(source)
        tiles = [_tile_from_file(rasterio, p) for p in files]
        srcs = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        return cls(tiles, sources=srcs)

    @classmethod
    def from_array(cls, heights, transform, crs, *, nodata=None, name="array") -> DEM:
        """A DEM from a 2-D array of heights in memory.

        Parameters
        ----------
        heights : array_like, shape (rows, cols)
            Heights, row 0 at the top as in a GeoTIFF. [m]
        transform : affine.Affine or sequence of 6 floats
            Geotransform ``(a, b, c, d, e, f)`` from pixel-edge indices (col, row) to CRS
            coordinates: ``x = a col + b row + c``, ``y = d col + e row + f`` (rasterio's
            order).
        crs : anything :class:`pyproj.CRS` accepts
            The coordinate reference system of the transform.
        nodata : float, optional
            The value that marks cells without data (NaN always does).
        name : str, default "array"
            Shown by :meth:`describe` and in error messages.

        Examples
        --------
        >>> dem = DEM.from_array([[0, 10], [20, 30]], (1, 0, 27, 0, -1, 54), "EPSG:4326")
        >>> float(dem.sample(28.0, 53.0)), float(dem.sample(28.5, 52.5))
        (15.0, 30.0)
        """
        arr = np.asarray(heights)
        if arr.ndim != 2:
            raise InputError(f"heights must be a 2-D array, got {arr.ndim}-D", file=name)
        tile = _Tile(name, arr.shape, tuple(transform)[:6], crs, nodata=nodata)
        tile._heights = tile._prepare(arr)
        return cls([tile], sources=[name])

    # -- description -------------------------------------------------------------------------

    @property
    def files(self) -> tuple[str, ...]:
        """Names of the tiles, in the order they are consulted."""
        return tuple(t.name for t in self._tiles)

    @property
    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of the union of the tiles' footprints. [deg]"""
        b = np.array([t.bounds_lonlat for t in self._tiles])
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                float(b[:, 3].max()))

    @property
    def resolution_m(self) -> float:
        """Ground size of the coarser side of a pixel of the finest tile (92 m for SRTM3 at
        54 N). [m]"""
        return min(t.resolution_m for t in self._tiles)

    def describe(self) -> str:
        """One line of provenance: the files, their size, CRS and resolution.

        Examples
        --------
        >>> DEM.from_array(np.zeros((3, 4)), (0.5, 0, 27, 0, -0.5, 54), "EPSG:4326").describe()
        'DEM array: 1 tile of 4 x 3 px, EPSG:4326, 1800 arc-second (about 55.6 km)'
        """
        names = self.files
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        sizes = sorted({(t.ncols, t.nrows) for t in self._tiles})
        size = " / ".join(f"{c} x {r}" for c, r in sizes[:3])
        crss = sorted({_crs_label(t.crs) for t in self._tiles})
        finest = min(self._tiles, key=lambda t: t.resolution_m)
        a, b, _, d, e, _ = finest.transform
        m = finest.resolution_m
        about = f"{m / 1000:.3g} km" if m >= 10_000 else f"{m:.0f} m"
        if finest.crs.is_geographic:
            arcsec = max(math.hypot(a, d), math.hypot(b, e)) * 3600.0
            res = f"{arcsec:.4g} arc-second (about {about})"
        else:
            res = f"{about} pixels"
        tiles = f"{len(names)} tile{'s' if len(names) != 1 else ''}"
        return f"DEM {shown}: {tiles} of {size} px, {', '.join(crss)}, {res}"

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    # -- sampling ----------------------------------------------------------------------------

    def sample(self, lon, lat):
        """Heights at WGS84 points, bilinear; NaN where no tile has data.

        Parameters
        ----------
        lon, lat : float or array_like
            WGS84 longitude and latitude (broadcast together). [deg]

        Returns
        -------
        float or ndarray
            Height above the DEM's vertical datum (the EGM96 geoid for SRTM), float64, NaN
            where no tile covers the point or a surrounding pixel is nodata. [m]
        """
        lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        shape = lon.shape
        lon, lat = _normal_lon(lon.reshape(-1)), lat.reshape(-1)
        out, rest = self._sample_by_lookup(lon, lat)
        if rest.size:
            # Only the tiles whose footprint meets the box of the points left.
            box = (lon[rest].min(), lat[rest].min(), lon[rest].max(), lat[rest].max())
            near = [t for t in self._tiles if t.bounds_lonlat[0] <= box[2]
                    and t.bounds_lonlat[2] >= box[0] and t.bounds_lonlat[1] <= box[3]
                    and t.bounds_lonlat[3] >= box[1]]
        else:
            near = []
        for clamp in (False, True):
            for tile in near:
                if not rest.size:
                    break
                cand = rest[tile.in_box(lon[rest], lat[rest], tile.bounds_lonlat)]
                if not cand.size:
                    continue
                vals = tile.bilinear(lon[cand], lat[cand], clamp=clamp)
                ok = ~np.isnan(vals)
                out[cand[ok]] = vals[ok]
                rest = rest[np.isnan(out[rest])]
        return float(out[0]) if not shape else out.reshape(shape)

    def covers(self, lon, lat):
        """Whether some tile's footprint contains each point (with data or not).

        Parameters
        ----------
        lon, lat : float or array_like
            WGS84 longitude and latitude. [deg]

        Returns
        -------
        bool or ndarray of bool
        """
        lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        shape = lon.shape
        lon, lat = _normal_lon(lon.reshape(-1)), lat.reshape(-1)
        out = np.zeros(lon.shape, dtype=bool)
        for tile in self._tiles:
            cand = np.flatnonzero(~out & tile.in_box(lon, lat, tile.bounds_lonlat))
            if cand.size:
                out[cand] = tile.covers(lon[cand], lat[cand])
        return bool(out[0]) if not shape else out.reshape(shape)

    def _lookup(self):
        """A lon/lat grid that names, per cell, the one tile that decides every point in it.

        Cell values: the index of the first tile (in order) whose footprint meets the cell, when
        the cell lies between that tile's outermost pixel centres; -1 when the cell needs the
        tile-by-tile search (tile edges, rotated or projected tiles); -2 when no tile meets it.
        With many tiles this sorts points to their tile in one pass instead of testing every
        point against every tile.
        """
        if self._lut is not None:
            return self._lut
        w, s, e, n = self.bounds_lonlat
        span = min(min(t.interior_lonlat[2] - t.interior_lonlat[0],
                       t.interior_lonlat[3] - t.interior_lonlat[1]) for t in self._tiles)
        cell = max(span / 50.0, math.sqrt((e - w) * (n - s) / 4e6), 1e-9)
        nx = max(1, math.ceil((e - w) / cell))
        ny = max(1, math.ceil((n - s) / cell))
        lut = np.full((ny, nx), -2, dtype=np.int16 if len(self._tiles) < 32000 else np.int32)
        for k, tile in enumerate(self._tiles):
            tw, ts, te, tn = tile.bounds_lonlat
            i0, i1 = max(0, math.floor((ts - s) / cell)), min(ny, math.ceil((tn - s) / cell))
            j0, j1 = max(0, math.floor((tw - w) / cell)), min(nx, math.ceil((te - w) / cell))
            if i0 >= i1 or j0 >= j1:
                continue
            block = lut[i0:i1, j0:j1]
            free = block == -2
            if tile.exact_box:
                iw, is_, ie, in_ = tile.interior_lonlat
                cw = w + cell * np.arange(j0, j1)
                cs = s + cell * np.arange(i0, i1)
                inside = (((cs >= is_) & (cs + cell <= in_))[:, None]
                          & ((cw >= iw) & (cw + cell <= ie))[None, :])
                block[free & inside] = k
                block[free & ~inside] = -1
            else:
                block[free] = -1
        self._lut = (w, s, cell, lut)
        return self._lut

    def _sample_by_lookup(self, lon, lat):
        """Heights where one tile decides, and the indices of the points left to the
        tile-by-tile search."""
        if len(self._tiles) == 1:
            out = self._tiles[0].bilinear(lon, lat, clamp=False)
            return out, np.flatnonzero(np.isnan(out))
        out = np.full(lon.shape, np.nan)
        w, s, cell, lut = self._lookup()
        ny, nx = lut.shape
        j = (lon - w) * (1.0 / cell)
        i = (lat - s) * (1.0 / cell)
        inside = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
        if inside.all():  # the usual case: truncation is the floor of these
            key = lut[i.astype(np.intp), j.astype(np.intp)]
        else:
            key = np.full(lon.shape, -2, dtype=lut.dtype)
            key[inside] = lut[i[inside].astype(np.intp), j[inside].astype(np.intp)]
        order = np.argsort(key, kind="stable")
        bounds = np.searchsorted(key[order], np.arange(-2, len(self._tiles) + 1))
        rest = [order[bounds[1]:bounds[2]]]
        for k in np.flatnonzero(np.diff(bounds[2:]) > 0):
            tile = self._tiles[k]
            idx = order[bounds[k + 2]:bounds[k + 3]]
            if idx.size:
                # The lookup names a tile only for cells between its outermost pixel centres.
                vals = tile.bilinear_inside(lon[idx], lat[idx])
                out[idx] = vals
                rest.append(idx[np.isnan(vals)])
        return out, np.sort(np.concatenate(rest))


# --------------------------------------------------------------------------------------------
# Geodesic rays
# --------------------------------------------------------------------------------------------


def ray_points(lon, lat, azimuths_deg, ranges_m):
    """Points along geodesics from one site: every azimuth at every range.

    Parameters
    ----------
    lon, lat : float
        The site. [deg]
    azimuths_deg : array_like, shape (n_az,)
        Start azimuths of the geodesics, clockwise from true north. [deg]
    ranges_m : array_like, shape (n_r,)
        Distances along each geodesic, increasing, non-negative. [m]

    Returns
    -------
    lon, lat : ndarray, shape (n_az, n_r)
        The points, longitudes in [-180, 180). [deg]

    Notes
    -----
    The geodesics are solved exactly (:data:`adcov.geodesy.GEOD`, Karney's algorithm) at nodes
    10 km apart and interpolated in between by cubic Hermite polynomials in longitude and
    latitude whose slopes come from the geodesic's azimuth at the nodes
    (:math:`d\\varphi/ds = \\cos\\alpha / M`,
    :math:`d\\lambda/ds = \\sin\\alpha / (N\\cos\\varphi)`): within a millimetre of the
    exact points away from the poles.

    Examples
    --------
    >>> lo, la = ray_points(27.5, 53.5, [0.0, 90.0], [0.0, 111_000.0])
    >>> lo.shape, round(float(la[0, 1]), 3), float(lo[0, 0])
    ((2, 2), 54.497, 27.5)
    """
    az = np.asarray(azimuths_deg, dtype=float).reshape(-1)
    r = np.asarray(ranges_m, dtype=float).reshape(-1)
    if az.size == 0 or r.size == 0:
        return np.empty((az.size, r.size)), np.empty((az.size, r.size))
    return _rays(float(lon), float(lat), az, _hermite_weights(r))


def _hermite_weights(r):
    """Node spacing, and for each distance in ``r`` the node before it and the four cubic
    Hermite weights of (value at that node, value at the next, h * slope at that node,
    h * slope at the next)."""
    r_max = float(r.max())
    n_nodes = max(2, math.ceil(r_max / _RAY_NODE_SPACING_M) + 1)
    h = max(r_max, 1.0) / (n_nodes - 1)
    i = np.clip((r // h).astype(np.intp), 0, n_nodes - 2)
    t = r / h - i
    t2, t3 = t * t, t * t * t
    weights = np.stack([2 * t3 - 3 * t2 + 1, -2 * t3 + 3 * t2, t3 - 2 * t2 + t, t3 - t2])
    return h, n_nodes, i, weights


def _rays(lon, lat, az, hermite):
    h, n_nodes, i, (w0, w1, w2, w3) = hermite
    n_az = az.size
    s_nodes = h * np.arange(n_nodes)
    lon_n, lat_n, back = GEOD.fwd(np.full((n_az, n_nodes), lon), np.full((n_az, n_nodes), lat),
                                  np.repeat(az[:, None], n_nodes, axis=1),
                                  np.broadcast_to(s_nodes, (n_az, n_nodes)).copy())
    lon_n = np.unwrap(np.asarray(lon_n), period=360.0, axis=1)
    lat_n = np.asarray(lat_n)
    alpha = np.radians(np.asarray(back) + 180.0)
    phi = np.radians(lat_n)
    w2_ = 1.0 - WGS84_E2 * np.sin(phi) ** 2
    m_rad = WGS84_A_M * (1.0 - WGS84_E2) / w2_**1.5
    n_rad = WGS84_A_M / np.sqrt(w2_)
    with np.errstate(divide="ignore", invalid="ignore"):
        dlat = np.degrees(np.cos(alpha) / m_rad) * h
        dlon = np.degrees(np.sin(alpha) / (n_rad * np.cos(phi))) * h
    dlon = np.where(np.isfinite(dlon), dlon, 0.0)
    # Hermite interpolation: each sample from the two nodes around it (four terms).
    out = []
    for val, slope in ((lon_n, dlon), (lat_n, dlat)):
        acc = val[:, i] * w0
        acc += val[:, i + 1] * w1
        acc += slope[:, i] * w2
        acc += slope[:, i + 1] * w3
        out.append(acc)
    return _normal_lon(out[0]), out[1]


# --------------------------------------------------------------------------------------------
# Minimum visible height
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MVHField:
    """The minimum-visible-height field of one radar site, in polar form (azimuth x range).

    The arrays cannot be written to.

    Attributes
    ----------
    lon, lat : float
        The site. [deg]
    azimuths_deg : ndarray, shape (n_az,)
        Ray azimuths, clockwise from true north, evenly spaced from 0. [deg]
    ranges_m : ndarray, shape (n_r,)
        Geodesic distances of the samples along each ray, evenly spaced, the first one step from
        the site, the last the maximum range. [m]
    mvh_m : ndarray of float32, shape (n_az, n_r)
        Lowest target height above the ground at that point at which the radar sees it; NaN
        where not ``valid``. [m]
    ground_m : ndarray of float32, shape (n_az, n_r)
        Terrain height at the point, above the DEM's datum; NaN where the DEM has no data. [m]
    valid : ndarray of bool, shape (n_az, n_r)
        False where the DEM has no data at the point or anywhere before it along the ray.
    site_ground_m : float
        Terrain height at the site. [m]
    radar_height_m : float
        The antenna: site ground plus antenna height, above the DEM's datum. [m]
    antenna_height_m : float
        Antenna height above the site's ground. [m]
    k_factor : float
        Effective Earth radius factor used for curvature and refraction. [-]
    earth_radius_m : float
        WGS84 Gaussian radius at the site, before the k-factor. [m]
    dem : str
        Provenance of the heights (:meth:`DEM.describe`).
    """

    lon: float
    lat: float
    azimuths_deg: np.ndarray
    ranges_m: np.ndarray
    mvh_m: np.ndarray
    ground_m: np.ndarray
    valid: np.ndarray
    site_ground_m: float
    radar_height_m: float
    antenna_height_m: float
    k_factor: float
    earth_radius_m: float
    dem: str

    @property
    def azimuth_step_deg(self) -> float:
        """Angle between neighbouring rays. [deg]"""
        return 360.0 / self.azimuths_deg.size

    @property
    def range_step_m(self) -> float:
        """Distance between samples along a ray. [m]"""
        return float(self.ranges_m[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays. [bytes]"""
        return sum(a.nbytes for a in (self.azimuths_deg, self.ranges_m, self.mvh_m,
                                      self.ground_m, self.valid))


def _positive(name, value, *, allow_zero=False):
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number (got {value!r})") from None
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        need = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {need} (got {value!r})")
    return x


def mvh_field(dem: DEM, lon, lat, *, antenna_height_m, max_range_km,
              k_factor=DEFAULT_K_FACTOR, azimuth_step_deg=None, range_step_m=None) -> MVHField:
    """The minimum-visible-height field of a radar site over a DEM.

    Parameters
    ----------
    dem : DEM
        The terrain.
    lon, lat : float
        The site. [deg]
    antenna_height_m : float
        Antenna height above the ground at the site. [m]
    max_range_km : float
        Length of the rays. [km]
    k_factor : float, default 4/3
        Effective Earth radius factor (refraction). [-]
    azimuth_step_deg : float, optional
        Angle between rays, rounded so that a whole number of rays fills 360 degrees. Default:
        the angle whose arc at the maximum range is :data:`RAY_SPACING_RANGE_STEPS` range
        steps, clipped to [:data:`MIN_AZIMUTH_STEP_DEG`, :data:`MAX_AZIMUTH_STEP_DEG`]. [deg]
    range_step_m : float, optional
        Distance between samples along a ray, rounded so that a whole number of steps reaches
        the maximum range. Default: the DEM's resolution (:attr:`DEM.resolution_m`). [m]

    Returns
    -------
    MVHField

    Raises
    ------
    InputError
        The DEM has no height at the site.
    ValueError
        A parameter is not a positive finite number.

    Notes
    -----
    Each ray is a geodesic on the WGS84 ellipsoid (:func:`ray_points`), sampled at distances
    :math:`r_j` with bilinear DEM heights :math:`z_j`. Curvature and refraction lower each
    height by the drop of a sphere of radius :math:`kR` below its tangent plane at the site,

    .. math:: z'_j = z_j - \\frac{r_j^2}{2 k R},

    with :math:`R` the WGS84 Gaussian radius at the site. In that frame rays of light are
    straight, so a target at :math:`r_j` is seen when the line from the antenna (height
    :math:`z_a`) to it clears every sample before it. With :math:`M_j` the largest elevation
    slope :math:`(z'_i - z_a) / r_i` over :math:`i < j` (``np.maximum.accumulate``),

    .. math:: \\mathrm{MVH}_j = \\max\\left(0,\\; z_a + r_j M_j - z'_j\\right),

    and :math:`\\mathrm{MVH} = 0` at the first sample. On a smooth sphere this gives the radar
    horizon equation: zero out to :math:`\\sqrt{2 k R h_a}` and
    :math:`(d - \\sqrt{2 k R h_a})^2 / (2 k R)` beyond. The terrain between samples is not seen,
    so a ridge narrower than the range step can be missed; the default step is the DEM's
    resolution. A sample without DEM data ends the ray's valid part (``valid``); nothing beyond
    it is treated as flat.

    Memory: the field holds 9 bytes per sample (float32 MVH and ground, bool valid), so
    400 km at 93 m and 0.05 degrees (7200 x 4316 samples) takes 280 MB; the work runs in
    chunks of about 260 000 samples (some 30 MB of temporaries).

    References
    ----------
    .. [1] M. I. Skolnik, *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001 (the
       4/3-Earth model of refraction).
    .. [2] Y. Wang, F. Robinson, P. White, "Generating viewsheds without using sightlines",
       Photogrammetric Engineering & Remote Sensing 66(1), 2000, 87-90.
    """
    lon, lat = float(lon), float(lat)
    if not (math.isfinite(lon) and math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"site must be a finite lon, lat with -90 <= lat <= 90 "
                         f"(got {lon!r}, {lat!r})")
    ha = _positive("antenna_height_m", antenna_height_m, allow_zero=True)
    r_max = _positive("max_range_km", max_range_km) * 1000.0
    k = _positive("k_factor", k_factor)
    dr = dem.resolution_m if range_step_m is None else _positive("range_step_m", range_step_m)
    n_r = max(1, math.ceil(r_max / dr - 1e-9))
    ranges = r_max * np.arange(1, n_r + 1) / n_r
    if azimuth_step_deg is None:
        step = min(max(math.degrees(RAY_SPACING_RANGE_STEPS * ranges[0] / r_max),
                       MIN_AZIMUTH_STEP_DEG), MAX_AZIMUTH_STEP_DEG)
    else:
        step = _positive("azimuth_step_deg", azimuth_step_deg)
    n_az = max(1, math.ceil(360.0 / step - 1e-9))
    azimuths = 360.0 * np.arange(n_az) / n_az

    site_ground = float(dem.sample(lon, lat))
    if math.isnan(site_ground):
        files = dem.files
        raise InputError(f"the DEM has no height at the site ({lon:g}, {lat:g})",
                         file=", ".join(files[:3]) + (" ..." if len(files) > 3 else ""))
    z_radar = site_ground + ha
    earth_r = float(gaussian_radius_m(lat))
    drop = ranges**2 / (2.0 * k * earth_r)

    mvh = np.empty((n_az, n_r), dtype=np.float32)
    ground = np.empty((n_az, n_r), dtype=np.float32)
    valid = np.empty((n_az, n_r), dtype=bool)
    inv_r = 1.0 / ranges
    hermite = _hermite_weights(ranges)
    chunk = max(1, _CHUNK_POINTS // n_r)
    for a0 in range(0, n_az, chunk):
        a1 = min(n_az, a0 + chunk)
        z = dem.sample(*_rays(lon, lat, azimuths[a0:a1], hermite))
        ground[a0:a1] = z
        lowered = z - drop
        missing = np.isnan(z)
        with np.errstate(invalid="ignore"):
            best = np.maximum.accumulate((lowered - z_radar) * inv_r, axis=1)
            seen = np.empty_like(lowered)
            seen[:, 0] = 0.0
            seen[:, 1:] = z_radar + ranges[1:] * best[:, :-1] - lowered[:, 1:]
            np.maximum(seen, 0.0, out=seen)
        if missing.any():
            ok = np.logical_and.accumulate(~missing, axis=1)
            seen[~ok] = np.nan
            valid[a0:a1] = ok
        else:
            valid[a0:a1] = True
        mvh[a0:a1] = seen

    for arr in (azimuths, ranges, mvh, ground, valid):
        arr.setflags(write=False)
    return MVHField(lon=lon, lat=lat, azimuths_deg=azimuths, ranges_m=ranges, mvh_m=mvh,
                    ground_m=ground, valid=valid, site_ground_m=site_ground,
                    radar_height_m=z_radar, antenna_height_m=ha, k_factor=k,
                    earth_radius_m=earth_r, dem=dem.describe())


def visible(field: MVHField, target_m, reference="agl"):
    """Where the radar sees a target at a given altitude.

    Parameters
    ----------
    field : MVHField
        The site's field.
    target_m : float
        Target altitude: above the ground under the target (``"agl"``) or above the DEM's
        datum (``"msl"``). [m]
    reference : {"agl", "msl"}, default "agl"
        What ``target_m`` is measured from (:data:`ALTITUDE_REFERENCES`).

    Returns
    -------
    ndarray of bool, shape (n_az, n_r)
        True where the target is seen. An MSL target below the ground there is not seen;
        samples that are not ``valid`` are never seen.

    Examples
    --------
    >>> dem = DEM.from_array(np.zeros((61, 61)), (0.1, 0, 24.5, 0, -0.1, 56.5), "EPSG:4326")
    >>> f = mvh_field(dem, 27.5, 53.5, antenna_height_m=20, max_range_km=40,
    ...               azimuth_step_deg=90, range_step_m=1000)
    >>> [int(visible(f, h)[0].sum()) for h in (0, 30)]   # horizon 18.4 km; 40 km at 30 m
    [18, 40]
    >>> visible(f, 10, "above")
    Traceback (most recent call last):
    ...
    ValueError: reference must be one of 'agl', 'msl' (got 'above')
    """
    if reference not in ALTITUDE_REFERENCES:
        raise ValueError("reference must be one of " + ", ".join(
            repr(r) for r in ALTITUDE_REFERENCES) + f" (got {reference!r})")
    target = float(target_m)
    with np.errstate(invalid="ignore"):
        if reference == "agl":
            return field.valid & (field.mvh_m <= target)
        above = target - field.ground_m.astype(float)
        return field.valid & (above >= 0.0) & (field.mvh_m <= above)


def mvh_at(field: MVHField, lon, lat):
    """The field at WGS84 points: the nearest ray and range sample.

    Parameters
    ----------
    field : MVHField
        The site's field.
    lon, lat : float or array_like
        The points. [deg]

    Returns
    -------
    float or ndarray
        Minimum visible height above the ground there; 0 within half a range step of the site;
        NaN beyond the last sample (by more than half a step) or where the field is not
        ``valid``. [m]
    """
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    shape = lon.shape
    lon, lat = lon.reshape(-1), lat.reshape(-1)
    az, _, dist = GEOD.inv(np.full(lon.shape, field.lon), np.full(lon.shape, field.lat),
                           lon, lat)
    n_az, n_r = field.mvh_m.shape
    ia = np.rint(np.mod(np.asarray(az), 360.0) / field.azimuth_step_deg).astype(np.intp) % n_az
    jr = np.rint(np.asarray(dist) / field.range_step_m).astype(np.intp) - 1
    out = np.full(lon.shape, np.nan)
    out[jr < 0] = 0.0
    inside = (jr >= 0) & (jr < n_r)
    out[inside] = field.mvh_m[ia[inside], jr[inside]]
    return float(out[0]) if not shape else out.reshape(shape)


def fractal_heights(ny: int, nx: int, *, seed: int, low: float = 100.0, high: float = 400.0,
                    beta: float = 2.2):
    """A synthetic terrain for tests, benchmarks and demonstrations: a periodic fractal
    surface (white noise shaped to a 1/f^beta power spectrum, spectral synthesis) scaled to
    [low, high] metres, as int16. beta = 3 is about as rough as the SRTM3 terrain around
    Minsk (a mean step of 1.9 m between neighbouring 90 m pixels).

    Parameters
    ----------
    ny, nx : int
        Rows and columns.
    seed : int
        Seed of the noise (the same seed gives the same surface).
    low, high : float
        Lowest and highest height. [m]
    beta : float, default 2.2
        Exponent of the power spectrum: larger is smoother. [-]

    Returns
    -------
    ndarray of int16, shape (ny, nx)
    """
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft2(rng.standard_normal((ny, nx)).astype(np.float32))
    f = np.hypot(np.fft.fftfreq(ny)[:, None], np.fft.rfftfreq(nx)[None, :])
    f[0, 0] = 1.0
    spec *= (f ** (-beta / 2)).astype(np.float32)
    spec[0, 0] = 0.0
    z = np.fft.irfft2(spec, s=(ny, nx))
    z = (z - z.min()) / (z.max() - z.min())
    return np.round(low + (high - low) * z).astype(np.int16)
