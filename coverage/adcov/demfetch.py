"""Copernicus DEM tiles from the public open-data bucket: which tiles a box needs, and their
download into a folder that :meth:`adcov.terrain.DEM.open` reads.

This is the only module of adcov that uses the network, and only when :func:`fetch` is called
(by ``adcov dem fetch``); naming tiles and boxes is plain arithmetic. The network modules are
imported inside the functions that download, so importing this module opens nothing.

The Copernicus DEM is a digital surface model (the top of buildings and vegetation, not the bare
ground) in metres above the EGM2008 geoid, on a WGS84 longitude/latitude grid, cut into tiles of
one degree by one degree named by their south-west corner. GLO-90 has a 3 arc-second grid (about
90 m), GLO-30 a 1 arc-second one (about 30 m); both are Cloud-Optimised GeoTIFFs on AWS open
data (https://registry.opendata.aws/copernicus-dem/), which needs no account. Tiles of open sea
do not exist (the bucket answers 404 or 403); a few GLO-30 land tiles are not published either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType

from . import __version__
from ._cache import default_cache_dir
from ._io import WriteError, write_atomic, write_via
from .constants import WGS84_A_M, WGS84_E2
from .errors import CoverageError, InputError

__all__ = [
    "ATTRIBUTION",
    "DATASETS",
    "DEFAULT_MARGIN_KM",
    "LICENCE_URL",
    "PROVENANCE_FILES",
    "RETRY_DELAYS_S",
    "Dataset",
    "DownloadError",
    "FetchResult",
    "bbox_with_margin",
    "dataset_of",
    "default_cache_dir",
    "fetch",
    "region_bbox",
    "resolve_base_url",
    "tile_bounds",
    "tile_name",
    "tile_names",
    "tile_url",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """One Copernicus DEM instance in the open-data bucket.

    Attributes
    ----------
    key : str
        Its name here: ``glo90`` or ``glo30``.
    title : str
        Its name for people, e.g. ``Copernicus DEM GLO-90``.
    code : str
        The grid code in tile names, in tenths of an arc-second: ``30`` or ``10``.
    base_url : str
        The bucket's address; a tile ``NAME`` is at ``<base_url>/NAME/NAME.tif``.
    grid : str
        Its grid spacing, for people.
    """

    key: str
    title: str
    code: str
    base_url: str
    grid: str


#: The datasets by key; the first one is the default.
DATASETS = MappingProxyType({
    "glo90": Dataset("glo90", "Copernicus DEM GLO-90", "30",
                     "https://copernicus-dem-90m.s3.amazonaws.com", "3 arc-second, about 90 m"),
    "glo30": Dataset("glo30", "Copernicus DEM GLO-30", "10",
                     "https://copernicus-dem-30m.s3.amazonaws.com", "1 arc-second, about 30 m"),
})
#: The attribution the Copernicus DEM licence asks for, GLO-30 and GLO-90 alike.
ATTRIBUTION = ("© DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH 2014-2018 provided "
               "under COPERNICUS by the European Union and ESA; all rights reserved")
#: Where the licence (free of charge, with attribution) and the bucket are described.
LICENCE_URL = "https://registry.opendata.aws/copernicus-dem/"
#: Files :func:`fetch` writes beside the tiles: licence, sources and checksums.
PROVENANCE_FILES = ("README.txt", "provenance.json")
#: Terrain fetched around a region's bounding box by default, so that envelopes reaching
#: beyond the border have terrain under them. [km]
DEFAULT_MARGIN_KM = 100.0
#: Pauses before the second and third attempts at a tile after a transient failure (a 5xx or
#: 429 answer, a timeout, a dropped connection). [s]
RETRY_DELAYS_S = (1.0, 4.0)

# A degree of latitude is shortest at the equator (meridian radius a (1 - e^2)); using it
# everywhere makes a latitude margin at least as wide as asked, by at most 1 %. [km]
_MIN_DEGREE_OF_LATITUDE_KM = WGS84_A_M * (1.0 - WGS84_E2) * math.pi / 180.0 / 1000.0
_NAME = re.compile(r"Copernicus_DSM_COG_(?P<code>\d\d)_(?P<ns>[NS])(?P<lat>\d\d)_00_"
                   r"(?P<ew>[EW])(?P<lon>\d\d\d)_00_DEM")
_CHUNK_BYTES = 1 << 20
_ABSENT_STATUS = (403, 404, 410)  # S3 answers 403 for a missing key when listing is not public
_TRANSIENT_STATUS = (408, 425, 429)
# A served tile may lie this far from its name's square and still be taken for it: Copernicus
# tiles are offset by half a pixel (pixel-is-point), up to 0.004 degree for the widest pixels
# of GLO-90 near the poles. [deg]
_BOUNDS_TOLERANCE_DEG = 0.1


class DownloadError(CoverageError):
    """A tile could not be downloaded, or what was downloaded is not a readable GeoTIFF.

    Parameters
    ----------
    url : str
        The address that failed.
    reason : str
        Why, on one line.
    """

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: cannot download: {reason}")


# --------------------------------------------------------------------------------------------
# Names and boxes
# --------------------------------------------------------------------------------------------

def _dataset(dataset) -> Dataset:
    key = str(dataset).strip().lower().replace("-", "")
    if key not in DATASETS:
        raise InputError(f"unknown Copernicus DEM dataset; use one of {', '.join(DATASETS)}",
                         entry="dataset", value=dataset)
    return DATASETS[key]


def tile_name(lon_deg: int, lat_deg: int, dataset: str = "glo90") -> str:
    """The name of the tile whose south-west corner is at (``lon_deg``, ``lat_deg``).

    Parameters
    ----------
    lon_deg : int
        Longitude of the tile's west edge, -180 to 179. [deg]
    lat_deg : int
        Latitude of the tile's south edge, -90 to 89. [deg]
    dataset : str, default "glo90"
        ``glo90`` or ``glo30``.

    Returns
    -------
    str
        The tile's name, without ``.tif``.

    Examples
    --------
    >>> tile_name(27, 53)
    'Copernicus_DSM_COG_30_N53_00_E027_00_DEM'
    >>> tile_name(-72, -1, "glo30")
    'Copernicus_DSM_COG_10_S01_00_W072_00_DEM'
    """
    ds = _dataset(dataset)
    lon, lat = int(lon_deg), int(lat_deg)
    if lon != lon_deg or lat != lat_deg or not (-180 <= lon <= 179 and -90 <= lat <= 89):
        raise InputError("a tile corner is a whole longitude -180..179 and latitude -90..89",
                         entry="tile", value=(lon_deg, lat_deg))
    return (f"Copernicus_DSM_COG_{ds.code}_{'N' if lat >= 0 else 'S'}{abs(lat):02d}_00_"
            f"{'E' if lon >= 0 else 'W'}{abs(lon):03d}_00_DEM")


def _parse(name: str) -> re.Match:
    m = _NAME.fullmatch(str(name))
    if m is None or m.group("code") not in {d.code for d in DATASETS.values()}:
        raise InputError("not a Copernicus DEM tile name (like "
                         f"{tile_name(27, 53)})", entry="tile", value=name)
    return m


def tile_bounds(name: str) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a tile, from its name. [deg]

    Examples
    --------
    >>> tile_bounds("Copernicus_DSM_COG_30_S01_00_W072_00_DEM")
    (-72.0, -1.0, -71.0, 0.0)
    """
    m = _parse(name)
    lat = int(m.group("lat")) * (1 if m.group("ns") == "N" else -1)
    lon = int(m.group("lon")) * (1 if m.group("ew") == "E" else -1)
    return float(lon), float(lat), float(lon + 1), float(lat + 1)


