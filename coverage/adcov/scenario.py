"""Scenarios: where the systems are, which target altitudes to study, and over which region.

A scenario is a TOML file (format in the README and ``DESIGN.md`` 4.1) with sites given inline
(``[[sites]]``) or in a CSV or GeoJSON file (``sites_file``). Reading validates every value and
raises :class:`~adcov.errors.ScenarioError` naming the file, the entry and the value;
:func:`validate_file` collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import _validate as v
from ._paths import data_path
from .regions import SectorTable, check_region, check_sectors, default_sectors
from .catalog import Catalog, System, default_catalog
from .errors import CatalogError, InputError, ScenarioError
from .constants import DEFAULT_K_FACTOR

__all__ = [
    "Site",
    "Scenario",
    "builtin_scenarios",
    "scenario_path",
    "validate_file",
    "DEFAULT_ALTITUDES_M",
]

#: Target altitudes studied when a scenario gives none. [m]
DEFAULT_ALTITUDES_M = (50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0)

_TOP_KEYS = {"name", "description", "region", "altitudes_m", "k_factor", "belt_km",
             "min_gap_km2", "sectors", "systems", "sites", "sites_file"}
_SITE_KEYS = {"name", "system", "lon", "lat", "antenna_height_m", "azimuth_deg",
              "sector_width_deg", "source", "notes"}
_SITE_REQUIRED = ("name", "system", "lon", "lat")
_SITE_NUMBERS = {
    "lon": v.Bounds(-180, 180),
    "lat": v.Bounds(-90, 90),
    "antenna_height_m": v.Bounds(0, 10_000),
    "azimuth_deg": v.Bounds(-360, 360),
    "sector_width_deg": v.Bounds(0, 360, low_open=True),
}
_MAX_SITES = 100_000
_K_BOUNDS = v.Bounds(0, 100, low_open=True)
_BELT_BOUNDS = v.Bounds(0, 1000, low_open=True)
_GAP_BOUNDS = v.Bounds(0, 1e8)


@dataclass(frozen=True)
class Site:
    """A deployment site: one system (one envelope) at one place, validated.

    Parameters
    ----------
    name : str
        Unique within the scenario.
    system : System
        The catalog entry (after scenario overrides).
    lon, lat : float
        WGS84 position. [deg]
    antenna_height_m : float, optional
        Overrides the system's radar height above ground. [m]
    azimuth_deg : float, optional
        Centre of the covered sector, clockwise from true north (stored in ``[0, 360)``);
        required when the sector is narrower than 360 degrees. [deg]
    sector_width_deg : float, optional
        Overrides the system's sector width. [deg]
    source, notes : str
        Where the site comes from; free notes.

    Raises
    ------
    ScenarioError
        When a value is out of its bounds or a sector site has no azimuth: a Site is valid
        however it was built.

    Examples
    --------
    >>> from adcov.catalog import default_catalog
    >>> Site("Brest", default_catalog()["S-300PS"], lon=23.69, lat=95.0)
    Traceback (most recent call last):
    ...
    adcov.errors.ScenarioError: lat: must be >= -90 and <= 90 (got 95.0)
    """

    name: str
    system: System
    lon: float
    lat: float
    antenna_height_m: float | None = None
    azimuth_deg: float | None = None
    sector_width_deg: float | None = None
    source: str = ""
    notes: str = ""

    def __post_init__(self):
        put = partial(object.__setattr__, self)
        put("name", v.text(self.name, file=None, entry="name", error=ScenarioError,
                           max_length=200))
        if not isinstance(self.system, System):
            raise ScenarioError("must be a System (see adcov.catalog)", entry="system",
                                value=self.system)
        for key, bounds in _SITE_NUMBERS.items():
            value = getattr(self, key)
            if value is not None:
                put(key, v.number(value, file=None, entry=key, bounds=bounds,
                                  error=ScenarioError))
        for key in ("source", "notes"):
            put(key, v.text(getattr(self, key), file=None, entry=key, error=ScenarioError,
                            allow_empty=True, max_length=2000))
        if self.azimuth_deg is not None:
            put("azimuth_deg", self.azimuth_deg % 360.0)
        if self.effective_sector_width_deg < 360 and self.azimuth_deg is None:
            raise ScenarioError(
                f"sector is {self.effective_sector_width_deg:g} degrees wide, so azimuth_deg is "
                "required", entry="azimuth_deg")

    @property
    def effective_antenna_height_m(self) -> float:
        """Antenna height used: the site's override, else the system's. [m]"""
        return self.system.antenna_height_m if self.antenna_height_m is None else self.antenna_height_m

    @property
    def effective_sector_width_deg(self) -> float:
        """Sector width used: the site's override, else the system's. [deg]"""
        return self.system.sector_width_deg if self.sector_width_deg is None else self.sector_width_deg


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Build it with :meth:`from_file`, :meth:`builtin` or directly.

    Scenarios are values: two scenarios with the same sites, region, altitudes, settings and
    sector table are equal and hash alike, whatever file they came from.

    Parameters
    ----------
    name : str
        What the scenario is.
    sites : tuple of Site
        The deployment (at least one site; names unique).
    region : str, default "BLR"
        ISO3 code of the region.
    altitudes_m : tuple of float
        Target altitudes, stored sorted. [m]
    k_factor : float, default 4/3
        Effective Earth radius factor. [-]
    belt_km, min_gap_km2 : float
        Width of the belt zones [km]; smallest uncovered part counted as a gap [km2].
    sectors : Mapping, optional
        Sector name -> neighbour ISO3 codes (default: the region's own table).
    """

    name: str
    sites: tuple[Site, ...]
    region: str = "BLR"
    altitudes_m: tuple[float, ...] = DEFAULT_ALTITUDES_M
    k_factor: float = DEFAULT_K_FACTOR
    belt_km: float = 50.0
    min_gap_km2: float = 25.0
    sectors: SectorTable = None
    description: str = ""
    catalog: Catalog | None = field(default=None, compare=False, repr=False)
    path: Path | None = field(default=None, compare=False)
    sites_path: Path | None = field(default=None, compare=False)
    variant: str = field(default="", compare=False)

    @property
    def input_paths(self) -> list[Path]:
        """The files this scenario was read from (never to be overwritten by an output)."""
        return [p for p in (self.path, self.sites_path) if p is not None]

    def __post_init__(self):
        put = partial(object.__setattr__, self)
        put("name", v.text(self.name, file=None, entry="name", error=ScenarioError,
                           max_length=200))
        put("region", check_region(self.region))
        sites = tuple(self.sites)
        if not sites:
            raise ScenarioError("has no sites", entry="sites")
        seen = set()
        for i, site in enumerate(sites):
            if not isinstance(site, Site):
                raise ScenarioError("must be a Site", entry=f"sites[{i}]", value=site)
            if site.name in seen:
                raise ScenarioError("duplicate site name", entry=f"sites[{i}].name",
                                    value=site.name)
            seen.add(site.name)
        put("sites", sites)
        put("altitudes_m", _altitudes(list(self.altitudes_m), None))
        put("k_factor", v.number(self.k_factor, file=None, entry="k_factor",
                                 bounds=_K_BOUNDS, error=ScenarioError))
        put("belt_km", v.number(self.belt_km, file=None, entry="belt_km", bounds=_BELT_BOUNDS,
                                error=ScenarioError))
        put("min_gap_km2", v.number(self.min_gap_km2, file=None, entry="min_gap_km2",
                                    bounds=_GAP_BOUNDS, error=ScenarioError))
        default = default_sectors(self.region)
        if self.sectors is None or SectorTable(self.sectors) == default:
            put("sectors", default)  # also a region without neighbours: no sectors at all
        else:
            put("sectors", check_sectors(self.region, self.sectors))

    @classmethod
    def from_file(cls, path, *, catalog: Catalog | None = None) -> "Scenario":
        """Read and validate a scenario TOML file; raise the first problem found."""
        problems: list[InputError] = []
        scenario = _read(Path(path), catalog or default_catalog(), problems)
        if problems:
            raise problems[0]
        return scenario

    @classmethod
    def builtin(cls, name: str) -> "Scenario":
        """A scenario shipped with the toolkit, e.g. ``"belarus-2021"``."""
        names = builtin_scenarios()
        if name not in names:
            raise ScenarioError(f"unknown built-in scenario; built-in: {', '.join(names)}",
                                entry="scenario", value=name)
        return cls.from_file(data_path("scenarios", f"{name}.toml"))

    @classmethod
    def resolve(cls, name_or_path) -> "Scenario":
        """A path to a scenario file, or the name of a built-in scenario."""
        return cls.from_file(scenario_path(name_or_path))

    @property
    def label(self) -> str:
        """Short identifier: the file stem (else the name), with the variant if any."""
        base = self.path.stem if self.path is not None else self.name
        return f"{base}+{self.variant}" if self.variant else base

    def with_sites(self, *sites, variant: str | None = None,
                   entry: str = "added site") -> "Scenario":
        """A copy with sites added: "what would a new site change?".

        Parameters
        ----------
        *sites : Site or mapping
            New sites, as :class:`Site` objects or as mappings with the keys of a
            ``[[sites]]`` entry (``name``, ``system``, ``lon``, ``lat``, and optionally
            ``antenna_height_m``, ``azimuth_deg``, ``sector_width_deg``, ``source``, ``notes``),
            validated like a scenario file.
        variant : str, optional
            Added to the label (default: the new sites' names joined by "+").
        entry : str, default "added site"
            How error messages name the new sites (``"<entry> 1.lat"``).

        Returns
        -------
        Scenario

        Examples
        --------
        >>> base = Scenario.builtin("belarus-2021")
        >>> more = base.with_sites({"name": "Mozyr", "system": "S-400/40N6",
        ...                         "lon": 29.25, "lat": 52.05})
        >>> more.label, len(more.sites) - len(base.sites)
        ('belarus-2021+Mozyr', 1)
        """
        catalog = self.catalog or default_catalog()
        seen = {s.name for s in self.sites}
        added = []
        for i, item in enumerate(sites, start=1):
            where = f"{entry} {i}" if " " in entry or not entry.startswith("-") else f"{entry}[{i}]"
            if isinstance(item, Site):
                site = item
            elif isinstance(item, dict):
                site = _site(dict(item), catalog, file=None, entry=where)
            else:
                raise ScenarioError("must be a Site or a mapping of site keys", entry=where,
                                    value=item)
            if site.name in seen:
                raise ScenarioError("duplicate site name", entry=f"{where}.name",
                                    value=site.name)
            seen.add(site.name)
            added.append(site)
        if not added:
            raise ScenarioError("no site to add", entry="added sites")
        tag = variant if variant is not None else "+".join(s.name for s in added)
        return replace(self, sites=self.sites + tuple(added), variant=tag)


