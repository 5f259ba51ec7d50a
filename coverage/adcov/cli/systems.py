"""``adcov systems``: the systems catalog, searched, and one system with its sources."""

from __future__ import annotations

import click

from ..formats import LISTING
from .listing import render_listing
from .options import (Settings, emit, force_option, format_option, output_option,
                      pass_settings, target, verbosity_options)

_NUMBERS = ("max_range_km", "min_range_km", "max_altitude_m", "min_altitude_m",
            "antenna_height_m", "sector_width_deg", "detection_range_km")


@click.command()
@verbosity_options
@force_option
@click.argument("words", nargs=-1, metavar="[TERM] | show ID")
@click.option("--catalog", "catalog_path", type=click.Path(),
              help="A catalog file other than the shipped one.")
@format_option(LISTING, default="text")
@output_option()
@pass_settings
def systems(s: Settings, words, catalog_path, fmt, output):
    """The systems catalog: every envelope with its limits and public sources.

    TERM keeps the systems whose id, name, family, missile, origin or notes contain it (any
    case). `show ID` gives one system with the source of every number (ids in any case).

    \b
    Examples:
      adcov systems
      adcov systems s-400              # the S-400 missiles
      adcov systems -f csv -o catalog.csv
      adcov systems show Tor-M2
    """
    from ..catalog import default_catalog, load_catalog
    from ..errors import InputError

    out = target(s, output, choices=LISTING, fmt=fmt, default="text")
    cat = load_catalog(catalog_path) if catalog_path else default_catalog()
    if words and words[0] == "show":
        if len(words) != 2:
            raise InputError("give one system id after show", entry="systems show",
                             value=" ".join(words[1:]))
        emit(out, _show(cat.get_system(words[1], entry="system id"), out.fmt))
        return
    if len(words) > 1:
        raise InputError("give at most one search term (quote it if it has spaces)",
                         entry="systems", value=" ".join(words))
    found = cat.search(words[0]) if words else list(cat.values())
    if words and not found:
        from .._validate import suggest

        close = suggest(words[0], list(cat))
        raise InputError(f"no system matches; {'closest: ' + ', '.join(close) if close else 'see `adcov systems`'}",
                         entry="systems", value=words[0])
    rows = [{"id": sy.id, "name": sy.name, "kind": sy.kind, "family": sy.family,
             **{k: getattr(sy, k) for k in _NUMBERS}} for sy in found]
    if out.fmt == "text":
        rows = [{k: v for k, v in r.items() if k not in ("kind", "family")} for r in rows]
    emit(out, render_listing(rows, out.fmt, footer=f"{len(found)} systems; `adcov systems show "
                             "ID` gives sources. Values are public-source approximations."))


def _show(sy, fmt: str) -> str:
    if fmt != "text":
        rows = []
        for key in _NUMBERS:
            val = getattr(sy, key)
            if val is None:
                continue
            c = sy.citation(key)
            rows.append({"system": sy.id, "field": key, "value": val,
                         "confidence": c.confidence if c else None,
                         "source": c.reference.cite() if c else None,
                         "note": c.note if c else None,
                         "url": (c.reference.url or None) if c else None})
        return render_listing(rows, fmt)
    lines = [f"{sy.id}: {sy.name}"]
    for key in ("kind", "family", "missile", "origin"):
        if getattr(sy, key):
            lines.append(f"  {key}: {getattr(sy, key)}")
    for key in _NUMBERS:
        val = getattr(sy, key)
        if val is None:
            continue
        c = sy.citation(key)
        cite = f"  [{c.confidence}] {c.reference.cite()}" + (f" ({c.note})" if c.note else "") \
            if c else ""
        lines.append(f"  {key} = {val:g}{cite}")
        if c and c.reference.url:
            lines.append(f"      {c.reference.url}")
        for alt in (a for a in sy.alternatives if a.field == key):
            lines.append(f"      other source: {alt.describe()}")
    if sy.notes:
        lines.append(f"  notes: {sy.notes}")
    lines.append("Confidence: V read in a public source; S compilation (Wikipedia/APA/CSIS); "
                 "R commonly published, not re-checked; E project estimate; U user-given.")
    return "\n".join(lines) + "\n"
