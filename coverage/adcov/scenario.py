"""Scenarios: where the systems are, which target altitudes to study, and over which region.

A scenario is a TOML file (format in the README and ``DESIGN.md`` 4.1) with sites given inline
(``[[sites]]``) or in a CSV, GeoJSON or GeoPackage file (``sites_file``, read by
:mod:`adcov.sitesfile`); a sites file alone is a scenario too, with defaults
(:meth:`Scenario.from_sites_file`). Reading validates every value and raises
:class:`~adcov.errors.ScenarioError` naming the file, the entry and the value;
:func:`validate_file` collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import _validate as v
from ._mapping import FrozenMapping
from ._paths import data_path
from .sitesfile import SITES_SUFFIXES, SiteRow, check_properties, read_sites_file, read_text
from .regions import SectorTable, check_region, check_sectors, default_sectors
from .catalog import Catalog, System, default_catalog
from .errors import CatalogError, InputError, ScenarioError
from .constants import DEFAULT_K_FACTOR

__all__ = [
    "Site",
    "SiteProperties",
    "Scenario",
    "builtin_scenarios",
    "scenario_path",
    "validate_file",
    "DEFAULT_ALTITUDES_M",
]

#: Target altitudes studied when a scenario gives none. [m]
DEFAULT_ALTITUDES_M = (50.0, 300.0, 1000.0, 5000.0, 10000.0, 20000.0)

_TOP_KEYS = {"name", "description", "region", "altitudes_m", "k_factor", "belt_km",
             "min_gap_km2", "sectors", "systems", "sites", "sites_file", "terrain",
             "altitude_reference", "mode"}
#: Analysis modes: where missiles can engage, or where radars detect (:mod:`adcov.models`).
MODES = ("engagement", "detection")
#: What target altitudes are measured from over a DEM: the ground under the target, or sea
#: level (the DEM's datum).
ALTITUDE_REFERENCES = ("agl", "msl")
_SITE_KEYS = {"name", "system", "lon", "lat", "antenna_height_m", "azimuth_deg",
              "sector_width_deg", "source", "notes", "position_sigma_km",
              "position_radius_km"}
_ROW_KEYS = _SITE_KEYS | {"properties"}
_SITE_REQUIRED = ("name", "system", "lon", "lat")
_SITE_NUMBERS = {
    "lon": v.Bounds(-180, 180),
    "lat": v.Bounds(-90, 90),
    "antenna_height_m": v.Bounds(0, 10_000),
    "azimuth_deg": v.Bounds(-360, 360),
    "sector_width_deg": v.Bounds(0, 360, low_open=True),
    "position_sigma_km": v.Bounds(0, 1000),
    "position_radius_km": v.Bounds(0, 1000),
}
_MAX_SITES = 100_000
_K_BOUNDS = v.Bounds(0, 100, low_open=True)
_BELT_BOUNDS = v.Bounds(0, 1000, low_open=True)
_GAP_BOUNDS = v.Bounds(0, 1e8)


class SiteProperties(FrozenMapping):
    """A site's properties: a read-only, hashable mapping of name -> text or number.

    Kept in the order given; equal to any mapping with the same items (order aside), and
    hashed alike whatever the order.

    Parameters
    ----------
    items : Mapping or iterable of (str, value) pairs, optional
        Unvalidated here: :class:`Site` validates what it is given.

    Examples
    --------
    >>> p = SiteProperties({"unit": "1st bn", "fid": 7})
    >>> p["fid"], list(p), p == {"fid": 7, "unit": "1st bn"}
    (7, ['unit', 'fid'], True)
    """


_NO_PROPERTIES = SiteProperties()


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
    position_sigma_km : float, optional
        How uncertain the position is: the true position lies around (lon, lat) with an
        isotropic normal error of this standard deviation in each direction (east, north).
        Used by :mod:`adcov.uncertainty` only; every other computation uses (lon, lat). [km]
    position_radius_km : float, optional
        Instead of a sigma: the true position lies anywhere within this distance of
        (lon, lat), uniformly over the disc. [km]
    source, notes : str
        Where the site comes from; free notes.
    properties : Mapping, optional
        Anything else known about the site (unit, comment, an id from a GIS layer), shown in
        map popups and written to exports: names are text (at most 200 characters, no
        control characters, not the name of a site key or its column alias such as ``lat``
        or ``type``), values are text (at most 2000 characters) or finite numbers. Stored as a
        :class:`SiteProperties`.

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
    properties: Mapping = _NO_PROPERTIES
    position_sigma_km: float | None = None
    position_radius_km: float | None = None

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
        put("properties", SiteProperties(check_properties(self.properties, file=None,
                                                          entry="properties")))
        if self.position_sigma_km is not None and self.position_radius_km is not None:
            raise ScenarioError("give position_sigma_km or position_radius_km, not both",
                                entry="position_radius_km", value=self.position_radius_km)
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
    """A validated scenario. Build it with :meth:`from_file`, :meth:`from_sites_file`,
    :meth:`builtin`, :meth:`resolve` or directly.

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
    notes : tuple of str
        How the reader chose settings the input did not give, one line each, e.g.
        ``region BLR: the country holding 12 of 13 sites (choose with --region)``. Not part
        of equality.
    terrain : tuple of Path, optional
        DEM files or folders (:class:`adcov.terrain.DEM`): envelopes are masked by terrain.
    altitude_reference : {"agl", "msl"}, optional
        With a DEM, what target altitudes are above: the ground under the target (``agl``, the
        default) or sea level (``msl``). Without a DEM altitudes are above the radar's ground.
    mode : {"engagement", "detection"}, default "engagement"
        Missile engagement envelopes, or radar detection envelopes (:mod:`adcov.models`).
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
    notes: tuple[str, ...] = field(default=(), compare=False, repr=False)
    terrain: tuple = ()
    altitude_reference: str | None = None
    mode: str = "engagement"

    @property
    def input_paths(self) -> list[Path]:
        """The files this scenario was read from (never to be overwritten by an output)."""
        return list(dict.fromkeys(p for p in (self.path, self.sites_path, *self.terrain)
                                  if p is not None))

    def __post_init__(self):
        put = partial(object.__setattr__, self)
        put("name", v.text(self.name, file=None, entry="name", error=ScenarioError,
                           max_length=200))
        put("region", check_region(self.region))
        notes = tuple(self.notes)
        for i, note in enumerate(notes):
            v.text(note, file=None, entry=f"notes[{i}]", error=ScenarioError, max_length=2000)
            if "\n" in note:
                raise ScenarioError("must be one line", entry=f"notes[{i}]", value=note)
        put("notes", notes)
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
        put("terrain", _terrain_paths(self.terrain, base=None))
        if self.mode not in MODES:
            raise ScenarioError(f"must be one of {', '.join(MODES)}", entry="mode",
                                value=self.mode)
        if self.altitude_reference is not None:
            if self.altitude_reference not in ALTITUDE_REFERENCES:
                raise ScenarioError(f"must be one of {', '.join(ALTITUDE_REFERENCES)}",
                                    entry="altitude_reference", value=self.altitude_reference)
            if not self.terrain:
                raise ScenarioError("needs a DEM (terrain): without one, altitudes are above "
                                    "the radar's ground", entry="altitude_reference",
                                    value=self.altitude_reference)
        default = default_sectors(self.region)
        if self.sectors is None or SectorTable(self.sectors) == default:
            put("sectors", default)  # also a region without neighbours: no sectors at all
        else:
            put("sectors", check_sectors(self.region, self.sectors))

    @classmethod
    def from_file(cls, path, *, catalog: Catalog | None = None) -> "Scenario":
        """Read and validate a scenario TOML file (or a sites file, as
        :meth:`from_sites_file` with its defaults); raise the first problem found."""
        problems: list[InputError] = []
        scenario = _read(Path(path), catalog or default_catalog(), problems)
        if problems:
            raise problems[0]
        return scenario

    @classmethod
    def from_sites_file(cls, path, *, region: str | None = None, altitudes_m=None,
                        catalog: Catalog | None = None) -> "Scenario":
        """A scenario made of a CSV, GeoJSON or GeoPackage sites file alone.

        Parameters
        ----------
        path : str or Path
            The sites file (read as a ``sites_file`` is, see :mod:`adcov.sitesfile`).
        region : str, optional
            ISO3 code or country name. Default: the country holding most sites (ties go to
            the country of the earliest of them).
        altitudes_m : sequence of float, optional
            Target altitudes (default :data:`DEFAULT_ALTITUDES_M`). [m]
        catalog : Catalog, optional
            The systems (default: the shipped catalog).

        Returns
        -------
        Scenario
            Named "Sites from <file name>", other settings at their defaults; :attr:`notes`
            says how the region and the altitudes were chosen.

        Raises
        ------
        ScenarioError
            The first problem in the file; or, without ``region``, when no site lies in a
            country.
        """
        problems: list[InputError] = []
        scenario = _read_sites(Path(path), catalog or default_catalog(), problems,
                               region=region, altitudes_m=altitudes_m)
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
    def resolve(cls, name_or_path, *, region: str | None = None,
                altitudes_m=None) -> "Scenario":
        """A scenario file, a sites file (by its extension: .csv, .geojson, .json, .gpkg) or
        the name of a built-in scenario.

        Parameters
        ----------
        name_or_path : str or Path
            The file, or the built-in scenario's name.
        region : str, optional
            ISO3 code (any case) or country name of the region to study instead of the
            file's (the region's default sectors then apply); for a sites file, instead of
            the country holding most sites.
        altitudes_m : sequence of float, optional
            Target altitudes instead of the file's (or of the default, for a sites file). [m]

        Returns
        -------
        Scenario
            For a sites file, with :attr:`notes` saying how what was not given was chosen.
        """
        path = scenario_path(name_or_path)
        if path.suffix.lower() in SITES_SUFFIXES:
            return cls.from_sites_file(path, region=region, altitudes_m=altitudes_m)
        scenario = cls.from_file(path)
        changes = {}
        if altitudes_m is not None:
            changes["altitudes_m"] = tuple(altitudes_m)
        if region is not None:
            code = check_region(region)
            if code != scenario.region:
                changes.update(region=code, sectors=None)
        return replace(scenario, **changes) if changes else scenario

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
            ``antenna_height_m``, ``azimuth_deg``, ``sector_width_deg``, ``source``, ``notes``,
            ``properties``, ``position_sigma_km``, ``position_radius_km``), validated like a
            scenario file.
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
    """Every problem found in a scenario file or a sites file (an empty list when it is
    valid)."""
    problems: list[InputError] = []
    _read(Path(path), catalog or default_catalog(), problems)
    return problems