def scenario_path(name_or_path) -> Path:
    """The file behind a scenario argument: a path as given, or a built-in scenario's file."""
    p = Path(str(name_or_path))
    if p.exists() or p.suffix or str(name_or_path) not in builtin_scenarios():
        return p
    return data_path("scenarios", f"{name_or_path}.toml")


def builtin_scenarios() -> list[str]:
    """Names of the shipped scenarios."""
    return sorted(p.stem for p in data_path("scenarios").glob("*.toml"))


def validate_file(path, *, catalog: Catalog | None = None) -> list[InputError]:
    """Every problem found in a scenario file (an empty list when it is valid)."""
    problems: list[InputError] = []
    _read(Path(path), catalog or default_catalog(), problems)
    return problems


class _Stop(Exception):
    """A problem after which reading cannot go on."""


def _read(path: Path, catalog: Catalog, problems: list) -> Scenario | None:
    def fail(exc):
        problems.append(exc)
        raise _Stop

    try:
        doc = _load_toml(path, fail)
        return _build(doc, path, catalog, problems)
    except _Stop:
        return None


def _read_bytes(path: Path, fail) -> bytes:
    try:
        if path.is_dir():
            fail(ScenarioError("is a directory, not a file", file=path))
        return path.read_bytes()
    except FileNotFoundError:
        fail(ScenarioError("file not found", file=path))
    except OSError as exc:
        fail(ScenarioError(f"cannot be read: {exc.strerror}", file=path))