def dataset_of(name: str) -> str:
    """The dataset key (``glo90`` or ``glo30``) of a tile name.

    Examples
    --------
    >>> dataset_of("Copernicus_DSM_COG_10_N53_00_E027_00_DEM")
    'glo30'
    """
    code = _parse(name).group("code")
    return next(d.key for d in DATASETS.values() if d.code == code)


def _number(value, entry: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x):
        raise InputError("must be a finite number of degrees", entry=entry, value=value)
    return x


def _check_box(west, south, east, north) -> tuple[float, float, float, float]:
    w, s, e, n = (_number(v, k) for v, k in
                  ((west, "west"), (south, "south"), (east, "east"), (north, "north")))
    for x, k in ((w, "west"), (e, "east")):
        if not -180.0 <= x <= 180.0:
            raise InputError("a longitude is between -180 and 180 degrees", entry=k, value=x)
    for x, k in ((s, "south"), (n, "north")):
        if not -90.0 <= x <= 90.0:
            raise InputError("a latitude is between -90 and 90 degrees", entry=k, value=x)
    if s > n:
        raise InputError("south is greater than north", entry="bbox", value=(w, s, e, n))
    return w, s, e, n


def _span(a: float, b: float, low: int, high: int) -> list[int]:
    """Whole-degree cells [i, i + 1) of low..high overlapping [a, b]; a zero-width span gets
    the cell holding it."""
    first = min(max(math.floor(a), low), high)
    stop = math.ceil(b) if b > a else first + 1
    return list(range(first, min(max(stop, first + 1), high + 1)))


