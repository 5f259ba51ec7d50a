"""The systems catalog: engagement envelopes of air-defense systems and the public sources behind them.

The catalog ships as ``data/systems/catalog.toml``. Each entry is one engagement envelope (a system
with several missiles has one entry per missile, such as ``S-400/40N6`` and ``S-400/48N6DM``), and
every number in it cites a public source with a confidence tag:

``V``
    value read in a public source;
``S``
    from a compilation citing Wikipedia, Air Power Australia or CSIS;
``R``
    commonly published figure, not re-checked;
``E``
    an estimate made by this project, with its reasoning.

Scenario files may add systems or override fields of catalog systems (``[systems."X"]``); such
values cite the scenario file.

Uncertain values
----------------
A numeric field may be given as a range ``[low, high]`` (in the catalog or a scenario): the
system then uses the midpoint as its value everywhere (it stays deterministic) and keeps the
range in :attr:`System.ranges`, which :mod:`adcov.uncertainty` samples uniformly. Where public
sources disagree, the catalog records the other sources' values beside the one it uses
(``[systems."X".alternatives]``, each value with its citation); :meth:`System.with_source_ranges`
turns that spread into ranges (``adcov uncertainty --from-sources``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from . import _validate as v
from ._mapping import FrozenMapping
from ._paths import data_path
from .errors import CatalogError

__all__ = [
    "CONFIDENCE_TAGS",
    "NUMERIC_FIELDS",
    "SYSTEM_KINDS",
    "ENGAGEMENT_FIELDS",
    "Reference",
    "Citation",
    "Alternative",
    "FieldRanges",
    "System",
    "Catalog",
    "load_catalog",
    "default_catalog",
]

#: Confidence tags and their meaning.
CONFIDENCE_TAGS = MappingProxyType({
    "V": "value read in a public source",
    "S": "from a compilation citing Wikipedia / Air Power Australia / CSIS",
    "R": "commonly published figure, not re-checked",
    "E": "estimate by this project",
    "U": "given by the user in a scenario file",
})

#: What a system is: ``engagement`` (a missile system: its envelope is where a target can be
#: engaged; its search radar's detection range may be catalogued too) or ``radar`` (a
#: surveillance radar on its own: detection only). The envelope model for each kind and
#: analysis mode is chosen in :mod:`adcov.models`.
SYSTEM_KINDS = ("engagement", "radar")

#: Numeric fields of a system: their bounds, and the kinds that require them.
NUMERIC_FIELDS = MappingProxyType({
    "max_range_km": (v.Bounds(0, 5000, low_open=True), ("engagement",)),
    "min_range_km": (v.Bounds(0, 5000), ("engagement",)),
    "max_altitude_m": (v.Bounds(0, 1_000_000, low_open=True), ("engagement",)),
    "min_altitude_m": (v.Bounds(0, 1_000_000), ("engagement",)),
    "antenna_height_m": (v.Bounds(0, 10_000), ("engagement", "radar")),
    "sector_width_deg": (v.Bounds(0, 360, low_open=True), ()),
    "detection_range_km": (v.Bounds(0, 5000, low_open=True), ("radar",)),
    "detection_antenna_height_m": (v.Bounds(0, 10_000), ()),
    "max_elevation_deg": (v.Bounds(0, 90, low_open=True), ()),
    "min_elevation_deg": (v.Bounds(-10, 90, high_open=True), ()),
})
#: Fields that only a missile (``engagement``) system has.
ENGAGEMENT_FIELDS = ("max_range_km", "min_range_km", "max_altitude_m", "min_altitude_m")
_TEXT_FIELDS = ("name", "family", "missile", "origin", "notes")
_SYSTEM_KEYS = set(NUMERIC_FIELDS) | set(_TEXT_FIELDS) | {"sources", "kind", "alternatives"}
#: Pairs of fields whose minimum must stay below their maximum, whatever values are drawn.
_ORDERED_PAIRS = (("min_range_km", "max_range_km"), ("min_altitude_m", "max_altitude_m"),
                  ("min_elevation_deg", "max_elevation_deg"))


@dataclass(frozen=True)
class Reference:
    """A public source: what it is, who published it, when, and where if known."""

    id: str
    title: str
    publisher: str = ""
    date: str = ""
    url: str = ""

    def cite(self) -> str:
        """Short citation: ``publisher, date: title``."""
        head = ", ".join(p for p in (self.publisher, self.date) if p)
        return f"{head}: {self.title}" if head else self.title


@dataclass(frozen=True)
class Citation:
    """The source of one number of a system."""

    field: str
    reference: Reference
    confidence: str
    note: str = ""

    def describe(self) -> str:
        """``[confidence] publisher, date: title (note)``."""
        text = f"[{self.confidence}] {self.reference.cite()}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Alternative:
    """A value of one numeric field that another public source gives, differing from the
    value the catalog uses (e.g. Tor-M2's range: 15 km in one source, 12 km in another)."""

    field: str
    value: float
    reference: Reference
    confidence: str
    note: str = ""

    def describe(self) -> str:
        """``<value> [confidence] publisher, date: title (note)``."""
        text = f"{self.value:g} [{self.confidence}] {self.reference.cite()}"
        return f"{text} ({self.note})" if self.note else text


class FieldRanges(FrozenMapping):
    """Numeric field -> ``(low, high)``: the spread of a system's uncertain values.

    A read-only, hashable mapping (systems are values and hash alike when equal), kept in the
    order of :data:`NUMERIC_FIELDS`. Not validated here: :class:`System` checks its ranges.

    Parameters
    ----------
    items : Mapping or iterable of (str, (float, float)) pairs, optional

    Examples
    --------
    >>> r = FieldRanges({"max_range_km": (12, 15)})
    >>> r["max_range_km"], dict(r) == {"max_range_km": (12.0, 15.0)}
    ((12.0, 15.0), True)
    """

    def __init__(self, items=()):
        pairs = items.items() if isinstance(items, Mapping) else items
        order = list(NUMERIC_FIELDS)
        cleaned = []
        for k, lh in pairs:
            lo, hi = lh
            cleaned.append((k, (float(lo), float(hi))))
        cleaned.sort(key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        super().__init__(cleaned)


_NO_RANGES = FieldRanges()


@dataclass(frozen=True)
class System:
    """One envelope of an air-defense system (a missile of a missile system), validated.

    Parameters
    ----------
    id : str
        Catalog id, e.g. ``"S-400/40N6"``.
    name : str
        Display name (default: the id).
    max_range_km, min_range_km : float
        Engagement slant-range limits; ``0 <= min < max``. None for a radar. [km]
    max_altitude_m, min_altitude_m : float
        Target altitude limits (ceiling and floor); ``0 <= min < max``. None for a radar. [m]
    antenna_height_m : float
        Height of the fire-control radar (of a radar: its antenna) above ground. [m]
    sector_width_deg : float, default 360
        Width of the azimuth sector the system covers without moving; ``0 < width <= 360``. [deg]
    detection_range_km : float, optional
        Instrumented range of the search (surveillance) radar; required for a radar. [km]
    detection_antenna_height_m : float, optional
        Height of the search radar's antenna, when it differs from ``antenna_height_m``. [m]
    max_elevation_deg, min_elevation_deg : float, optional
        Vertical limits of the radar's coverage: no target above ``max_elevation_deg`` (the cone
        of silence overhead) or below ``min_elevation_deg``; ``min < max``. [deg]
    kind : str, default "engagement"
        One of :data:`SYSTEM_KINDS`; chooses the envelope model (:mod:`adcov.models`).
    family : str
        Group used for colours and legends, e.g. ``"S-300"`` (default: the id before "/").
    sources : tuple of Citation
        One citation per numeric field.
    ranges : Mapping, optional
        Field -> ``(low, high)``: the spread of uncertain values (:class:`FieldRanges`). The
        field's own value is what every deterministic computation uses and must lie inside
        its range; :mod:`adcov.uncertainty` draws values uniformly from it.
    alternatives : tuple of Alternative
        Differing values of cited public sources (see :meth:`with_source_ranges`).

    Raises
    ------
    CatalogError
        When a value is out of its bounds (:data:`NUMERIC_FIELDS`), a minimum is not below its
        maximum, or the kind is unknown: a System is valid however it was built.

    Examples
    --------
    >>> System("X", "X", max_range_km=40, min_range_km=50, max_altitude_m=1e4,
    ...        min_altitude_m=0, antenna_height_m=5)
    Traceback (most recent call last):
    ...
    adcov.errors.CatalogError: X.min_range_km: must be below max_range_km (40) (got 50.0)
    """

    id: str
    name: str
    max_range_km: float | None = None
    min_range_km: float | None = None
    max_altitude_m: float | None = None
    min_altitude_m: float | None = None
    antenna_height_m: float | None = None
    sector_width_deg: float = 360.0
    detection_range_km: float | None = None
    kind: str = "engagement"
    detection_antenna_height_m: float | None = None
    max_elevation_deg: float | None = None
    min_elevation_deg: float | None = None
    family: str = ""
    missile: str = ""
    origin: str = ""
    notes: str = ""
    sources: tuple[Citation, ...] = field(default=(), compare=False)
    ranges: Mapping = _NO_RANGES
    alternatives: tuple = field(default=(), compare=False)

    def __post_init__(self):
        sid = v.text(self.id, file=None, entry="id", error=CatalogError, max_length=80)
        object.__setattr__(self, "id", sid)
        object.__setattr__(self, "name", v.text(self.name or sid, file=None, entry=f"{sid}.name",
                                                error=CatalogError, max_length=2000))
        if self.kind not in SYSTEM_KINDS:
            raise CatalogError(f"unknown kind; kinds are {', '.join(SYSTEM_KINDS)}",
                               entry=f"{sid}.kind", value=self.kind)
        for key, (bounds, required_by) in NUMERIC_FIELDS.items():
            value = getattr(self, key)
            if value is None:
                if self.kind in required_by:
                    raise CatalogError(f"is required for a system of kind {self.kind}",
                                       entry=f"{sid}.{key}")
                continue
            if self.kind == "radar" and key in ENGAGEMENT_FIELDS:
                raise CatalogError("a radar has no missile: give detection_range_km instead",
                                   entry=f"{sid}.{key}", value=value)
            object.__setattr__(self, key, v.number(value, file=None, entry=f"{sid}.{key}",
                                                   bounds=bounds, error=CatalogError))
        for low, high in _ORDERED_PAIRS:
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo >= hi:
                raise CatalogError(f"must be below {high} ({hi:g})", entry=f"{sid}.{low}",
                                   value=lo)
        if not self.family:
            object.__setattr__(self, "family", sid.split("/")[0])
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "alternatives", tuple(self.alternatives))
        object.__setattr__(self, "ranges", self._checked_ranges(sid))

    def _checked_ranges(self, sid: str) -> FieldRanges:
        """The ranges as a :class:`FieldRanges`, each inside its field's bounds and around the
        field's value, and no drawn minimum able to reach its maximum."""
        raw = self.ranges if self.ranges is not None else {}
        if not isinstance(raw, Mapping):
            raise CatalogError("must map field names to (low, high)", entry=f"{sid}.ranges",
                               value=raw)
        checked = {}
        for key, pair in raw.items():
            where = f"{sid}.{key}"
            if key not in NUMERIC_FIELDS:
                raise CatalogError("is not a numeric field of a system", entry=where, value=key)
            value = getattr(self, key)
            if value is None:
                raise CatalogError("has a range but no value", entry=where, value=pair)
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise CatalogError("a range must be [low, high]", entry=where, value=pair)
            bounds = NUMERIC_FIELDS[key][0]
            lo, hi = (v.number(x, file=None, entry=where, bounds=bounds, error=CatalogError)
                      for x in pair)
            if lo > hi:
                raise CatalogError("a range must be [low, high] with low <= high", entry=where,
                                   value=list(pair))
            if not lo <= value <= hi:
                raise CatalogError(f"value {value:g} lies outside its range [{lo:g}, {hi:g}]",
                                   entry=where, value=list(pair))
            checked[key] = (lo, hi)
        for low, high in _ORDERED_PAIRS:
            if low in checked or high in checked:
                top = checked.get(low, (getattr(self, low),) * 2)[1]
                bottom = checked.get(high, (getattr(self, high),) * 2)[0]
                if top is not None and bottom is not None and top >= bottom:
                    raise CatalogError(f"can reach {high} ({bottom:g}) within their ranges",
                                       entry=f"{sid}.{low}", value=top)
        return FieldRanges(checked)

    def source_range(self, field_name: str) -> tuple[float, float] | None:
        """``(low, high)`` of the values that the cited sources give for a field (the one
        used and its :attr:`alternatives`), or None when they do not differ."""
        value = getattr(self, field_name, None)
        others = [a.value for a in self.alternatives if a.field == field_name]
        if value is None or not others:
            return None
        lo, hi = min(value, *others), max(value, *others)
        return (lo, hi) if lo < hi else None

    def with_source_ranges(self) -> "System":
        """The system with a range for every field whose cited sources disagree (the spread
        of their values), besides the ranges it already has, which are kept.

        Examples
        --------
        >>> from adcov.catalog import default_catalog
        >>> default_catalog()["Tor-M2"].with_source_ranges().ranges["max_range_km"]
        (12.0, 15.0)
        """
        ranges = dict(self.ranges)
        for a in self.alternatives:
            if a.field not in ranges:
                found = self.source_range(a.field)
                if found is not None:
                    ranges[a.field] = found
        return replace(self, ranges=FieldRanges(ranges)) if ranges != dict(self.ranges) else self

    def nominal(self) -> "System":
        """The system without ranges: the values every deterministic computation uses."""
        return replace(self, ranges=_NO_RANGES) if self.ranges else self

    def alternative_lines(self) -> list[str]:
        """One readable line per differing value of a cited source."""
        return [f"{a.field}: {a.describe()}" for a in self.alternatives]

    def citation(self, field_name: str) -> Citation | None:
        """The citation of one numeric field, or None."""
        return next((c for c in self.sources if c.field == field_name), None)

    def source_lines(self) -> list[str]:
        """One readable line per cited field."""
        return [f"{c.field}: {c.describe()}" for c in self.sources]


class Catalog(Mapping):
    """Systems by id, with the references they cite. Behaves as a read-only mapping."""

    def __init__(self, systems: Mapping[str, System], references: Mapping[str, Reference],
                 path: Path | None = None):
        self._systems = dict(systems)
        self.references = dict(references)
        self.path = path

    def __getitem__(self, key: str) -> System:
        return self._systems[key]

    def __iter__(self):
        return iter(self._systems)

    def __len__(self) -> int:
        return len(self._systems)

    def get_system(self, system_id: str, *, file=None, entry: str = "system") -> System:
        """The system with this id (case-insensitive: ``s-300ps`` is ``S-300PS``), or a
        CatalogError that lists the closest ids."""
        try:
            return self._systems[system_id]
        except (KeyError, TypeError):
            pass
        if isinstance(system_id, str):
            folded = [s for k, s in self._systems.items()
                      if k.casefold() == system_id.strip().casefold()]
            if len(folded) == 1:
                return folded[0]
        close = v.suggest(system_id, list(self._systems))
        hint = f"did you mean {', '.join(close)}?" if close else "see `adcov systems`"
        raise CatalogError(f"unknown system id; {hint}", file=file, entry=entry, value=system_id)

    def search(self, term: str) -> list[System]:
        """Systems whose id, name, family, missile or notes contain ``term`` (any case)."""
        t = term.casefold()
        return [s for s in self._systems.values()
                if any(t in str(x).casefold() for x in (s.id, s.name, s.family, s.missile,
                                                        s.origin, s.notes))]

    def with_overrides(self, tables: Mapping, *, file, entry: str = "systems") -> "Catalog":
        """A new catalog with systems added or fields overridden by a scenario's ``[systems]``.

        Fields of an existing system that the table does not give are kept with their sources;
        the given ones cite the scenario file with confidence ``U``.
        """
        if not isinstance(tables, dict):
            raise CatalogError("must be a table of systems", file=file, entry=entry, value=tables)
        systems = dict(self._systems)
        ref = Reference(id="scenario-file", title=f"scenario file {Path(str(file)).name}",
                        publisher="user")
        for sid, table in tables.items():
            where = f'{entry}."{sid}"'
            base = systems.get(sid)
            systems[sid] = _system_from_table(sid, table, file=file, entry=where, base=base,
                                              user_reference=ref)
        return Catalog(systems, self.references, self.path)


def _system_from_table(sid, table, *, file, entry, references=None, base: System | None = None,
                       user_reference: Reference | None = None) -> System:
    v.text(sid, file=file, entry=entry, error=CatalogError, max_length=80)
    allowed = _SYSTEM_KEYS if references is not None else _SYSTEM_KEYS - {"sources"}
    kind = (table.get("kind", base.kind if base is not None else "engagement")
            if isinstance(table, dict) else "engagement")
    required = ([k for k, (_, kinds) in NUMERIC_FIELDS.items() if kind in kinds]
                if base is None else [])
    v.check_keys(table, allowed, file=file, entry=entry, error=CatalogError, required=required)
    values, ranges = {}, {}
    for key, (bounds, _) in NUMERIC_FIELDS.items():
        if key in table:
            if isinstance(table[key], list):
                lo, hi = _range(table[key], bounds, file=file, entry=f"{entry}.{key}")
                ranges[key] = (lo, hi)
                values[key] = 0.5 * (lo + hi)
            else:
                values[key] = v.number(table[key], file=file, entry=f"{entry}.{key}",
                                       bounds=bounds, error=CatalogError)
    for key in (*_TEXT_FIELDS, "kind"):
        if key in table:
            values[key] = v.text(table[key], file=file, entry=f"{entry}.{key}",
                                 error=CatalogError, allow_empty=(key == "notes"), max_length=2000)

    if references is not None:
        citations = _citations(table.get("sources"), values, references, file=file,
                               entry=f"{entry}.sources")
        alternatives = _alternatives(table.get("alternatives", {}), values, references,
                                     file=file, entry=f"{entry}.alternatives")
    else:
        if "alternatives" in table:
            raise CatalogError("alternatives belong in the catalog, with their citations; a "
                               "scenario gives a range [low, high] instead", file=file,
                               entry=f"{entry}.alternatives")
        kept = tuple(c for c in (base.sources if base else ()) if c.field not in values)
        new = tuple(Citation(k, user_reference, "U") for k in values if k in NUMERIC_FIELDS)
        citations = kept + new
        # A field given anew drops the catalog's spread of it: the user's value (or range)
        # replaces what the sources said.
        alternatives = tuple(a for a in (base.alternatives if base else ())
                             if a.field not in values)
        if base is not None:
            ranges = {**{k: r for k, r in base.ranges.items() if k not in values}, **ranges}
    try:
        if base is not None:
            return replace(base, **values, sources=citations, alternatives=alternatives,
                           ranges=FieldRanges(ranges))
        values.setdefault("name", sid)
        return System(id=sid, sources=citations, alternatives=alternatives,
                      ranges=FieldRanges(ranges), **values)
    except CatalogError as exc:
        # The System checks its own invariants; say where in the file the value came from.
        key = exc.entry.split(".")[-1] if exc.entry else ""
        raise CatalogError(exc.message, file=file, entry=f"{entry}.{key}" if key else entry,
                           **({"value": exc.value} if exc.has_value else {})) from None


def _range(raw, bounds, *, file, entry) -> tuple[float, float]:
    """A ``[low, high]`` range of a numeric field: two numbers in bounds, low <= high."""
    if len(raw) != 2:
        raise CatalogError("a range must be [low, high]", file=file, entry=entry, value=raw)
    lo, hi = (v.number(x, file=file, entry=entry, bounds=bounds, error=CatalogError)
              for x in raw)
    if lo > hi:
        raise CatalogError("a range must be [low, high] with low <= high", file=file,
                           entry=entry, value=raw)
    return lo, hi


def _alternatives(table, values, references, *, file, entry) -> tuple[Alternative, ...]:
    """``[systems."X".alternatives]``: per field, a list of other sources' values, each
    ``{ value, ref, confidence, note }``."""
    if not isinstance(table, dict):
        raise CatalogError("must be a table of fields", file=file, entry=entry, value=table)
    out = []
    for key, items in table.items():
        where = f"{entry}.{key}"
        if key not in NUMERIC_FIELDS or key not in values:
            raise CatalogError("gives alternatives for a field the system does not give",
                               file=file, entry=where, value=key)
        if not isinstance(items, list) or not items:
            raise CatalogError("must be a list of { value, ref, confidence, note }", file=file,
                               entry=where, value=items)
        for i, item in enumerate(items):
            at = f"{where}[{i}]"
            v.check_keys(item, {"value", "ref", "confidence", "note"}, file=file, entry=at,
                         error=CatalogError, required=("value", "ref", "confidence"))
            value = v.number(item["value"], file=file, entry=f"{at}.value",
                             bounds=NUMERIC_FIELDS[key][0], error=CatalogError)
            ref = item["ref"]
            if not isinstance(ref, str) or ref not in references:
                raise CatalogError("unknown reference id", file=file, entry=f"{at}.ref",
                                   value=ref)
            conf = item["confidence"]
            if not isinstance(conf, str) or conf not in CONFIDENCE_TAGS or conf == "U":
                raise CatalogError("confidence must be one of V, S, R, E", file=file,
                                   entry=f"{at}.confidence", value=conf)
            note = v.text(item.get("note", ""), file=file, entry=f"{at}.note",
                          allow_empty=True, error=CatalogError, max_length=2000)
            out.append(Alternative(key, value, references[ref], conf, note))
    order = list(NUMERIC_FIELDS)
    return tuple(sorted(out, key=lambda a: order.index(a.field)))


def _citations(table, values, references, *, file, entry) -> tuple[Citation, ...]:
    if not isinstance(table, dict):
        raise CatalogError("every system needs a sources table citing each number", file=file,
                           entry=entry, value=table)
    out = []
    for key in values:
        if key not in NUMERIC_FIELDS:
            continue
        if key not in table:
            raise CatalogError("has no source; every number must cite one", file=file,
                               entry=f"{entry}.{key}")
    for key, cite in table.items():
        where = f"{entry}.{key}"
        if key not in values or key not in NUMERIC_FIELDS:
            raise CatalogError("cites a field the system does not give", file=file, entry=where,
                               value=key)
        v.check_keys(cite, {"ref", "confidence", "note"}, file=file, entry=where,
                     error=CatalogError, required=("ref", "confidence"))
        ref = cite["ref"]
        if not isinstance(ref, str) or ref not in references:
            raise CatalogError("unknown reference id", file=file, entry=f"{where}.ref", value=ref)
        conf = cite["confidence"]
        if not isinstance(conf, str) or conf not in CONFIDENCE_TAGS or conf == "U":
            raise CatalogError("confidence must be one of V, S, R, E", file=file,
                               entry=f"{where}.confidence", value=conf)
        note = v.text(cite.get("note", ""), file=file, entry=f"{where}.note", allow_empty=True,
                      error=CatalogError, max_length=2000)
        out.append(Citation(key, references[ref], conf, note))
    order = list(NUMERIC_FIELDS)
    return tuple(sorted(out, key=lambda c: order.index(c.field)))


def load_catalog(path=None) -> Catalog:
    """Read and validate a catalog file (default: the shipped ``data/systems/catalog.toml``)."""
    path = Path(path) if path is not None else data_path("systems", "catalog.toml")
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise CatalogError("catalog file not found", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"malformed TOML: {exc}", file=path) from None
    v.check_keys(doc, {"references", "systems"}, file=path, entry="", error=CatalogError,
                 required=("references", "systems"))
    for section in ("references", "systems"):
        if not isinstance(doc[section], dict):
            raise CatalogError("must be a table", file=path, entry=section, value=doc[section])
    references = {}
    for rid, table in doc["references"].items():
        where = f"references.{rid}"
        v.check_keys(table, {"title", "publisher", "date", "url"}, file=path, entry=where,
                     error=CatalogError, required=("title",))
        fields = {k: v.text(table[k], file=path, entry=f"{where}.{k}", error=CatalogError,
                            max_length=1000) for k in table}
        references[rid] = Reference(id=rid, **fields)
    systems = {
        sid: _system_from_table(sid, table, file=path, entry=f'systems."{sid}"',
                                references=references)
        for sid, table in doc["systems"].items()
    }
    return Catalog(systems, references, path)


_DEFAULT: Catalog | None = None


def default_catalog() -> Catalog:
    """The shipped catalog, read once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_catalog()
    return _DEFAULT