def _read(path: Path, catalog: Catalog, problems: list) -> Scenario | None:
    if path.suffix.lower() in SITES_SUFFIXES:
        return _read_sites(path, catalog, problems)
    try:
        doc = _load_toml(path)
    except InputError as exc:
        problems.append(exc)
        return None
    return _build(doc, path, catalog, problems)


def _load_toml(path: Path) -> dict:
    text = read_text(path)
    if not text.strip():
        raise ScenarioError("is empty", file=path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"malformed TOML: {exc}", file=path) from None
    except (ValueError, RecursionError) as exc:  # e.g. a 5,000-digit integer, deep nesting
        raise ScenarioError(f"malformed TOML: {type(exc).__name__}: {str(exc)[:120]}",
                            file=path) from None


def _read_sites(path: Path, catalog: Catalog, problems: list, *, region=None,
                altitudes_m=None) -> Scenario | None:
    """A scenario of a sites file alone, its region and altitudes chosen when not given."""
    n_before = len(problems)
    try:
        rows = read_sites_file(path)
    except InputError as exc:
        problems.append(exc)
        return None
    sites = _sites(rows, catalog, problems)
    notes = []
    try:
        if altitudes_m is None:
            altitudes = DEFAULT_ALTITUDES_M
            notes.append("altitudes: the default " + ", ".join(f"{a:g}" for a in altitudes)
                         + " m (choose with --altitudes)")
        else:
            altitudes = _altitudes(list(altitudes_m), None)
        if region is not None:
            region = check_region(region)
        elif len(problems) == n_before:
            region, held = _region_of(sites, path)
            notes.insert(0, f"region {region}: the country holding {held} of {len(sites)} "
                            "sites (choose with --region)")
    except InputError as exc:
        problems.append(exc)
    if len(problems) > n_before:
        return None
    name = "".join(c if c.isprintable() else "?" for c in f"Sites from {path.name}")[:200]
    return Scenario(name=name, sites=tuple(sites), region=region, altitudes_m=altitudes,
                    catalog=catalog, path=path, sites_path=path, notes=tuple(notes))


