"""Regions and their neighbours: which countries exist, what they are called, who borders whom,
and the sector tables that group neighbours into directions.

Plain Python over ``data/borders/index.json`` (no geometry is read here, so checking a scenario
costs nothing); the geometry lives in :mod:`adcov.borders`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from ._paths import data_path
from ._validate import suggest
from .errors import RegionError

__all__ = [
    "DEFAULT_SECTORS",
    "SectorTable",
    "country_codes",
    "country_name",
    "country_bbox",
    "neighbours",
    "default_sectors",
    "region_code",
    "check_region",
    "check_sectors",
]

#: Sector tables known to the toolkit; other regions get one sector per neighbour.
DEFAULT_SECTORS = MappingProxyType({
    "BLR": MappingProxyType({"west": ("POL", "LTU", "LVA"), "south": ("UKR",), "east": ("RUS",)}),
})


class SectorTable(Mapping):
    """Sector name -> tuple of neighbour ISO3 codes: read-only, comparable and hashable, so
    that scenarios with different sectors differ (and can key a cache).

    Examples
    --------
    >>> t = SectorTable({"west": ["POL", "LTU"], "east": ("RUS",)})
    >>> t["west"], t == {"west": ("POL", "LTU"), "east": ("RUS",)}, hash(t) == hash(SectorTable(t))
    (('POL', 'LTU'), True, True)
    """

    __slots__ = ("_table",)

    def __init__(self, table: Mapping = ()):
        self._table = {str(k): tuple(codes) for k, codes in dict(table).items()}

    def __getitem__(self, key):
        return self._table[key]

    def __iter__(self):
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._table == {k: tuple(v) for k, v in other.items()}

    def __hash__(self) -> int:
        return hash(tuple(self._table.items()))

    def __repr__(self) -> str:
        return f"SectorTable({self._table!r})"


@lru_cache(maxsize=1)
def _index() -> dict:
    with open(data_path("borders", "index.json"), encoding="utf-8") as fh:
        return json.load(fh)


def country_codes() -> list[str]:
    """ISO3 codes of every country in ``data/borders/``."""
    return sorted(_index())


def country_name(iso3: str) -> str:
    """English name of a country."""
    return _index()[check_region(iso3)]["name"]


def country_bbox(iso3: str) -> tuple[float, float, float, float]:
    """Bounding box (min lon, min lat, max lon, max lat) of a country. [deg]"""
    return tuple(_index()[check_region(iso3)]["bbox"])


def neighbours(iso3: str) -> dict[str, float]:
    """Countries sharing a land border with ``iso3`` and the shared border's length. [km]"""
    return dict(_index()[check_region(iso3)]["neighbours"])


def default_sectors(iso3: str) -> SectorTable:
    """The default sector table: the known one, else one sector per neighbour named by its code."""
    if iso3 in DEFAULT_SECTORS:
        return SectorTable(DEFAULT_SECTORS[iso3])
    return SectorTable({code: (code,) for code in sorted(neighbours(iso3))})


def _unknown_message(code) -> str:
    idx = _index()
    # A query longer than a code is matched against names first, a short one against codes.
    by_code = suggest(code, list(idx), n=3, cutoff=0.6)
    names = {rec["name"]: c for c, rec in idx.items()}
    by_name = [names[n] for n in suggest(code, list(names), n=3, cutoff=0.6)]
    ranked = [*by_name, *by_code] if len(str(code).strip()) > 3 else [*by_code, *by_name]
    close = list(dict.fromkeys(ranked))[:3]
    shown = ", ".join(f"{c} ({idx[c]['name']})" for c in close)
    hint = f"; did you mean {shown}?" if close else "; see `adcov regions`"
    return f"unknown country (an ISO 3166-1 alpha-3 code or a country name expected){hint}"


@lru_cache(maxsize=1)
def _by_folded_name() -> dict:
    out = {}
    for code, rec in _index().items():
        out[code.casefold()] = code
        out[rec["name"].casefold()] = code
    return out


def region_code(name_or_code) -> str | None:
    """The ISO3 code for a code in any case or a country's English name, or None.

    >>> region_code("blr"), region_code("Belarus"), region_code("Atlantis")
    ('BLR', 'BLR', None)
    """
    if not isinstance(name_or_code, str):
        return None
    if name_or_code in _index():
        return name_or_code
    return _by_folded_name().get(" ".join(name_or_code.split()).casefold())


def check_region(code, *, file=None, entry="region") -> str:
    """Validate a region (an ISO3 code in any case, or a country's name) and return its code."""
    found = region_code(code)
    if found is None:
        raise RegionError(_unknown_message(code), file=file, entry=entry, value=code)
    return found


def check_sectors(region: str, sectors, *, file=None, entry="sectors") -> SectorTable:
    """Validate a sector table for a region.

    Every code must be a neighbour of the region, in one sector only, and every neighbour must be
    in a sector (otherwise the sector zones would not tile the region).
    """
    if not isinstance(sectors, Mapping) or not sectors:
        raise RegionError("must be a non-empty table of sector = [ISO3 codes]", file=file,
                          entry=entry, value=sectors)
    nbrs = neighbours(region)
    seen: dict[str, str] = {}
    out = {}
    for name, codes in sectors.items():
        where = f"{entry}.{name}"
        if not name or not all(c.isalnum() or c in "_-" for c in name):
            raise RegionError("sector names use letters, digits, '_' and '-'", file=file,
                              entry=where, value=name)
        if not isinstance(codes, (list, tuple)) or not codes:
            raise RegionError("must be a non-empty list of ISO3 codes", file=file, entry=where,
                              value=codes)
        fixed = []
        for code in codes:
            canonical = region_code(code)
            if canonical is None:
                raise RegionError(_unknown_message(code), file=file, entry=where, value=code)
            code = canonical
            fixed.append(code)
            if code not in nbrs:
                raise RegionError(
                    f"is not a neighbour of {region}; its neighbours are {', '.join(sorted(nbrs))}",
                    file=file, entry=where, value=code)
            if code in seen:
                raise RegionError(f"is already in sector {seen[code]!r}", file=file, entry=where,
                                  value=code)
            seen[code] = name
        out[name] = tuple(fixed)
    missing = sorted(set(nbrs) - set(seen))
    if missing:
        raise RegionError(f"neighbours of {region} in no sector (every neighbour needs one, so "
                          "that sector zones tile the region)", file=file, entry=entry,
                          value=missing)
    return SectorTable(out)
