"""``adcov regions``: the countries a scenario can take as its region."""

from __future__ import annotations

import click

from ..formats import LISTING
from .listing import render_listing
from .options import (Settings, emit, force_option, format_option, output_option,
                      pass_settings, target, verbosity_options)


@click.command()
@verbosity_options
@force_option
@click.argument("term", required=False)
@format_option(LISTING, default="text")
@output_option()
@pass_settings
def regions(s: Settings, term, fmt, output):
    """Countries (ISO3 code, name, default sectors, neighbours and shared border lengths) a
    scenario's region can be; TERM keeps those whose code or name contains it.

    \b
    Examples:
      adcov regions                 # every country
      adcov regions bel             # Belarus
      adcov regions -f json -o regions.json
    """
    from ..regions import country_codes, country_name, default_sectors, neighbours

    out = target(s, output, choices=LISTING, fmt=fmt, default="text")
    rows = []
    for code in country_codes():
        name = country_name(code)
        if term and term.casefold() not in f"{code} {name}".casefold():
            continue
        nbrs = neighbours(code)
        rows.append({"iso3": code, "name": name,
                     "sectors": "; ".join(f"{k}={','.join(v)}"
                                          for k, v in default_sectors(code).items()),
                     "neighbours": ", ".join(f"{c} {km:.0f} km" for c, km in sorted(nbrs.items()))})
    emit(out, render_listing(rows, out.fmt, footer=f"{len(rows)} regions; borders: Natural "
                             "Earth 1:10m (public domain). A scenario's region is a code or a "
                             "name, in any case."))
