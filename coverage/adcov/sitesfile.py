"""Sites files: the CSV, GeoJSON and GeoPackage files analysts keep their sites in.

A sites file gives one site per row (CSV) or per point feature (GeoJSON, GeoPackage). This
module reads such a file into rows of plain values, one :class:`SiteRow` per site;
:mod:`adcov.scenario` turns each row into a validated :class:`~adcov.scenario.Site`. Every
problem raises (for the whole file) or carries (for one row) a
:class:`~adcov.errors.ScenarioError` naming the file, the entry and the value.

What is read
------------
CSV
    UTF-8 text (a byte-order mark is fine) separated by commas, semicolons or tabs (found with
    :class:`csv.Sniffer`, else by counting them in the header). Column names are read
    case-insensitively, with the aliases of :data:`COLUMN_NAMES`; any other column is kept as a
    site property. Coordinates are decimal degrees or degrees, minutes and seconds (see
    :func:`parse_coordinate`), or an ``mgrs`` column instead of lon and lat (see
    :func:`parse_mgrs`). Empty cells mean "not given"; rows of empty cells are skipped.
GeoJSON
    A FeatureCollection of Point features; the position comes from the geometry, the rest from
    the properties (named as CSV columns are). A ``crs`` member in the GeoJSON 2008 form
    (``{"type": "name", "properties": {"name": "EPSG:3857"}}``) is honoured: the points are
    transformed to WGS84 lon/lat with pyproj. A file that ``adcov export`` wrote (features
    whose ``layer`` is ``sites`` and which carry the export's system columns) is read from its
    ``sites`` features only, without the columns the export computed from the system
    (:data:`DERIVED_COLUMNS`).
GeoPackage
    Read with pyogrio: the layer ``sites`` if there is one (an export's, read as above), else
    the only point layer; any CRS pyproj knows.

pyproj, pyogrio, pandas and mgrs are imported only when a file needs them, so that reading a
plain CSV or GeoJSON file (``adcov validate``) stays light.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import warnings
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from . import _validate as v
from .errors import ScenarioError

__all__ = [
    "SITES_SUFFIXES",
    "COLUMN_NAMES",
    "DERIVED_COLUMNS",
    "PROPERTY_SUFFIX",
    "SiteRow",
    "read_sites_file",
    "read_text",
    "parse_coordinate",
    "parse_mgrs",
    "check_properties",
    "property_columns",
]

#: File name endings read as sites files (case-insensitively).
SITES_SUFFIXES = (".csv", ".geojson", ".json", ".gpkg")

#: Site key -> the column (or property) names that give it, compared case-insensitively after
#: stripping. ``mgrs`` gives lon and lat together.
COLUMN_NAMES = MappingProxyType({
    "name": ("name", "site"),
    "system": ("system", "type"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "lat": ("lat", "latitude", "y"),
    "mgrs": ("mgrs",),
    "antenna_height_m": ("antenna_height_m",),
    "azimuth_deg": ("azimuth_deg",),
    "sector_width_deg": ("sector_width_deg",),
    "source": ("source",),
    "notes": ("notes",),
    "position_sigma_km": ("position_sigma_km",),
    "position_radius_km": ("position_radius_km",),
})
_COLUMN_KEY = {alias: key for key, names in COLUMN_NAMES.items() for alias in names}

#: Columns of the ``sites`` layer of ``adcov export`` that describe the system, not the site:
#: dropped when such an export is read back (as are its ``layer``, ``lon`` and ``lat``).
DERIVED_COLUMNS = ("system_name", "family", "color", "max_range_km", "min_range_km",
                   "max_altitude_m", "min_altitude_m")
_EXPORT_MARKS = frozenset(DERIVED_COLUMNS) - {"system_name"}
#: Names an export's own columns take; a property of such a name is written as
#: ``<name><PROPERTY_SUFFIX>`` (see :func:`property_columns`).
_EXPORT_TAKEN = frozenset(DERIVED_COLUMNS) | {"layer", "geometry", "fid"}
PROPERTY_SUFFIX = "_property"

#: Names a property cannot have: those of site keys and their aliases.
_RESERVED = frozenset(_COLUMN_KEY) | {"properties"}
_NUMBER_KEYS = ("antenna_height_m", "azimuth_deg", "sector_width_deg", "position_sigma_km",
                "position_radius_km")
_DELIMITERS = ",;\t"
_SAME_POSITION_DEG = 1e-6  # a lon/lat attribute this close to the geometry repeats it
_MAX_NAME = 200
_MAX_TEXT = 2000


class SiteRow(NamedTuple):
    """One site as read from a file, before validation.

    Attributes
    ----------
    file : Path
        The file it came from.
    entry : str
        Where in the file, e.g. ``row 3 (line 4)`` or ``features[2]``.
    values : dict or InputError
        Site keys (``name``, ``system``, ``lon``, ``lat``, ...) and ``properties``, or the
        problem found in the row.
    exported : bool
        The row comes from ``adcov export``: its antenna height and sector width are the
        effective ones, to be read as "not given" where they equal the system's.
    """

    file: Path
    entry: str
    values: object
    exported: bool = False


# ------------------------------------------------------------------------------ text files
def read_bytes(path: Path) -> bytes:
    """A file's bytes, or a ScenarioError naming it (missing, a directory, unreadable)."""
    try:
        if path.is_dir():
            raise ScenarioError("is a directory, not a file", file=path)
        return path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("file not found", file=path) from None
    except OSError as exc:
        raise ScenarioError(f"cannot be read: {exc.strerror}", file=path) from None


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (a byte-order mark dropped); else an error naming the line of the first bad
    byte and saying how to fix it."""
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            raise ScenarioError(f"is {name} text, not UTF-8; re-save it as UTF-8", file=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            f"is not UTF-8 text (byte {column} of the line); re-save the file as UTF-8 "
            "(e.g. 'CSV UTF-8' in Excel)", file=path, entry=f"line {line}",
            value=raw[exc.start:exc.end]) from None


def read_text(path: Path) -> str:
    """A text file's content: UTF-8, without NUL bytes; else a ScenarioError naming it."""
    text = decode(read_bytes(path), path)
    if "\x00" in text:
        raise ScenarioError("is not a text file (contains NUL bytes)", file=path)
    return text


