"""How things look: the family a system is drawn as and its colour, the colours of every other
meaning a map can show, and the base maps. Maps and exports both use this module, so a system
has one colour everywhere. Plain Python.

One colour per meaning. The roles (gained, lost, gap, dead zone, union, depth, the region and
its neighbours, places) and the sector border lines have colours that no system family uses,
and every pair of colours that can appear on one map differs by a CIEDE2000 colour difference
of at least 10 (checked in ``tests/test_map_colors.py``, where the smallest pair is about 12).
The system colours are taken from Okabe & Ito's and Paul Tol's colour-blind-safe palettes; the
role colours also stay apart (delta-E00 >= 10) under simulated protanopia, deuteranopia and
tritanopia. Eleven families cannot all be told apart by a colour-blind reader, so a map never
relies on colour alone: every site's badge carries its name and system.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["TILES", "FAMILY_COLORS", "SPARE_COLORS", "ROLE_COLORS", "SECTOR_COLORS", "family",
           "family_color", "family_palette", "sector_color", "badge_label"]

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

#: Colours of system families (envelope outlines, site symbols, badge marks). From Okabe-Ito
#: (S-300, blue tones) and Paul Tol's bright, vibrant, muted, light and medium-contrast sets;
#: none is green, red or pink, the hues of gained, lost and gap.
FAMILY_COLORS = MappingProxyType({
    "S-400": "#0077BB", "S-300": "#E69F00", "Buk": "#AA4499", "Tor": "#997700",
    "Pantsir": "#33BBEE", "S-125": "#999933", "Osa": "#BBCC33", "Patriot": "#6699CC",
    "NASAMS": "#EE8866", "IRIS-T": "#EECC66", "SAMP/T": "#7755CC",
})
#: Colours for families the table above does not know (a custom system's id), in order.
SPARE_COLORS = ("#BB7788", "#CC99FF", "#AA6633")

#: Colours of everything on a map that is not a system or a sector.
ROLE_COLORS = MappingProxyType({
    "region": "#1A1A1A",      # the region's border
    "neighbour": "#8C8C8C",   # other countries' borders and fill
    "place": "#404040",       # cities and country names (context, when no tiles show)
    "union": "#002F6C",       # outline of the area covered by at least one envelope
    "depth2": "#A3B4C8",      # covered by at least 2 envelopes
    "depth3": "#50657D",      # covered by at least 3 envelopes
    "gap": "#EE33DD",         # uncovered part of the region
    "dead_zone": "#775555",   # uncovered hole inside a site's minimum range
    "gained": "#009E73",      # covered by B, not by A (Okabe-Ito bluish green)
    "lost": "#CC3311",        # covered by A, not by B (Tol vibrant red)
})

#: Colours of sector zones and their border lines, in the order of the sector table: dark
#: tones, so that the thick border lines stand apart from the lighter system colours.
SECTOR_COLORS = ("#6B3A10", "#14585A", "#5A5A10", "#6A1A3A", "#2F5A14")


def family(system) -> str:
    """The family a system is grouped under in legends, e.g. ``"S-300"``."""
    return system.family or system.id.split("/")[0]


def family_color(name: str) -> str:
    """The colour of a family (a stable pick from :data:`SPARE_COLORS` for unknown families).

    Examples
    --------
    >>> family_color("S-400"), family_color("S-400") in SPARE_COLORS
    ('#0077BB', False)
    >>> family_color("Custom") in SPARE_COLORS
    True
    """
    if name in FAMILY_COLORS:
        return FAMILY_COLORS[name]
    return SPARE_COLORS[sum(name.encode()) % len(SPARE_COLORS)]


def family_palette(names) -> dict:
    """Colours for the families shown together on one map: each family's own colour, and for
    unknown families their :func:`family_color` unless another unknown family of the map has
    it already, then the next spare one not taken (spares repeat only past three unknown
    families).

    Examples
    --------
    >>> family_palette(["Tor", "S-400"])
    {'S-400': '#0077BB', 'Tor': '#997700'}
    >>> len(set(family_palette(["A", "B", "C"]).values()))
    3
    """
    out, taken = {}, set()
    for name in sorted(set(names)):
        if name in FAMILY_COLORS:
            out[name] = FAMILY_COLORS[name]
    for name in sorted(set(names) - set(out)):
        color = family_color(name)
        if color in taken:
            free = [c for c in SPARE_COLORS if c not in taken]
            color = free[0] if free else color
        taken.add(color)
        out[name] = color
    return dict(sorted(out.items()))


def sector_color(index: int) -> str:
    """The colour of the ``index``-th sector of a region (repeating past five sectors)."""
    return SECTOR_COLORS[index % len(SECTOR_COLORS)]


def badge_label(system) -> str:
    """The family as a badge shows it, in full (badges are sized to their text)."""
    return family(system)