def tile_names(west: float, south: float, east: float, north: float,
               dataset: str = "glo90") -> list[str]:
    """Every tile that intersects a box, south to north, then west to east.

    A tile covers its square of one degree; a box edge on a whole degree does not reach into
    the next tile. A box whose ``west`` is greater than its ``east`` crosses the antimeridian
    (as in GeoJSON).

    Parameters
    ----------
    west, south, east, north : float
        The box: longitudes -180..180, latitudes -90..90. [deg]
    dataset : str, default "glo90"
        ``glo90`` or ``glo30``.

    Returns
    -------
    list of str
        Tile names, without ``.tif``.

    Raises
    ------
    InputError
        A coordinate out of range or not a number, or ``south`` above ``north``.

    Examples
    --------
    >>> tile_names(27.5, 53.2, 29.0, 53.8)
    ['Copernicus_DSM_COG_30_N53_00_E027_00_DEM', 'Copernicus_DSM_COG_30_N53_00_E028_00_DEM']
    >>> [n[22:36] for n in tile_names(179.5, -16.5, -179.5, -16.2)]
    ['S17_00_E179_00', 'S17_00_W180_00']
    """
    ds = _dataset(dataset)
    w, s, e, n = _check_box(west, south, east, north)
    if w <= e:
        columns = _span(w, e, -180, 179)
    else:
        parts = [(w, 180.0), (-180.0, e)]
        wide = [p for p in parts if p[1] > p[0]] or parts[:1]
        columns = [c for a, b in wide for c in _span(a, b, -180, 179)]
    return [tile_name(lon, lat, ds.key) for lat in _span(s, n, -90, 89) for lon in columns]


def bbox_with_margin(west: float, south: float, east: float, north: float,
                     margin_km: float) -> tuple[float, float, float, float]:
    """A box grown by at least ``margin_km`` on every side.

    Latitudes grow by ``margin_km`` over the shortest degree of latitude (at the equator);
    longitudes by ``margin_km`` over the degree of longitude at the grown box's poleward edge,
    where it is shortest. A box that reaches a pole, or wraps all the way round, spans every
    longitude; one that reaches past 180 degrees crosses the antimeridian (``west > east``).

    Parameters
    ----------
    west, south, east, north : float
        The box (``west > east`` crosses the antimeridian). [deg]
    margin_km : float
        How far to grow it, 0 or more. [km]

    Returns
    -------
    tuple of float
        ``(west, south, east, north)``. [deg]

    Examples
    --------
    >>> bbox_with_margin(27.0, 53.0, 28.0, 54.0, 0)
    (27.0, 53.0, 28.0, 54.0)
    >>> [round(v, 3) for v in bbox_with_margin(179.5, -17.0, 179.9, -16.0, 100)]
    [178.556, -17.904, -179.156, -15.096]
    """
    w, s, e, n = _check_box(west, south, east, north)
    m = _number(margin_km, "margin_km")
    if m < 0:
        raise InputError("a margin is 0 km or more", entry="margin_km", value=margin_km)
    if m == 0:
        return w, s, e, n
    dlat = m / _MIN_DEGREE_OF_LATITUDE_KM
    s, n = max(-90.0, s - dlat), min(90.0, n + dlat)
    phi = math.radians(max(abs(s), abs(n)))
    parallel_km = (WGS84_A_M * math.cos(phi) / math.sqrt(1.0 - WGS84_E2 * math.sin(phi) ** 2)
                   * math.pi / 180.0 / 1000.0)
    width = (e - w) % 360.0 if w > e else e - w
    if abs(n) >= 90.0 or abs(s) >= 90.0 or width + 2.0 * m / parallel_km >= 360.0:
        return -180.0, s, 180.0, n
    dlon = m / parallel_km
    w, e = w - dlon, e + dlon
    return (w + 360.0 if w < -180.0 else w), s, (e - 360.0 if e > 180.0 else e), n