def read_sites_file(path) -> list[SiteRow]:
    """The site rows of a CSV, GeoJSON or GeoPackage file (chosen by its extension).

    Parameters
    ----------
    path : str or Path
        The sites file.

    Returns
    -------
    list of SiteRow
        At least one; a row whose values are an :class:`~adcov.errors.InputError` is a bad row
        (the other rows are still read, so that every problem can be reported at once).

    Raises
    ------
    ScenarioError
        When the file as a whole cannot be read: missing, not UTF-8, malformed, no header, a
        required column missing, an unknown CRS, no sites.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return _gpkg_rows(path)
    if suffix not in SITES_SUFFIXES:
        raise ScenarioError(f"a sites file must end in {', '.join(SITES_SUFFIXES)}", file=path,
                            entry="sites_file", value=path.suffix)
    text = read_text(path)
    if suffix == ".csv":
        return _csv_rows(text, path)
    return _geojson_rows(text, path)


# ------------------------------------------------------------------------------ coordinates
_DEG = "°º˚"                      # degree sign, masculine ordinal and ring (both typed for it)
_MIN = "'′’´"                      # apostrophe, prime, right single quote, acute accent
_SEC = "\"|″|”|''|′′|’’"           # quote, double prime, right double quote, two primes
_NUM = r"\d+(?:[.,]\d+)?"
_DMS = re.compile(rf"""
    (?P<d>{_NUM})
    (?:
        (?:\s*[{_DEG}]\s*|\s*:\s*|\s+)                 # degrees, then a mark, colon or space
        (?P<m>{_NUM})
        (?:
            (?:\s*[{_MIN}]\s*|\s*:\s*|\s+)             # minutes, then a mark, colon or space
            (?P<s>{_NUM})(?:\s*(?:{_SEC}))?            # seconds
          | (?:\s*[{_MIN}])?                           # or minutes last
        )
      | (?:\s*[{_DEG}])?                               # or degrees only
    )
