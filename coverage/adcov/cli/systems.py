"""``adcov systems`` and ``adcov systems show``: the systems catalog with its sources."""

from __future__ import annotations

import click

from ..catalog import Catalog
from .options import verbosity_options

# ``systems`` puts the catalog it loaded in its context's obj for ``show`` to find; the run's
# Settings stay in the root context's obj.
pass_catalog = click.make_pass_decorator(Catalog)


@click.group(invoke_without_command=True)
@click.option("--catalog", "catalog_path", type=click.Path(), help="A catalog file other than the shipped one.")
@click.pass_context
def systems(ctx, catalog_path):
    """The systems catalog: every envelope with its public sources.

    \b
    Examples:
      adcov systems
      adcov systems show Tor-M2
    """
    from ..catalog import default_catalog, load_catalog

    cat = ctx.obj = load_catalog(catalog_path) if catalog_path else default_catalog()
    if ctx.invoked_subcommand is None:
        rows = [("id", "name", "max_range_km", "min_range_km", "max_altitude_m",
                 "min_altitude_m", "antenna_height_m", "sector_deg")]
        for sid, s in cat.items():
            rows.append((sid, s.name, f"{s.max_range_km:g}", f"{s.min_range_km:g}",
                         f"{s.max_altitude_m:g}", f"{s.min_altitude_m:g}",
                         f"{s.antenna_height_m:g}", f"{s.sector_width_deg:g}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        click.echo(f"\n{len(cat)} systems; `adcov systems show ID` gives sources. Values are "
                   "public-source approximations.")


@systems.command("show")
@verbosity_options
@click.argument("system_id")
@pass_catalog
def systems_show(catalog, system_id):
    """One system with the source of every number.

    \b
    Example:
      adcov systems show S-400/40N6
    """
    s = catalog.get_system(system_id, entry="system id")
    click.echo(f"{s.id}: {s.name}")
    for key in ("family", "missile", "origin"):
        if getattr(s, key):
            click.echo(f"  {key}: {getattr(s, key)}")
    for key in ("max_range_km", "min_range_km", "max_altitude_m", "min_altitude_m",
                "antenna_height_m", "sector_width_deg", "detection_range_km"):
        val = getattr(s, key)
        if val is None:
            continue
        c = s.citation(key)
        cite = f"  [{c.confidence}] {c.reference.cite()}" + (f" ({c.note})" if c.note else "") if c else ""
        click.echo(f"  {key} = {val:g}{cite}")
        if c and c.reference.url:
            click.echo(f"      {c.reference.url}")
    if s.notes:
        click.echo(f"  notes: {s.notes}")
    click.echo("Confidence: V read in a public source; S compilation (Wikipedia/APA/CSIS); "
               "R commonly published, not re-checked; E project estimate; U user-given.")