def _decode(raw: bytes, path: Path, fail) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(ScenarioError(f"is not UTF-8 text (byte {exc.start})", file=path))


def _load_toml(path: Path, fail) -> dict:
    text = _decode(_read_bytes(path, fail), path, fail)
    if "\x00" in text:
        fail(ScenarioError("is not a text file (contains NUL bytes)", file=path))
    if not text.strip():
        fail(ScenarioError("is empty", file=path))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        fail(ScenarioError(f"malformed TOML: {exc}", file=path))
    except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit integer, deep nesting
        fail(ScenarioError(f"malformed TOML: {type(exc).__name__}: {str(exc)[:120]}", file=path))


def _build(doc: dict, path: Path, catalog: Catalog, problems: list) -> Scenario | None:
    def attempt(fn, *args, default=None, **kw):
        try:
            return fn(*args, **kw)
        except InputError as exc:
            problems.append(exc if exc.file else _with_file(exc, path))
            return default

    n_before = len(problems)
    attempt(v.check_keys, doc, _TOP_KEYS, file=path, entry="", error=ScenarioError,
            required=("name",))
    name = attempt(v.text, doc.get("name", ""), file=path, entry="name", error=ScenarioError,
                   max_length=200)
    description = attempt(v.text, doc.get("description", ""), file=path, entry="description",
                          error=ScenarioError, allow_empty=True, max_length=10_000) or ""
    region = attempt(check_region, doc.get("region", "BLR"), file=path, entry="region")
    sectors = None
    if region is not None:
        if "sectors" in doc:
            sectors = attempt(check_sectors, region, doc["sectors"], file=path, entry="sectors")
        else:
            sectors = default_sectors(region)

    altitudes = attempt(_altitudes, doc.get("altitudes_m", list(DEFAULT_ALTITUDES_M)), path)
    k_factor = attempt(v.number, doc.get("k_factor", DEFAULT_K_FACTOR), file=path,
                       entry="k_factor", bounds=_K_BOUNDS, error=ScenarioError)
    belt_km = attempt(v.number, doc.get("belt_km", 50.0), file=path, entry="belt_km",
                      bounds=_BELT_BOUNDS, error=ScenarioError)
    min_gap = attempt(v.number, doc.get("min_gap_km2", 25.0), file=path, entry="min_gap_km2",
                      bounds=_GAP_BOUNDS, error=ScenarioError)

    broken: set = set()
    if "systems" in doc:
        tables = doc["systems"]
        if not isinstance(tables, dict):
            problems.append(ScenarioError("must be a table of systems", file=path,
                                          entry="systems", value=tables))
        else:
            # One system at a time, so that a bad one is reported once and its sites are not
            # reported again as using an unknown system.
            for sid, table in tables.items():
                updated = attempt(catalog.with_overrides, {sid: table}, file=path)
                if updated is None:
                    broken.add(sid)
                else:
                    catalog = updated

    sites: list[Site] = []
    sites_path = None
    if "sites" in doc and "sites_file" in doc:
        problems.append(ScenarioError("give either [[sites]] or sites_file, not both", file=path,
                                      entry="sites_file", value=doc["sites_file"]))
    elif "sites_file" in doc:
        rows = attempt(_rows_from_file, doc["sites_file"], path, default=[])
        sites = _sites(rows, catalog, problems, broken)
        if isinstance(doc["sites_file"], str):
            sites_path = _sites_file_path(doc["sites_file"], path)
    elif "sites" in doc:
        raw = doc["sites"]
        if not isinstance(raw, list):
            problems.append(ScenarioError("must be an array of tables ([[sites]])", file=path,
                                          entry="sites", value=raw))
        else:
            sites = _sites([(path, f"sites[{i}]", r) for i, r in enumerate(raw)], catalog,
                           problems, broken)
    if not sites and len(problems) == n_before:
        problems.append(ScenarioError("has no sites; add [[sites]] entries or a sites_file",
                                      file=path, entry="sites"))
    if len(problems) > n_before:
        return None
    return Scenario(name=name, sites=tuple(sites), region=region, altitudes_m=altitudes,
                    k_factor=k_factor, belt_km=belt_km, min_gap_km2=min_gap, sectors=sectors,
                    description=description, catalog=catalog, path=path, sites_path=sites_path)