""", re.VERBOSE)
_HEMISPHERES = {"N": ("lat", 1.0), "S": ("lat", -1.0), "E": ("lon", 1.0), "W": ("lon", -1.0)}
_LIMIT = {"lon": 180.0, "lat": 90.0}
_COORD_HINT = ("write decimal degrees (53.9) or degrees, minutes and seconds "
               "(53°54'00\"N, 53 54 00 N, 53:54:00N)")


def parse_coordinate(text: str, axis: str) -> float:
    """A longitude or latitude written in decimal degrees or in degrees, minutes and seconds.

    The grammar, on the stripped text, case-insensitively::

        coordinate = [hemisphere] value [hemisphere]      (one hemisphere letter at most)
                   | [sign] value
        value      = decimal [deg-mark]
                   | integer deg-sep decimal [min-mark]
                   | integer deg-sep integer min-sep decimal [sec-mark]
        deg-sep    = deg-mark | ":" | space        min-sep = min-mark | ":" | space
        deg-mark   = ° º ˚      min-mark = ' ′ ’ ´      sec-mark = " ″ ” ''
        hemisphere = N S (latitude) | E W (longitude)       sign = + - −
        decimal    = digits [("." | ",") digits]

    so ``52°05'30"N``, ``52 05 30 N``, ``52:05:30N``, ``N52°05'30"``, ``52°05.5'N``,
    ``-52.0917`` and ``52,0917`` (a decimal comma) are all read. Minutes and seconds are below
    60; S and W are negative. Plain numbers (``nan``, ``1e999``) are left to the caller's
    number checks.

    Parameters
    ----------
    text : str
        The cell.
    axis : {"lon", "lat"}
        The column, which the hemisphere letter must match.

    Returns
    -------
    float
        The coordinate, ``degrees + minutes / 60 + seconds / 3600`` with its sign. [deg]

    Raises
    ------
    ValueError
        With a message saying what is wrong (no file or entry: the caller adds them).

    Examples
    --------
    >>> parse_coordinate("52°05'30\\"N", "lat") == 52 + 5 / 60 + 30 / 3600
    True
    >>> parse_coordinate("23 41 24 W", "lon") == -(23 + 41 / 60 + 24 / 3600)
    True
    >>> parse_coordinate("52°05.5'N", "lat") == 52 + 5.5 / 60
    True
    >>> parse_coordinate("52N", "lon")
    Traceback (most recent call last):
    ...
    ValueError: N is a latitude hemisphere letter, but this is the lon column
    """
    if "_" not in text:  # float() reads "5_3" as 53
        try:
            return float(text)
        except ValueError:
            pass
    s = text.strip()
    letters = []
    if s and s[0].upper() in _HEMISPHERES:
        letters.append(s[0].upper())
        s = s[1:].strip()
    if s and s[-1].upper() in _HEMISPHERES:
        letters.append(s[-1].upper())
        s = s[:-1].strip()
    if len(letters) > 1:
        raise ValueError("has two hemisphere letters; give one (N, S, E or W)")
    sign = 1.0
    if s[:1] in ("-", "+", "−"):
        if letters:
            raise ValueError("has both a sign and a hemisphere letter; give one of them")
        sign = -1.0 if s[0] != "+" else 1.0
        s = s[1:].strip()
    if letters:
        letter = letters[0]
        wanted, sign = _HEMISPHERES[letter]
        if wanted != axis:
            kind = "latitude" if wanted == "lat" else "longitude"
            raise ValueError(f"{letter} is a {kind} hemisphere letter, but this is the {axis} "
                             "column")
    m = _DMS.fullmatch(s)
    if m is None:
        raise ValueError(f"is not a coordinate; {_COORD_HINT}")
    d, mi, se = (None if g is None else g.replace(",", ".") for g in m.group("d", "m", "s"))
    if mi is not None and "." in d:
        raise ValueError("has minutes after degrees with a fraction; give either decimal "
                         "degrees or whole degrees and minutes")
    if se is not None and "." in mi:
        raise ValueError("has seconds after minutes with a fraction; give either decimal "
                         "minutes or whole minutes and seconds")
    for part, label in ((mi, "minutes"), (se, "seconds")):
        if part is not None and float(part) >= 60:
            raise ValueError(f"has {label} of 60 or more ({part})")
    value = float(d) + (float(mi) / 60 if mi else 0.0) + (float(se) / 3600 if se else 0.0)
    if value > _LIMIT[axis]:
        raise ValueError(f"is more than {_LIMIT[axis]:g} degrees")
    return sign * value


_MGRS = re.compile(r"(?:\d{1,2}[C-HJ-NP-X]|[ABYZ])[A-HJ-NP-Z][A-HJ-NP-V](?:\d\d){0,5}")


def parse_mgrs(text: str) -> tuple[float, float]:
    """The WGS84 position of an MGRS reference: the centre of the grid cell it names.

    Parameters
    ----------
    text : str
        E.g. ``35UNV3679572540`` or ``35U NV 36795 72540`` (case and spaces do not matter): the
        zone and latitude band, the 100 km square, then as many easting digits as northing
        digits (0 to 5 each: a cell of 100 km down to 1 m).

    Returns
    -------
    lon, lat : float
        [deg]

    Raises
    ------
    ValueError
        When the text is not an MGRS reference, or its square does not lie in its latitude
        band.

    Notes
    -----
    Converted with the ``mgrs`` package (GEOTRANS); its warnings (a square outside the band)
    are errors here.

    Examples
    --------
    >>> lon, lat = parse_mgrs("35UNV3679572540")
    >>> round(lon, 5), round(lat, 5)
    (27.56, 53.9)
    """
    ref = "".join(text.split()).upper()
    if not _MGRS.fullmatch(ref):
        raise ValueError("is not an MGRS reference; write zone, band, 100 km square and an even "
                         "number of digits, e.g. 35UNV3679572540")
    try:
        import mgrs
    except ImportError as exc:
        raise ImportError("reading MGRS references needs the mgrs package: "
                          "pip install 'mgrs>=1.6'") from exc

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            lat, lon = mgrs.MGRS().toLatLon(ref)
        except (mgrs.core.MGRSError, RuntimeWarning) as exc:
            detail = "its 100 km square is not in its latitude band" if isinstance(
                exc, RuntimeWarning) else "it does not convert"
            raise ValueError(f"is not a valid MGRS reference ({detail})") from None
    return float(lon), float(lat)


# ------------------------------------------------------------------------------ properties
def check_properties(props, *, file=None, entry: str = "properties",
                     error=ScenarioError) -> tuple[tuple[str, object], ...]:
    """Validated site properties, as (name, value) pairs in their order.

    Parameters
    ----------
    props : Mapping
        Property name -> value.
    file : path-like, optional
        Where they came from, for error messages.
    entry : str, default "properties"
        Prefix of the entry that error messages name (``<entry>.<name>``; the bare name when
        empty).

    Returns
    -------
    tuple of (str, str or int or float or bool)
        Names stripped, non-empty, at most 200 characters, without control characters, none
        the name of a site key or its alias, none twice (case-insensitively); values text
        (stripped, non-empty, at most 2000 characters) or finite numbers (booleans, which
        GeoPackage fields may hold, count as numbers).

    Raises
    ------
    ScenarioError
    """
    if not isinstance(props, Mapping):
        raise error("must be a table of property names and values (text or numbers)",
                    file=file, entry=entry, value=props)
    out, seen = [], {}
    for key, value in props.items():
        at = f"{entry}.{key}" if entry else str(key)
        name = _property_name(key, file=file, entry=entry, at=at, error=error)
        folded = name.casefold()
        if folded in seen:
            raise error(f"property given twice (also as {seen[folded]!r})", file=file,
                        entry=at, value=key)
        seen[folded] = name
        out.append((name, _property_value(value, file=file, entry=at, error=error)))
    return tuple(out)


def _property_name(key, *, file, entry, at, error) -> str:
    if not isinstance(key, str):
        raise error("a property name must be text", file=file, entry=entry, value=key)
    name = v.text(key, file=file, entry=at, error=error, max_length=_MAX_NAME)
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise error("contains control characters", file=file, entry=at, value=key)
    if name.casefold() in _RESERVED:
        raise error("is the name of a site key (or of its column), not a property name; "
                    "give it as the site's own value or rename the property",
                    file=file, entry=at, value=key)
    return name


def _property_value(value, *, file, entry, error):
    if isinstance(value, str):
        return v.text(value, file=file, entry=entry, error=error, max_length=_MAX_TEXT)
    if isinstance(value, bool):
        return value
    if isinstance(value, Real):
        x = v.number(value, file=file, entry=entry, error=error)
        return int(value) if isinstance(value, Integral) else x
    raise error("must be text or a number", file=file, entry=entry, value=value)


def property_columns(keys, taken) -> dict:
    """Column names for property keys beside a layer's own columns, as an export writes them.

    Parameters
    ----------
    keys : iterable of str
        Property names, in order.
    taken : iterable of str
        The layer's own columns.

    Returns
    -------
    dict
        Property name -> column: the name itself, or ``<name>_property`` when the name (or a
        column already given, case-insensitively, as GeoPackage compares them) is taken.
    """
    used = {c.casefold() for c in taken} | _EXPORT_TAKEN
    out = {}
    for key in keys:
        col = key
        while col.casefold() in used:
            col += PROPERTY_SUFFIX
        used.add(col.casefold())
        out[key] = col
    return out


# ------------------------------------------------------------------------------ columns
def _columns(names, *, file, entry) -> list:
    """(name, site key or None) per column; None marks a property. Two columns giving one key
    (or one name twice, case-insensitively) are an error naming both."""
    out, seen = [], {}
    for name in names:
        key = _COLUMN_KEY.get(name.strip().casefold())
        ident = key or name.strip().casefold()
        if ident in seen:
            first = seen[ident]
            if first.strip().casefold() == name.strip().casefold():
                raise ScenarioError(f"column {name.strip()!r} given twice", file=file,
                                    entry=entry, value=name)
            raise ScenarioError(f"columns {first.strip()!r} and {name.strip()!r} both give "
                                f"{key}; keep one", file=file, entry=entry, value=name)
        seen[ident] = name
        out.append((name, key))
    return out


def _blank(value) -> bool:
    """Not given: None, NaN (a GIS null), empty text."""
    return (value is None or (isinstance(value, float) and math.isnan(value))
            or (isinstance(value, str) and not value.strip()))


# ------------------------------------------------------------------------------ CSV
def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer's choice among those in the header line, else the
    one the header line holds most of (comma on a tie or when it holds none)."""
    lines = text.splitlines()
    header = next((ln for ln in lines if ln.strip()), "")
    present = [d for d in _DELIMITERS if d in header]
    sample = "\n".join(lines[:50])[:65536]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = None
    if found in present:
        return found
    return max(present, key=header.count) if present else ","


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def _csv_rows(text: str, path: Path) -> list[SiteRow]:
    if not text.strip():
        raise ScenarioError("is empty", file=path)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    records = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
            raise ScenarioError(f"malformed CSV: {exc}", file=path,
                                entry=f"line {reader.line_num}") from None
        if any(c.strip() for c in cells):
            records.append((reader.line_num, cells))
    if not records:
        raise ScenarioError("has no header (every cell is empty)", file=path)
    header = records[0][1]
    named = [h for h in header if h.strip()]
    cols = _columns(named, file=path, entry="header")
    key_of = dict(zip((i for i, h in enumerate(header) if h.strip()), cols))
    keys = {k for _, k in cols if k}
    for req in ("name", "system") + (() if "mgrs" in keys else ("lon", "lat")):
        if req not in keys:
            names = ", ".join(COLUMN_NAMES[req])
            raise ScenarioError(f"required column missing (named {names}, in any case; or "
                                "mgrs instead of lon and lat)" if req in ("lon", "lat") else
                                f"required column missing (named {names}, in any case)",
                                file=path, entry="header", value=req)
    for i, h in enumerate(header):
        if h.strip():
            continue
        for line, cells in records[1:]:
            if i < len(cells) and cells[i].strip():
                raise ScenarioError(f"column {i + 1} has no name in the header but holds "
                                    f"values (line {line}); name it or delete it", file=path,
                                    entry="header", value=cells[i])
    for name, key in cols:
        if key is None:
            _property_name(name, file=path, entry="header", at="header", error=ScenarioError)
    if len(records) == 1:
        raise ScenarioError("has a header but no site rows", file=path)
    rows = []
    for n, (line, cells) in enumerate(records[1:], start=1):
        where = f"row {n} (line {line})"
        try:
            values = _csv_values(cells, len(header), key_of, where=where, path=path,
                                 decimal_comma=delimiter == ";")
        except ScenarioError as exc:
            values = exc
        rows.append(SiteRow(path, where, values))
    return rows


def _csv_values(cells, width, key_of, *, where, path, decimal_comma) -> dict:
    extra = [c for c in cells[width:]]
    if any(c.strip() for c in extra):
        raise ScenarioError("has more cells than the header", file=path, entry=where,
                            value=extra)
    values, props = {}, {}
    for i, (name, key) in key_of.items():
        cell = cells[i].strip() if i < len(cells) else ""
        if not cell:
            continue
        if key is None:
            props[name.strip()] = cell
        elif key in ("lon", "lat"):
            try:
                values[key] = parse_coordinate(cell, key)
            except ValueError as exc:
                raise ScenarioError(str(exc), file=path, entry=f"{where}.{key}",
                                    value=cell) from None
        elif key in _NUMBER_KEYS:
            if decimal_comma and _DECIMAL_COMMA.fullmatch(cell):
                cell = cell.replace(",", ".")
            values[key] = _number(cell)
        else:
            values[key] = cell
    if "mgrs" in values:
        ref = values.pop("mgrs")
        if "lon" in values or "lat" in values:
            raise ScenarioError("gives both mgrs and lon/lat; give one position", file=path,
                                entry=f"{where}.mgrs", value=ref)
        try:
            values["lon"], values["lat"] = parse_mgrs(ref)
        except ValueError as exc:
            raise ScenarioError(str(exc), file=path, entry=f"{where}.mgrs", value=ref) from None
    if props:
        values["properties"] = dict(check_properties(props, file=path, entry=where))
    return values


def _number(cell: str):
    if "_" in cell:  # float() reads "1_5" as 15
        return cell
    try:
        return float(cell)
    except ValueError:
        return cell  # reported as "must be a number" with the cell's text


# ------------------------------------------------------------------------------ GeoJSON
_WGS84_LONLAT = {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "ogc:crs84",
                 "crs84", "epsg:4326", "urn:ogc:def:crs:epsg::4326",
                 "urn:ogc:def:crs:epsg:6.6:4326", "http://www.opengis.net/def/crs/ogc/1.3/crs84",
                 "http://www.opengis.net/def/crs/epsg/0/4326"}


def _transformer(crs, *, file, entry):
    """A function (x, y) -> (lon, lat) from ``crs`` (anything pyproj reads) to WGS84, or None
    when the coordinates are WGS84 lon/lat already."""
    if isinstance(crs, str) and crs.strip().casefold() in _WGS84_LONLAT:
        return None
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        src = CRS.from_user_input(crs)
    except CRSError:
        raise ScenarioError("unknown coordinate reference system; give WGS84 lon/lat or a CRS "
                            "such as EPSG:3857", file=file, entry=entry, value=crs) from None
    if src.equals("OGC:CRS84", ignore_axis_order=True):
        return None
    if not (src.is_geographic or src.is_projected):
        raise ScenarioError("is not a horizontal (geographic or projected) coordinate "
                            "reference system", file=file, entry=entry, value=crs)
    t = Transformer.from_crs(src, "OGC:CRS84", always_xy=True)
    return t.transform


def _geojson_crs(doc: dict, path: Path):
    """(name, transform) of a GeoJSON 2008 ``crs`` member; (None, None) without one."""
    crs = doc.get("crs")
    if crs is None:
        return None, None
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) and crs.get("type") == "name" else None
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError('must name a CRS: {"type": "name", "properties": {"name": '
                            '"EPSG:3857"}} (or leave it out for WGS84 lon/lat)', file=path,
                            entry="crs", value=crs)
    return name, _transformer(name, file=path, entry="crs.properties.name")


