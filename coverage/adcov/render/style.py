"""How things look: the family a system is drawn as and its colour, and the base maps. Maps and
exports both use this module, so a system has one colour everywhere. Plain Python."""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["TILES", "FAMILY_COLORS", "SECTOR_COLORS", "family", "family_color", "badge_label"]

#: Base layers: name -> (URL template, attribution); ``none`` draws no tiles.
TILES = MappingProxyType({
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors"),
    "cartodb-positron": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                         "&copy; OpenStreetMap contributors &copy; CARTO"),
    "opentopomap": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                    "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)"),
    "none": None,
})

#: Colours of system families (envelopes and site markers).
FAMILY_COLORS = MappingProxyType({
    "S-400": "#d62728", "S-300": "#ff7f0e", "Buk": "#9467bd", "Tor": "#2ca02c",
    "Pantsir": "#17becf", "S-125": "#8c564b", "Osa": "#bcbd22", "Patriot": "#1f77b4",
    "NASAMS": "#e377c2", "IRIS-T": "#7f7f7f", "SAMP/T": "#393b79",
})
_EXTRA_COLORS = ("#a6761d", "#666666", "#e7298a", "#1b9e77", "#7570b3", "#d95f02")
#: Colours of sector zones and their border lines, in the order of the sector table.
SECTOR_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


def family(system) -> str:
    """The family a system is grouped under in legends, e.g. ``"S-300"``."""
    return system.family or system.id.split("/")[0]


def family_color(name: str) -> str:
    """The colour of a family (a stable pick from a spare palette for unknown families)."""
    if name in FAMILY_COLORS:
        return FAMILY_COLORS[name]
    return _EXTRA_COLORS[sum(name.encode()) % len(_EXTRA_COLORS)]


def badge_label(system) -> str:
    """Marker label: the family, shortened to fit a small badge."""
    fam = family(system)
    return fam if len(fam) <= 6 else fam[:5] + "…"