def _with_file(exc: InputError, path) -> InputError:
    return type(exc)(exc.message, file=path, entry=exc.entry,
                     **({"value": exc.value} if exc.has_value else {}))


def _altitudes(raw, path) -> tuple[float, ...]:
    if not isinstance(raw, list) or not raw:
        raise ScenarioError("must be a non-empty list of target altitudes in metres", file=path,
                            entry="altitudes_m", value=raw)
    out = []
    for i, a in enumerate(raw):
        out.append(v.number(a, file=path, entry=f"altitudes_m[{i}]",
                            bounds=v.Bounds(0, 1_000_000), error=ScenarioError))
    if len(set(out)) != len(out):
        dup = next(a for a in out if out.count(a) > 1)
        raise ScenarioError("lists an altitude twice", file=path, entry="altitudes_m", value=dup)
    return tuple(sorted(out))


def _rows_from_file(ref, scenario_path: Path) -> list:
    """(file, entry, mapping) for each site row of a CSV or GeoJSON sites file."""
    v.text(ref, file=scenario_path, entry="sites_file", error=ScenarioError)
    path = _sites_file_path(ref, scenario_path)

    def fail(exc):
        raise exc

    text = _decode(_read_bytes(path, fail), path, fail)
    if "\x00" in text:
        raise ScenarioError("is not a text file (contains NUL bytes)", file=path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(text, path)
    if suffix in (".geojson", ".json"):
        return _geojson_rows(text, path)
    raise ScenarioError("sites_file must end in .csv, .geojson or .json", file=scenario_path,
                        entry="sites_file", value=ref)


def _sites_file_path(ref: str, scenario_path: Path) -> Path:
    """A sites_file reference, relative to the scenario file unless absolute."""
    return (scenario_path.parent / ref) if not Path(ref).is_absolute() else Path(ref)


def _csv_rows(text: str, path: Path) -> list:
    if not text.strip():
        raise ScenarioError("is empty", file=path)
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ScenarioError(f"malformed CSV: {exc}", file=path, entry="header") from None
    unknown = [h for h in header if h not in _SITE_KEYS]
    if unknown:
        raise ScenarioError(f"unknown column; valid columns are {', '.join(sorted(_SITE_KEYS))}",
                            file=path, entry="header", value=unknown[0])
    missing = [k for k in _SITE_REQUIRED if k not in header]
    if missing:
        raise ScenarioError("required column missing", file=path, entry="header",
                            value=missing[0])
    if len(set(header)) != len(header):
        raise ScenarioError("column given twice", file=path, entry="header", value=header)
    rows = []
    i = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
            raise ScenarioError(f"malformed CSV: {exc}", file=path,
                                entry=f"line {reader.line_num}") from None
        i += 1
        line = reader.line_num
        if None in row:
            raise ScenarioError("has more cells than the header", file=path,
                                entry=f"row {i} (line {line})", value=row[None])
        clean = {}
        for key, cell in row.items():
            key = key.strip()
            cell = "" if cell is None else cell.strip()
            if cell == "":
                continue
            clean[key] = _csv_number(cell) if key in _SITE_NUMBERS else cell
        rows.append((path, f"row {i} (line {line})", clean))
    if not rows:
        raise ScenarioError("has a header but no site rows", file=path)
    return rows


def _csv_number(cell: str):
    try:
        return float(cell)
    except ValueError:
        return cell  # reported as "must be a number" with the cell's text


def _geojson_rows(text: str, path: Path) -> list:
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
    rows = []
    for i, f in enumerate(feats):
        where = f"features[{i}]"
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
        # GIS tools write null for an empty optional attribute: treat it as not given.
        props = {k: val for k, val in props.items() if val is not None}
        for key in ("lon", "lat"):
            if key in props:
                raise ScenarioError("position comes from the geometry; remove the property",
                                    file=path, entry=f"{where}.properties.{key}", value=props[key])
        props["lon"], props["lat"] = coords[0], coords[1]
        rows.append((path, where, props))
    return rows


def _sites(rows, catalog: Catalog, problems: list, broken=frozenset()) -> list[Site]:
    if len(rows) > _MAX_SITES:
        problems.append(ScenarioError(f"more than {_MAX_SITES} sites", file=rows[0][0],
                                      entry="sites", value=len(rows)))
        return []
    sites, seen = [], {}
    for file, entry, row in rows:
        try:
            site = _site(row, catalog, file=file, entry=entry, broken=broken)
        except InputError as exc:
            problems.append(exc)
            continue
        if site.name in seen:
            problems.append(ScenarioError(f"duplicate site name (first at {seen[site.name]})",
                                          file=file, entry=f"{entry}.name", value=site.name))
            continue
        seen[site.name] = entry
        sites.append(site)
    return sites


def _site(row, catalog: Catalog, *, file, entry, broken=frozenset()) -> Site:
    v.check_keys(row, _SITE_KEYS, file=file, entry=entry, error=ScenarioError,
                 required=_SITE_REQUIRED)
    sid = row["system"]
    if not isinstance(sid, str):
        raise ScenarioError("must be a system id (a string)", file=file, entry=f"{entry}.system",
                            value=sid)
    if sid in broken:
        # Already reported where the system is defined; check the rest of the site against a
        # stand-in.
        system = System(id=sid, name=sid, max_range_km=1.0, min_range_km=0.0,
                        max_altitude_m=1.0, min_altitude_m=0.0, antenna_height_m=0.0)
    else:
        try:
            system = catalog.get_system(sid, file=file, entry=f"{entry}.system")
        except CatalogError as exc:
            raise ScenarioError(exc.message, file=file, entry=exc.entry, value=sid) from None
    try:
        return Site(system=system, **{k: row[k] for k in _SITE_KEYS - {"system"} if k in row})
    except ScenarioError as exc:
        # The Site checks its own values; say where in the file they came from.
        raise ScenarioError(exc.message, file=file, entry=f"{entry}.{exc.entry}",
                            **({"value": exc.value} if exc.has_value else {})) from None