def _geojson_rows(text: str, path: Path) -> list[SiteRow]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"malformed JSON: {exc.msg} at line {exc.lineno}", file=path) from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit integer, deep nesting
        raise ScenarioError(f"malformed JSON: {type(exc).__name__}: {str(exc)[:120]}",
                            file=path) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ScenarioError("must be a GeoJSON FeatureCollection", file=path, entry="type",
                            value=doc.get("type") if isinstance(doc, dict) else type(doc).__name__)
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        raise ScenarioError("has no features", file=path, entry="features", value=feats)
    crs_name, transform = _geojson_crs(doc, path)
    exported = any(_is_exported_site(f.get("properties") if isinstance(f, dict) else None)
                   for f in feats)
    rows = []
    for i, f in enumerate(feats):
        where = f"features[{i}]"
        if exported and not (isinstance(f, dict) and isinstance(f.get("properties"), dict)
                             and f["properties"].get("layer") == "sites"):
            continue
        try:
            values = _feature_values(f, where=where, path=path, transform=transform,
                                     crs_name=crs_name, exported=exported)
        except ScenarioError as exc:
            values = exc
        rows.append(SiteRow(path, where, values, exported))
    return rows


def _is_exported_site(props) -> bool:
    """A feature of the ``sites`` layer of ``adcov export``: its ``layer`` says so, and it has
    the columns the export computes. (A ``layer`` attribute alone, as QGIS's "Merge vector
    layers" adds, is just a property.)"""
    return (isinstance(props, dict) and props.get("layer") == "sites"
            and _EXPORT_MARKS <= props.keys())