def region_bbox(code: str, margin_km: float = DEFAULT_MARGIN_KM
                ) -> tuple[float, float, float, float]:
    """A region's bounding box grown by ``margin_km`` (see :func:`bbox_with_margin`).

    The bounding boxes come from :func:`adcov.regions.country_bbox`; a country across the
    antimeridian (Russia, Fiji, ...) has one spanning every longitude there.

    Parameters
    ----------
    code : str
        An ISO3 code in any case, or a country's English name.
    margin_km : float, default 100
        Terrain beyond the border, so that envelopes reaching past it have terrain. [km]

    Returns
    -------
    tuple of float
        ``(west, south, east, north)``. [deg]
    """
    from .regions import check_region, country_bbox

    return bbox_with_margin(*country_bbox(check_region(code)), margin_km)


# --------------------------------------------------------------------------------------------
# Where from, where to
# --------------------------------------------------------------------------------------------

def resolve_base_url(dataset: str = "glo90", base_url: str | None = None) -> str:
    """The address tiles are downloaded from: ``base_url`` if given, else the environment
    variable ``ADCOV_DEM_URL``, else the dataset's bucket.

    Parameters
    ----------
    dataset : str, default "glo90"
        ``glo90`` or ``glo30``.
    base_url : str, optional
        An ``http://`` or ``https://`` address holding ``NAME/NAME.tif`` for each tile.

    Returns
    -------
    str
        The address, without a trailing slash.
    """
    from urllib.parse import urlsplit

    ds = _dataset(dataset)
    env = os.environ.get("ADCOV_DEM_URL")
    given = base_url or env or ds.base_url
    entry = "ADCOV_DEM_URL" if env and not base_url else "url"
    try:
        parts = urlsplit(given)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise InputError("an address starting with https:// or http:// and a host name",
                         entry=entry, value=given)
    return given.rstrip("/")


def tile_url(name: str, base_url: str) -> str:
    """The address of a tile at ``base_url``: ``<base_url>/NAME/NAME.tif``.

    Examples
    --------
    >>> tile_url("Copernicus_DSM_COG_30_N53_00_E027_00_DEM", "https://example.org/dem/")
    'https://example.org/dem/Copernicus_DSM_COG_30_N53_00_E027_00_DEM/Copernicus_DSM_COG_30_N53_00_E027_00_DEM.tif'
    """
    _parse(name)
    return f"{base_url.rstrip('/')}/{name}/{name}.tif"