def _region_of(sites, path: Path) -> tuple[str, int]:
    """The country holding most sites (ties: the earliest site's), and how many it holds."""
    from .sanity import country_at

    counts: dict[str, int] = {}
    for s in sites:
        code = country_at(s.lon, s.lat)
        if code is not None:
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        raise ScenarioError("no site lies in a country, so the region cannot be chosen; give "
                            "it (--region)", file=path, entry="region")
    best = max(counts, key=counts.get)  # dicts keep first-seen order: ties go to the earliest
    return best, counts[best]


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
            sites = _sites([SiteRow(path, f"sites[{i}]", r) for i, r in enumerate(raw)],
                           catalog, problems, broken)
    if not sites and len(problems) == n_before:
        problems.append(ScenarioError("has no sites; add [[sites]] entries or a sites_file",
                                      file=path, entry="sites"))
    terrain = attempt(_terrain_paths, doc.get("terrain", ()), base=path.parent, file=path,
                      default=())
    mode = attempt(_choice, doc.get("mode", "engagement"), MODES, file=path, entry="mode")
    reference = None
    if "altitude_reference" in doc:
        reference = attempt(_choice, doc["altitude_reference"], ALTITUDE_REFERENCES, file=path,
                            entry="altitude_reference")
        if reference is not None and not terrain and "terrain" not in doc:
            problems.append(ScenarioError(
                "needs a DEM (terrain = ...): without one, altitudes are above the radar's "
                "ground", file=path, entry="altitude_reference", value=reference))
    if len(problems) > n_before:
        return None
    return Scenario(name=name, sites=tuple(sites), region=region, altitudes_m=altitudes,
                    k_factor=k_factor, belt_km=belt_km, min_gap_km2=min_gap, sectors=sectors,
                    description=description, catalog=catalog, path=path, sites_path=sites_path,
                    terrain=terrain or (), altitude_reference=reference,
                    mode=mode or "engagement")


