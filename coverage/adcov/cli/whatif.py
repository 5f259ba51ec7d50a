"""``adcov whatif``: what new sites would change."""

from __future__ import annotations

import click

from ..errors import InputError
from ..formats import MAP
from .options import (Settings, analyze, distinct, emit, extend, force_option, format_option,
                      output_option, pass_settings, resolve_scenario, scenario_options, target,
                      tiles_option, verbosity_options)

# Keys of --add whose values are numbers; the others stay strings.
_SITE_NUMBER_KEYS = ("lon", "lat", "antenna_height_m", "azimuth_deg", "sector_width_deg",
                     "position_sigma_km", "position_radius_km")


def parse_site_spec(spec: str, index: int) -> dict:
    """One ``--add`` value as a ``[[sites]]``-like mapping.

    Parameters
    ----------
    spec : str
        ``key=value`` pairs separated by commas, e.g.
        ``name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05``.
    index : int
        Which ``--add`` it is (from 1), for error messages.

    Returns
    -------
    dict
        Numbers for the numeric keys where they parse; anything else is left to the
        scenario's validation, which reports it with the entry's name.

    Raises
    ------
    InputError
        If a part is not ``key=value`` or a key is given twice.
    """
    row = {}
    for part in spec.split(","):
        if "=" not in part:
            raise InputError("expected key=value pairs separated by commas, e.g. "
                             "name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05",
                             entry=f"--add[{index}]", value=spec)
        key, value = (t.strip() for t in part.split("=", 1))
        if key in row:
            raise InputError("key given twice", entry=f"--add[{index}].{key}", value=value)
        if key in _SITE_NUMBER_KEYS:
            try:
                row[key] = float(value)
            except ValueError:
                row[key] = value  # reported by validation as "must be a number"
        else:
            row[key] = value
    return row


@click.command()
@verbosity_options
@force_option
@click.argument("scenario")
@click.option("--add", "adds", multiple=True, required=True, metavar="SITE",
              help="A site to add, as key=value pairs: name=...,system=...,lon=...,lat=... "
                   "(optional antenna_height_m, azimuth_deg, sector_width_deg, position_sigma_km, "
                   "position_radius_km). Repeatable.")
@format_option()
@output_option()
@click.option("--map", "map_path", type=click.Path(allow_dash=True),
              help="Also write the comparison map (what the new sites add) to this HTML file.")
@tiles_option("Base map tiles for --map.")
@scenario_options
@pass_settings
def whatif(s: Settings, scenario, adds, fmt, output, map_path, tiles):
    """What would new sites change? The scenario's zone table, the same with the sites added,
    and the difference; the new sites' own figures follow in JSON.

    \b
    Examples:
      adcov whatif belarus-2021 --add name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05
      adcov whatif belarus-2021 --add name=Pinsk,system=S-300PMU-2,lon=26.10,lat=52.11 \\
          --add name=Gomel,system=Buk-M3,lon=30.98,lat=52.43 -o change.csv --map change.html
    """
    base = resolve_scenario(scenario, s)
    rows = [parse_site_spec(spec, i) for i, spec in enumerate(adds, start=1)]
    more = base.with_sites(*rows, entry="--add")
    # Both outputs are checked before the (slow) analyses, and may not be one place.
    out = target(s, output, fmt=fmt, inputs=base.input_paths)
    map_out = (target(s, map_path, choices=MAP, default="html", inputs=base.input_paths,
                      entry="--map") if map_path else None)
    distinct(out, map_out)
    from ..analysis import compare as compare_results
    from ..render import tables

    res_a = analyze(s, base, also_sites=more.sites[len(base.sites):])
    res_b = extend(s, res_a, more)
    table = compare_results(res_a, res_b)
    if out.fmt == "csv":
        text = tables.to_csv(table)
    elif out.fmt == "md":
        text = tables.to_markdown(table, title=f"{base.label}: what {more.variant} would change",
                                  group="altitude_m")
    else:
        new_names = {r["name"] for r in rows}
        sites = res_b.sites[res_b.sites.site.isin(new_names)]
        text = tables.to_json({"a": res_a.scenario.label, "b": res_b.scenario.label,
                               "zones": table, "new_sites": sites})
    if map_out is not None:
        from ..render.maps import map_html
        from .options import Progress

        with Progress(f"drawing the map of {res_b.scenario.label}", quiet=s.quiet) as bar:
            emit(map_out, map_html(res_b, tiles=tiles, compare=res_a, progress=bar))
    emit(out, text)