# --------------------------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch` did.

    Attributes
    ----------
    out_dir : Path
        The folder the tiles are in.
    dataset : str
        ``glo90`` or ``glo30``.
    base_url : str
        Where tiles were downloaded from.
    downloaded : tuple of str
        Tiles downloaded in this run.
    from_cache : tuple of str
        Tiles copied from the cache.
    present : tuple of str
        Tiles already in ``out_dir``, left as they were.
    absent : tuple of str
        Tiles the source does not have (open sea, or not published).
    bytes_downloaded : int
        Bytes downloaded in this run.
    """

    out_dir: Path
    dataset: str
    base_url: str
    downloaded: tuple
    from_cache: tuple
    present: tuple
    absent: tuple
    bytes_downloaded: int

    @property
    def tiles(self) -> tuple:
        """Every tile of the request now in ``out_dir``."""
        return tuple(sorted(self.downloaded + self.from_cache + self.present))


class _Absent(Exception):
    pass


class _Transient(Exception):
    pass


class _Refused(Exception):
    pass


def _reason(exc) -> str:
    """An OSError or other failure as a short phrase."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _utc(timestamp: float | None = None) -> str:
    when = datetime.now(timezone.utc) if timestamp is None else \
        datetime.fromtimestamp(timestamp, timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _verify(path: Path, name: str) -> str | None:
    """Why ``path`` is not a readable GeoTIFF of tile ``name``, or None if it is one."""
    import rasterio

    want = tile_bounds(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. NotGeoreferencedWarning: judged below
            with rasterio.open(path) as ds:
                if ds.driver != "GTiff":
                    return f"a {ds.driver} raster, not a GeoTIFF"
                if ds.count < 1:
                    return "a GeoTIFF without a band"
                if ds.crs is None or not ds.crs.is_geographic:
                    return "a GeoTIFF not in longitude/latitude"
                b = tuple(ds.bounds)
                if max(abs(x - y) for x, y in zip(b, want)) > _BOUNDS_TOLERANCE_DEG:
                    shown = ", ".join(f"{x:.3f}" for x in b)
                    return f"a GeoTIFF of ({shown}), not of its tile's square {want}"
                # Decode a small image (from an overview where there is one): catches a file
                # GDAL opens but cannot decode.
                ds.read(1, out_shape=(min(ds.height, 64), min(ds.width, 64)))
    except Exception as exc:  # noqa: BLE001 - anything GDAL cannot read is refused the same way
        return f"not a readable GeoTIFF ({_reason(exc)})"
    return None


def _get(url: str, tmp: Path, *, timeout_s: float, report) -> tuple[int, str]:
    """One attempt at downloading ``url`` into ``tmp``: (bytes, sha256)."""
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={
        "User-Agent": f"adcov/{__version__} (adcov dem fetch)", "Accept-Encoding": "identity"})
    digest = hashlib.sha256()
    got, size = 0, None
    try:
        fh = open(tmp, "wb")
    except OSError as exc:
        raise WriteError(tmp.parent, _reason(exc)) from None
    try:
        with fh, urllib.request.urlopen(request, timeout=timeout_s) as resp:
            length = resp.headers.get("Content-Length")
            size = int(length) if length and length.isdigit() else None
            report(0, size)
            while True:
                chunk = resp.read(_CHUNK_BYTES)
                if not chunk:
                    break
                try:
                    fh.write(chunk)
                except OSError as exc:
                    raise WriteError(tmp.parent, _reason(exc)) from None
                digest.update(chunk)
                got += len(chunk)
                report(got, size)
    except WriteError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()  # its body, unread
        if exc.code in _ABSENT_STATUS:
            raise _Absent() from None
        reason = f"HTTP {exc.code} {exc.reason}"
        if exc.code in _TRANSIENT_STATUS or exc.code >= 500:
            raise _Transient(reason) from None
        raise _Refused(reason) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise _Transient(_reason(reason) if isinstance(reason, BaseException) else str(reason)
                         ) from None
    except (http.client.HTTPException, OSError) as exc:  # timeouts, resets, cut connections
        raise _Transient(_reason(exc)) from None
    if size is not None and got != size:
        raise _Transient(f"the connection closed after {got} of {size} bytes")
    return got, digest.hexdigest()


def _download(name: str, url: str, dest: Path, *, timeout_s: float, delays, report) -> dict:
    """Download a tile to ``dest`` whole or not at all, with retries; its provenance record."""
    record = {}

    def produce(tmp: Path):
        for attempt in range(len(delays) + 1):
            try:
                size, sha = _get(url, tmp, timeout_s=timeout_s, report=report)
                break
            except _Transient as exc:
                if attempt == len(delays):
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise DownloadError(url, f"{exc}{tries}") from None
                log.info("%s: %s; trying again in %g s", url, exc, delays[attempt])
                time.sleep(delays[attempt])
            except _Refused as exc:
                raise DownloadError(url, str(exc)) from None
        why = _verify(tmp, name)
        if why is not None:
            raise DownloadError(url, f"{why}; nothing kept")
        record.update(bytes=size, sha256=sha, retrieved_utc=_utc())

    try:
        write_via(dest, produce, suffix=".part")
    except (DownloadError, _Absent, WriteError):
        raise
    except OSError as exc:
        raise WriteError(dest, _reason(exc)) from None
    return record


def _copy(src: Path, dest: Path) -> dict:
    """Copy a tile whole or not at all, keeping its time of download; its provenance record."""
    digest = hashlib.sha256()

    def produce(tmp: Path):
        with open(src, "rb") as fi, open(tmp, "wb") as fo:
            while chunk := fi.read(_CHUNK_BYTES):
                fo.write(chunk)
                digest.update(chunk)
        shutil.copystat(src, tmp)

    write_via(dest, produce, suffix=".part")
    st = dest.stat()
    return {"bytes": st.st_size, "sha256": digest.hexdigest(),
            "retrieved_utc": _utc(st.st_mtime)}


def _cache_store(src: Path, cached: Path) -> None:
    """Keep a copy in the cache; a cache that cannot be written is only a warning."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        _copy(src, cached)
    except OSError as exc:
        log.warning("warning: %s: cannot keep a copy in the cache: %s", cached.parent,
                    _reason(exc))


def fetch(tiles, out_dir, *, base_url: str | None = None, cache_dir=None, progress=None,
          timeout_s: float = 60.0, retry_delays_s=None) -> FetchResult:
    """Download Copernicus DEM tiles into a folder, through a local cache.

    Each tile is taken, in this order, from ``out_dir`` (already there and readable: kept), from
    the cache (copied), or from ``<base_url>/NAME/NAME.tif``, downloaded to a temporary file
    beside its destination, checked to be a readable GeoTIFF of its square, then renamed into
    place (whole or not at all) and copied into the cache. A tile the source does not have (an
    answer 404 or 403: open sea, or not published) is counted as absent, not an error. The
    folder gets a ``README.txt`` and a ``provenance.json`` with the dataset, the licence and
    its attribution, and each tile's address, size and SHA-256.

    Parameters
    ----------
    tiles : iterable of str
        Tile names (see :func:`tile_names`), all of one dataset.
    out_dir : str or path-like
        The folder to fill; created if missing.
    base_url : str, optional
        Where to download from (see :func:`resolve_base_url`): default ``$ADCOV_DEM_URL``,
        else the dataset's public bucket.
    cache_dir : str or path-like, optional
        The root of the cache (default :func:`default_cache_dir`); tiles are kept in its
        ``dem/<dataset>/`` folder.
    progress : callable, optional
        Called as ``progress(done, total, detail)``: ``done`` tiles of ``total`` (a fraction
        moves within a tile as its chunks arrive), ``detail`` names the tile in hand.
    timeout_s : float, default 60
        Longest wait for the server on any one request or read. [s]
    retry_delays_s : sequence of float, optional
        Pauses before each new attempt at a tile after a transient failure (default
        :data:`RETRY_DELAYS_S`: two more attempts). [s]

    Returns
    -------
    FetchResult

    Raises
    ------
    InputError
        A bad tile name, tiles of two datasets, a bad address, or ``out_dir`` not a folder.
    DownloadError
        A tile could not be downloaded after the retries, or was not a readable GeoTIFF, or
        none of the tiles exists at the source. Tiles finished before it stay in ``out_dir``
        (with their provenance); a folder the call created and left empty is removed.
    WriteError
        ``out_dir`` could not be written.
    """
    names = list(dict.fromkeys(str(t) for t in tiles))
    if not names:
        raise InputError("no tiles to fetch", entry="tiles", value=[])
    keys = {dataset_of(n) for n in names}
    if len(keys) > 1:
        raise InputError("tiles of one dataset at a time", entry="tiles", value=sorted(keys))
    (key,) = keys
    base = resolve_base_url(key, base_url)
    delays = tuple(RETRY_DELAYS_S if retry_delays_s is None else retry_delays_s)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", file=out, entry="output")
    cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    cache = cache / "dem" / key
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(out, _reason(exc)) from None

    notify = progress or (lambda done, total, detail: None)
    done = {"downloaded": [], "from_cache": [], "present": [], "absent": []}
    records, nbytes = {}, 0
    try:
        for i, name in enumerate(names):
            dest, cached, url = out / f"{name}.tif", cache / f"{name}.tif", tile_url(name, base)
            notify(i, len(names), name)
            if dest.is_file() and _verify(dest, name) is None:
                done["present"].append(name)
                log.info("%s: already there", dest)
                continue
            if cached.is_file():
                if _verify(cached, name) is None:
                    records[name] = {**_copy(cached, dest), "url": url}
                    done["from_cache"].append(name)
                    log.info("%s: from the cache %s", name, cached.parent)
                    continue
                log.warning("warning: %s: not a readable GeoTIFF; downloading it again", cached)

            def report(got, size, i=i, name=name):
                frac = got / size if size else 0.0
                mb = f"{got / 1e6:.1f}" + (f"/{size / 1e6:.1f}" if size else "")
                notify(i + min(frac, 1.0), len(names), f"{name} {mb} MB")

            try:
                rec = _download(name, url, dest, timeout_s=timeout_s, delays=delays,
                                report=report)
            except _Absent:
                done["absent"].append(name)
                log.info("%s: absent at the source", url)
                continue
            records[name] = {**rec, "url": url}
            nbytes += rec["bytes"]
            done["downloaded"].append(name)
            log.info("%s: downloaded, %.1f MB", name, rec["bytes"] / 1e6)
            _cache_store(dest, cached)
        notify(len(names), len(names), "done")
        if len(done["absent"]) == len(names):
            raise DownloadError(base, f"none of the {len(names)} tiles exists there (only open "
                                      "sea in the box, or a wrong address)")
    finally:
        kept = done["downloaded"] + done["from_cache"] + done["present"]
        if kept:
            _write_provenance(out, DATASETS[key], base, kept, done["absent"], records)
        elif created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
    return FetchResult(out, key, base, tuple(done["downloaded"]), tuple(done["from_cache"]),
                       tuple(done["present"]), tuple(done["absent"]), nbytes)


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------

def _write_provenance(out: Path, ds: Dataset, base: str, kept, absent, records) -> None:
    """Merge this run into the folder's ``provenance.json`` and rewrite its ``README.txt``."""
    path = out / PROVENANCE_FILES[1]
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        previous = {t["file"]: t for t in old.get("tiles", []) if isinstance(t, dict)}
        old_absent = set(old.get("absent", []))
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        previous, old_absent = {}, set()
    tiles = {f: t for f, t in previous.items() if (out / f).is_file()}
    for name in kept:
        file = f"{name}.tif"
        if name in records:
            tiles[file] = {"tile": name, "file": file, "dataset": ds.key, **records[name]}
        elif file not in tiles:  # found in the folder, fetched by hand or by an older run
            st = (out / file).stat()
            tiles[file] = {"tile": name, "file": file, "dataset": ds.key,
                           "url": tile_url(name, base), "bytes": st.st_size,
                           "sha256": _sha256(out / file), "retrieved_utc": _utc(st.st_mtime)}
    present = {t["tile"] for t in tiles.values()}
    gone = sorted((old_absent | set(absent)) - present)
    used = sorted({t["dataset"] for t in tiles.values()})
    data = {
        "generator": f"adcov {__version__} (adcov dem fetch)",
        "updated_utc": _utc(),
        "datasets": {k: {"title": DATASETS[k].title, "grid": DATASETS[k].grid,
                         "source": DATASETS[k].base_url} for k in used if k in DATASETS},
        "source": base,
        "attribution": ATTRIBUTION,
        "licence": "Copernicus DEM licence: free of charge, worldwide, with the attribution "
                   "above",
        "licence_url": LICENCE_URL,
        "heights": "metres above the EGM2008 geoid; a surface model (buildings and "
                   "vegetation included)",
        "tiles": [tiles[f] for f in sorted(tiles)],
        "absent": gone,
    }
    try:
        write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        write_atomic(out / PROVENANCE_FILES[0], _readme(out, data))
    except OSError as exc:
        raise WriteError(out, _reason(exc)) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _readme(out: Path, data: dict) -> str:
    titles = ", ".join(f"{d['title']} ({d['grid']})" for d in data["datasets"].values())
    lines = [
        f"Copernicus DEM tiles fetched by {data['generator']}; updated {data['updated_utc']}.",
        "",
        f"Dataset: {titles}: {data['heights']}.",
        f"Source: {data['source']} (AWS open data, no account needed).",
        f"Licence: {data['licence']}; see {data['licence_url']}",
        "Attribution, to be given with any product made from these tiles:",
        f"  {data['attribution']}.",
        "",
        f"Use: `--dem {out}` on an adcov command, or `terrain = \"{out}\"` in a scenario.",
        "",
        f"Tiles ({len(data['tiles'])}): file, size, SHA-256, retrieved (UTC), address",
    ]
    lines += [f"  {t['file']}  {t['bytes']} B  {t['sha256']}  {t['retrieved_utc']}  {t['url']}"
              for t in data["tiles"]]
    if data["absent"]:
        lines += ["", f"Absent at the source ({len(data['absent'])}): open sea (the Copernicus DEM "
                      "takes it as 0 m), or not published; this folder has no heights there"]
        lines += [f"  {name}" for name in data["absent"]]
    return "\n".join(lines) + "\n"