def _feature_values(f, *, where, path, transform, crs_name, exported) -> dict:
    if not isinstance(f, dict) or f.get("type") != "Feature":
        raise ScenarioError("must be a GeoJSON Feature", file=path, entry=where, value=f)
    geom = f.get("geometry")
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        raise ScenarioError("geometry must be a Point", file=path, entry=f"{where}.geometry",
                            value=geom.get("type") if isinstance(geom, dict) else geom)
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or len(coords) not in (2, 3):
        raise ScenarioError("Point coordinates must be [lon, lat]", file=path,
                            entry=f"{where}.geometry.coordinates", value=coords)
    props = f.get("properties") or {}
    if not isinstance(props, dict):
        raise ScenarioError("properties must be an object", file=path,
                            entry=f"{where}.properties", value=props)
    x, y = coords[0], coords[1]
    return _attribute_values(props, (x, y), where=where, prefix=f"{where}.properties.",
                             path=path, transform=transform, crs_name=crs_name,
                             exported=exported)


def _attribute_values(attrs: dict, xy, *, where, prefix, path, transform, crs_name,
                      exported) -> dict:
    """Site values of a GIS feature: the position from its geometry (``xy`` in the file's
    CRS), site keys and properties from its attributes."""
    lonlat = xy
    numeric = all(isinstance(c, Real) and not isinstance(c, bool) and math.isfinite(c)
                  for c in xy)
    if transform is not None and numeric:
        lonlat = transform(float(xy[0]), float(xy[1]))
        if not all(math.isfinite(c) for c in lonlat):
            raise ScenarioError(f"cannot be transformed from {crs_name} to WGS84 lon/lat",
                                file=path, entry=f"{where}.geometry.coordinates",
                                value=list(xy))
    values = {"lon": lonlat[0], "lat": lonlat[1]}
    attrs = {k: val for k, val in attrs.items() if not _blank(val)}
    if exported:
        attrs = _unexported(attrs)
    cols = _columns(list(attrs), file=path, entry=prefix.rstrip("."))
    props = {}
    for name, key in cols:
        val = attrs[name]
        if key is None:
            props[name] = val
        elif key in ("lon", "lat"):
            _same_position(val, key, xy, lonlat, file=path, entry=prefix + name)
        elif key == "mgrs":
            raise ScenarioError("the position comes from the geometry; remove the mgrs "
                                "attribute (or rename it)", file=path, entry=prefix + name,
                                value=val)
        else:
            values[key] = val
    if props:
        values["properties"] = dict(check_properties(props, file=path,
                                                     entry=prefix.rstrip(".")))
    return values