def _choice(value, choices, *, file, entry):
    if not isinstance(value, str) or value not in choices:
        raise ScenarioError(f"must be one of {', '.join(choices)}", file=file, entry=entry,
                            value=value)
    return value


def _terrain_paths(value, *, base, file=None) -> tuple:
    """``terrain``: a path or a list of paths (DEM files or folders), relative to ``base`` (the
    scenario's folder) unless absolute; each must exist."""
    if value is None or value == () or value == []:
        return ()
    items = [value] if isinstance(value, (str, Path)) else value
    if not isinstance(items, (list, tuple)):
        raise ScenarioError("must be a path or a list of paths to DEM files or folders",
                            file=file, entry="terrain", value=value)
    out = []
    for i, item in enumerate(items):
        entry = "terrain" if len(items) == 1 and not isinstance(value, (list, tuple)) \
            else f"terrain[{i}]"
        if not isinstance(item, (str, Path)) or not str(item).strip():
            raise ScenarioError("must be a path to a DEM file or folder", file=file,
                                entry=entry, value=item)
        p = Path(item)
        if base is not None and not p.is_absolute():
            p = base / p
        if not p.exists():
            raise ScenarioError("DEM file or folder not found", file=file, entry=entry,
                                value=str(item))
        out.append(p)
    return tuple(out)


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
    """The site rows of the file a scenario's ``sites_file`` names."""
    v.text(ref, file=scenario_path, entry="sites_file", error=ScenarioError)
    path = _sites_file_path(ref, scenario_path)
    if path.suffix.lower() not in SITES_SUFFIXES:
        raise ScenarioError(f"sites_file must end in {', '.join(SITES_SUFFIXES)}",
                            file=scenario_path, entry="sites_file", value=ref)
    return read_sites_file(path)


def _sites_file_path(ref: str, scenario_path: Path) -> Path:
    """A sites_file reference, relative to the scenario file unless absolute."""
    return (scenario_path.parent / ref) if not Path(ref).is_absolute() else Path(ref)


def _sites(rows, catalog: Catalog, problems: list, broken=frozenset()) -> list[Site]:
    if len(rows) > _MAX_SITES:
        problems.append(ScenarioError(f"more than {_MAX_SITES} sites", file=rows[0].file,
                                      entry="sites", value=len(rows)))
        return []
    sites, seen = [], {}
    for file, entry, row, exported in rows:
        try:
            if isinstance(row, InputError):
                raise row
            site = _site(row, catalog, file=file, entry=entry, broken=broken,
                         exported=exported)
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


def _site(row, catalog: Catalog, *, file, entry, broken=frozenset(), exported=False) -> Site:
    v.check_keys(row, _ROW_KEYS, file=file, entry=entry, error=ScenarioError,
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
    values = {k: row[k] for k in _ROW_KEYS - {"system"} if k in row}
    if exported:
        # An export writes the antenna height and sector width in use: the system's own is
        # "not given", as it was in the scenario exported.
        for key in ("antenna_height_m", "sector_width_deg"):
            if key in values and values[key] == getattr(system, key):
                del values[key]
    try:
        return Site(system=system, **values)
    except ScenarioError as exc:
        # The Site checks its own values; say where in the file they came from.
        raise ScenarioError(exc.message, file=file, entry=f"{entry}.{exc.entry}",
                            **({"value": exc.value} if exc.has_value else {})) from None
