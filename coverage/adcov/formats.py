"""Output formats: the one list of what each kind of output can be written as, and the file
extensions that name each format. Plain Python, so the command line can check an output path
before anything heavy is imported."""

from __future__ import annotations

from pathlib import PurePath
from types import MappingProxyType

__all__ = ["TABLE", "LISTING", "EXPORT", "MAP", "PROFILE", "SCENARIO", "EXTENSIONS", "extensions",
           "format_for_path"]

#: Zone tables and other statistics (``stats``, ``compare``, ``whatif``).
TABLE = ("md", "csv", "json")
#: GIS layers (``export``).
EXPORT = ("geojson", "gpkg", "kml", "kmz")
#: Listings of the catalog and the regions (``systems``, ``regions``).
LISTING = ("text", "csv", "json")
#: Interactive maps (``map``).
MAP = ("html",)
#: Altitude profiles (``profile``): the plot, or its numbers.
PROFILE = ("png", "svg", "pdf", "csv")
#: Scenario files a command writes (``optimize --write-scenario``).
SCENARIO = ("toml",)

#: Format -> the file extensions that name it (the first is the usual one).
EXTENSIONS = MappingProxyType({
    "md": (".md", ".markdown"),
    "text": (".txt",),
    "csv": (".csv",),
    "json": (".json",),
    "geojson": (".geojson", ".json"),
    "gpkg": (".gpkg",),
    "kml": (".kml",),
    "kmz": (".kmz",),
    "html": (".html", ".htm"),
    "png": (".png",),
    "svg": (".svg",),
    "pdf": (".pdf",),
    "toml": (".toml",),
})


def extensions(choices) -> list[str]:
    """Every extension that names one of ``choices``, in order, without repeats.

    >>> extensions(EXPORT)
    ['.geojson', '.json', '.gpkg', '.kml', '.kmz']
    """
    out: list[str] = []
    for fmt in choices:
        out += [e for e in EXTENSIONS[fmt] if e not in out]
    return out


def format_for_path(path, choices) -> str | None:
    """The first of ``choices`` that the path's extension names (case-insensitive), or None.

    >>> format_for_path("zones.CSV", TABLE), format_for_path("x.json", EXPORT)
    ('csv', 'geojson')
    >>> format_for_path("map.png", MAP) is None
    True
    """
    suffix = PurePath(str(path)).suffix.lower()
    return next((f for f in choices if suffix in EXTENSIONS[f]), None)