def _unexported(attrs: dict) -> dict:
    """The attributes of an ``adcov export`` site without what the export computed, and its
    renamed properties (``color_property``) under their own names."""
    out = {}
    for name, val in attrs.items():
        if name in DERIVED_COLUMNS or name in ("layer", "lon", "lat"):
            continue
        base = name.removesuffix(PROPERTY_SUFFIX)
        out[base if base != name and base.casefold() in _EXPORT_TAKEN else name] = val
    return out


def _same_position(val, key, xy, lonlat, *, file, entry):
    """A lon/lat attribute beside the geometry (QGIS keeps the columns a layer was made from)
    is fine when it repeats the geometry, and an error when it contradicts it."""
    i = 0 if key == "lon" else 1
    try:
        x = float(val)
    except (TypeError, ValueError):
        x = math.nan
    if any(isinstance(c[i], Real) and abs(x - c[i]) <= _SAME_POSITION_DEG for c in (xy, lonlat)):
        return
    raise ScenarioError(f"differs from the geometry's {key} ({lonlat[i]!r}); the position "
                        "comes from the geometry: correct or remove the attribute",
                        file=file, entry=entry, value=val)


# ------------------------------------------------------------------------------ GeoPackage
def _gpkg_rows(path: Path) -> list[SiteRow]:
    if path.is_dir():
        raise ScenarioError("is a directory, not a file", file=path)
    if not path.exists():
        raise ScenarioError("file not found", file=path)
    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
    except (DataSourceError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(f"cannot be read as a GeoPackage: {first}", file=path) from None
    names = [n for n, _ in layers]
    points = [n for n, t in layers if t.startswith("Point")]
    if "sites" in names:
        layer = "sites"
    elif len(points) == 1:
        layer = points[0]
    else:
        listed = ", ".join(f"{n} ({t})" for n, t in layers) or "none"
        why = "has no point layer" if not points else "has several point layers"
        raise ScenarioError(f"{why} and none named 'sites'; layers: {listed}", file=path,
                            entry="layer")
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
        info = pyogrio.read_info(path, layer=layer)
    except (DataSourceError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(f"cannot be read as a GeoPackage: {first}", file=path,
                            entry=f"layer {layer}") from None
    if gdf.empty:
        raise ScenarioError("has no features", file=path, entry=f"layer {layer}")
    crs_name = transform = None
    if gdf.crs is not None:
        crs_name = gdf.crs.to_string()
        transform = _transformer(gdf.crs, file=path, entry=f"layer {layer}")
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    # Integer and boolean fields with nulls come as floats: give them their own type back.
    kinds = dict(zip(info["fields"], info["dtypes"]))
    exported = layer == "sites" and _EXPORT_MARKS <= set(attrs)
    rows = []
    for fid, geom, rec in zip(gdf.index, gdf.geometry, gdf[attrs].to_dict("records")):
        where = f"{layer}[fid={fid}]"
        try:
            if geom is None or geom.is_empty or geom.geom_type != "Point":
                raise ScenarioError("geometry must be a Point", file=path,
                                    entry=f"{where}.geometry",
                                    value=None if geom is None else geom.geom_type)
            values = _attribute_values({k: _plain(val, kinds.get(k)) for k, val in rec.items()},
                                       (geom.x, geom.y), where=where, prefix=f"{where}.",
                                       path=path, transform=transform, crs_name=crs_name,
                                       exported=exported)
        except ScenarioError as exc:
            values = exc
        rows.append(SiteRow(path, where, values, exported))
    return rows


def _plain(value, dtype=None):
    """A GeoDataFrame cell as a plain Python value (None for every kind of null), of the
    field's type (``dtype`` as pyogrio names it)."""
    import pandas as pd

    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # a numpy scalar
    if value is None or value is pd.NaT or value is pd.NA or (
            isinstance(value, float) and math.isnan(value)):
        return None
    if dtype == "bool":
        return bool(value)
    if dtype is not None and dtype.startswith("int"):
        return int(value)
    if hasattr(value, "isoformat"):  # dates and times
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
