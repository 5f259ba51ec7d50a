"""``adcov optimize``: where new batteries would best cover the zones, and how many a target
takes."""

from __future__ import annotations

import click

from ..errors import InputError
from ..formats import MAP, SCENARIO
from .options import (Progress, Settings, distinct, emit, force_option, format_option, log,
                      output_option, parse_altitudes, pass_settings, resolve_scenario,
                      scenario_options, target, tiles_option, verbosity_options)

#: What ``--objective`` can be (the keys of :data:`adcov.optimize.OBJECTIVES`; repeated here so
#: that ``--help`` needs no numpy).
OBJECTIVE_CHOICES = ("area", "border", "depth2")


def _altitudes(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_altitudes(value)
    except InputError as exc:
        raise InputError(exc.message, entry="--altitude-m", value=exc.value) from None


@click.command()
@verbosity_options
@force_option
@click.argument("scenario", required=False)
@click.option("--system", "system", required=True, metavar="ID[,ID...]",
              help="System of the new batteries (see `adcov systems`); several ids separated "
                   "by commas are one battery with several envelopes, e.g. "
                   "S-400/40N6,S-400/48N6DM.")
@click.option("--zone", "zones", required=True, metavar="ZONE[,ZONE...]",
              help="Zone(s) to cover, as named in the zone table: the region (BLR), a sector "
                   "(south) or a belt (south_belt); several are summed.")
@click.option("--altitude-m", "altitude_m", required=True, metavar="H[,H...]",
              callback=_altitudes,
              help="Target altitude(s), metres or with a unit (1000, 500ft, 1.5km); several "
                   "are summed.")
@click.option("--count", type=int, default=None, metavar="N",
              help="Place N batteries (the most coverage).")
@click.option("--target", "target_fraction", type=float, default=None, metavar="FRACTION",
              help="Find the fewest batteries that bring every zone to this covered fraction "
                   "(0..1) at every altitude.")
@click.option("--candidates", "candidates", type=click.Path(dir_okay=False), default=None,
              metavar="FILE",
              help="Places to choose from: a sites file (CSV, GeoJSON, GeoPackage). Default: "
                   "a lattice over the region.")
@click.option("--spacing-km", type=float, default=10.0, show_default=True, metavar="D",
              help="Side of the candidate lattice (equal-area).")
@click.option("--grid-km", type=float, default=5.0, show_default=True, metavar="G",
              help="Side of the equal-area demand grid the candidates are scored on.")
@click.option("--min-border-km", type=float, default=0.0, show_default=True, metavar="B",
              help="Keep candidates at least B km inside the region's border.")
@click.option("--min-spacing-km", type=float, default=0.0, show_default=True, metavar="S",
              help="Keep candidates at least S km from every existing site.")
@click.option("--objective", type=click.Choice(OBJECTIVE_CHOICES), default="area",
              show_default=True,
              help="Maximise the covered area, the covered border length, or the area "
                   "covered at least twice (depth2).")
@click.option("--exact", is_flag=True,
              help="Solve the integer program (HiGHS) instead of greedy; the answer is "
                   "called optimal only when the solver proves it.")
@click.option("--time-limit", "time_limit", type=float, default=None, metavar="SECONDS",
              help="Time limit of the exact solver.")
@format_option()
@output_option()
@click.option("--map", "map_path", type=click.Path(allow_dash=True), default=None,
              metavar="FILE",
              help="Also write a map (HTML) of the proposed sites and every candidate's gain.")
@tiles_option("Base map tiles for --map.")
@click.option("--write-scenario", "scenario_path", type=click.Path(allow_dash=True),
              default=None, metavar="FILE",
              help="Also write the scenario with the chosen sites added (TOML).")
@scenario_options
@pass_settings
def optimize(s: Settings, scenario, system, zones, altitude_m, count, target_fraction,
             candidates, spacing_km, grid_km, min_border_km, min_spacing_km, objective, exact,
             time_limit, fmt, output, map_path, tiles, scenario_path):
    """Where new batteries would best cover the zones: the chosen sites in order with their
    gains, the bound on the best possible answer and the gap to it, and the zone tables before
    and after (from the exact polygon engine). Existing sites stay and count.

    Candidates are scored on an equal-area grid with the scenario's envelopes (terrain-masked
    with a DEM). Greedy with lazy gains by default; --exact solves the integer program.

    \b
    Examples:
      adcov optimize belarus-2021 --system S-400/40N6 --zone south --altitude-m 1000 --count 2
      adcov optimize belarus-2021 --system S-400/40N6 --zone south --altitude-m 1000 \\
          --target 0.95 -o placement.json --write-scenario with-s400.toml
      adcov optimize belarus-2023 --system S-400/40N6 --zone south,south_belt \\
          --altitude-m 300,1000 --count 3 --spacing-km 20 --exact --map placement.html
    """
    if "altitudes" in s.overrides:
        raise InputError("optimize takes its altitudes from --altitude-m", entry="--altitudes",
                         value=s.overrides["altitudes"])
    if (count is None) == (target_fraction is None):
        raise InputError("give either --count N or --target FRACTION", entry="--count",
                         value=count if count is not None else None)
    base = resolve_scenario(scenario, s)
    inputs = base.input_paths + ([candidates] if candidates else [])
    # Every output is checked before the (slow) work, and no two may be one place.
    out = target(s, output, fmt=fmt, inputs=inputs)
    map_out = (target(s, map_path, choices=MAP, default="html", inputs=inputs, entry="--map")
               if map_path else None)
    scen_out = (target(s, scenario_path, choices=SCENARIO, default="toml", inputs=inputs,
                       entry="--write-scenario") if scenario_path else None)
    distinct(out, map_out, scen_out)

    from ..optimize import optimize as place
    from ..optimize import rounded, scenario_toml

    entries = {"count": "--count", "target": "--target", "spacing_km": "--spacing-km",
               "grid_km": "--grid-km", "min_border_km": "--min-border-km",
               "min_spacing_km": "--min-spacing-km", "time_limit_s": "--time-limit",
               "zones": "--zone", "system": "--system", "candidates": "--candidates",
               "altitudes_m": "--altitude-m", "objective": "--objective"}
    log.info("optimising %s: %s, zones %s, altitudes %s", base.label, system, zones,
             ", ".join(f"{a:g}" for a in altitude_m))
    try:
        with Progress(f"scoring candidates for {base.label}", quiet=s.quiet) as bar:
            result = place(base, system, zones=zones, altitudes_m=altitude_m, count=count,
                           target=target_fraction, candidates=candidates,
                           spacing_km=spacing_km, min_border_km=min_border_km,
                           min_spacing_km=min_spacing_km, objective=objective, exact=exact,
                           time_limit_s=time_limit, grid_km=grid_km, progress=bar)
    except InputError as exc:
        if exc.entry in entries and not exc.file:
            kw = {"value": exc.value} if exc.has_value else {}
            raise type(exc)(exc.message, entry=entries[exc.entry], **kw) from None
        raise
    from . import options

    warn = getattr(options, "warn_outside_dem", None)
    if warn is not None:
        warn(result.after_result)
    if result.message:
        log.warning("note: %s", result.message)

    from ..render import tables

    if out.fmt == "json":
        text = tables.to_json(result.to_dict())
    elif out.fmt == "csv":
        text = tables.to_csv(rounded(result.chosen))
    else:
        text = markdown(result)
    if map_out is not None:
        from ..render.optimize_map import placement_map_html

        emit(map_out, placement_map_html(result, tiles=tiles))
    if scen_out is not None:
        emit(scen_out, scenario_toml(result.proposed, note=_scenario_note(result)))
    emit(out, text)


def _asked(p) -> str:
    alts = ", ".join(f"{a:g}" for a in p.altitudes_m)
    what = (f"{p.count} x {'+'.join(p.systems)}" if p.count is not None else
            f"the fewest {'+'.join(p.systems)} for {p.target:.0%}")
    return f"{what}, {', '.join(p.zones)} at {alts} m, objective {p.objective}"


def _scenario_note(p) -> str:
    names = ", ".join(p.chosen["name"]) if len(p.chosen) else "none"
    return (f"Sites added by `adcov optimize` ({_asked(p)}; {p.solver}, status {p.status}): "
            f"{names}.")


def markdown(p) -> str:
    """The placement as Markdown: the question, the answer with its bound, the chosen sites,
    the grid's scores and the polygon engine's zone tables before and after."""
    from ..optimize import rounded
    from ..render import tables

    unit = p.unit
    o = p.objective_summary
    lines = [f"# {tables._md_text(p.scenario.name)}: where new batteries go", "",
             f"- asked: {tables._md_text(_asked(p))}",
             f"- solver: {p.solver}; status: **{p.status}**"]
    if p.count is not None:
        lines += [f"- objective ({unit}, scoring grid): {o['before']:.1f} before, "
                  f"{o['after']:.1f} after, of {o['total']:.1f} "
                  f"({o['before_fraction']:.2%} -> {o['after_fraction']:.2%})",
                  f"- bound: {p.bound:.1f} {unit} ({p.bound_kind}); gap {p.gap:.1f} {unit}"]
    else:
        bound = "none (unreachable)" if p.bound != p.bound else f"{p.bound:g} sites"
        lines += [f"- batteries: {len(p.chosen)}; lower bound: {bound} ({p.bound_kind}); "
                  f"gap {p.gap:g}"]
    spacing = (f"{p.spacing_km:g} km lattice" if p.spacing_km is not None else "from a file")
    lines += [f"- grid: demand {p.grid_km:g} km ({p.n_points} points), candidates "
              f"{spacing} ({len(p.candidates)})"]
    if p.message:
        lines.append(f"- note: {tables._md_text(p.message)}")
    lines.append("")
    out = "\n".join(lines) + "\n"
    out += tables.to_markdown(rounded(p.chosen), title="Chosen sites, in order of choice").replace(
        "# Chosen", "## Chosen", 1)
    out += "\n" + tables.to_markdown(rounded(p.scores), title="Scoring grid").replace(
        "# Scoring", "## Scoring", 1)
    for label, df in (("Before", p.before), ("After", p.after)):
        out += "\n" + tables.to_markdown(df, title=f"{label} (polygon engine)").replace(
            f"# {label}", f"## {label}", 1)
    return out
