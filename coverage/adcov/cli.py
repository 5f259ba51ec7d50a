"""The ``adcov`` command line: a thin layer over :func:`adcov.analysis.analyze`.

Exit status: 0 on success, 2 for bad input (one line naming the file, the entry and the value),
1 for anything else.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import __version__
from .errors import InputError
from .render.style import TILES

log = logging.getLogger("adcov")

DEFAULT_SCENARIO = "belarus-2021"
#: Above this many sites the pairwise overlap list is left out of ``stats`` unless asked for.
AUTO_OVERLAP_MAX_SITES = 200


class _Group(click.Group):
    """Turns bad input into one line and exit status 2, and any other failure into exit 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"adcov: error: {exc.one_line()}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): say nothing more, and not on the closed pipe.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("adcov: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
            if log.isEnabledFor(logging.DEBUG):
                raise
            click.echo(f"adcov: internal error: {type(exc).__name__}: {exc} "
                       "(run with -v for the traceback)", err=True)
            sys.exit(1)


def _set_verbosity(verbose: int = 0, quiet: bool = False):
    _STATE["quiet"] = _STATE["quiet"] or quiet
    _STATE["verbose"] = max(_STATE["verbose"], verbose)
    level = logging.ERROR if _STATE["quiet"] else \
        (logging.WARNING, logging.INFO, logging.DEBUG)[min(_STATE["verbose"], 2)]
    logging.basicConfig(level=level, format="adcov: %(message)s", stream=sys.stderr, force=True)
    log.setLevel(level)


def _verbosity(fn):
    """-v/-q on every command as well as before it (``adcov -q stats`` = ``adcov stats -q``)."""
    fn = click.option("-q", "--quiet", is_flag=True, expose_value=False, help="Only errors.",
                      callback=lambda ctx, p, v: _set_verbosity(quiet=v) if v else None)(fn)
    fn = click.option("-v", "--verbose", count=True, expose_value=False,
                      help="More messages (twice: debug, with tracebacks).",
                      callback=lambda ctx, p, v: _set_verbosity(verbose=v) if v else None)(fn)
    return fn


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More messages (twice: debug, with tracebacks).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(version=__version__, prog_name="adcov")
def cli(verbose: int, quiet: bool):
    """Air-defense coverage analysis: geodesic engagement envelopes per target altitude,
    clipped to a country's borders, with coverage and gap statistics by border sector.

    SCENARIO is a scenario file (TOML) or the name of a built-in scenario
    (belarus-2021, belarus-2023); it defaults to belarus-2021.

    \b
    Examples:
      adcov stats --format md
      adcov stats belarus-2023 --format csv -o zones.csv
      adcov compare belarus-2021 belarus-2023
      adcov systems show S-400/40N6
    """
    _STATE.update(quiet=False, verbose=0, force=False)
    _set_verbosity(verbose, quiet)


class _progress:
    """A progress bar on standard error for work that takes more than about a second.

    Shown only on a terminal (or with ADCOV_PROGRESS=1) and never with -q; called as
    ``bar(done, total)``.
    """

    def __init__(self, label: str):
        import os
        import time

        self.label = label
        self.clock = time.perf_counter
        self.start = self.clock()
        self.shown = False
        self.enabled = (not _STATE["quiet"]) and (
            sys.stderr.isatty() or os.environ.get("ADCOV_PROGRESS") == "1")

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int):
        if not self.enabled or (not self.shown and self.clock() - self.start < 1.0):
            return
        self.shown = True
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\radcov: {self.label} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total}")
        sys.stderr.flush()

    def __exit__(self, *exc):
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
        return False


_STATE = {"quiet": False, "verbose": 0, "force": False}


def _scenario(name_or_path):
    from .scenario import Scenario

    return Scenario.resolve(name_or_path or DEFAULT_SCENARIO)


def _check_out(output, inputs=()):
    from ._io import check_output_path

    return check_output_path(output, inputs, force=_STATE["force"])


def _force(fn):
    """--force on every command that writes a file."""
    return click.option("--force", is_flag=True, expose_value=False,
                        help="Overwrite the output file if it exists.",
                        callback=lambda ctx, p, v: _STATE.update(force=bool(v)))(fn)


def _emit(text: str, output: str | None, inputs=()):
    from ._io import write_atomic

    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    path = _check_out(output, inputs)
    write_atomic(path, text)
    log.info("wrote %s", path)


def _analyze(scenario):
    from .analysis import analyze

    log.info("analysing %s: %d sites, %d altitudes", scenario.label, len(scenario.sites),
             len(scenario.altitudes_m))
    with _progress(f"analysing {scenario.label}") as bar:
        return analyze(scenario, progress=bar)


_format_option = click.option("-f", "--format", "fmt", type=click.Choice(["csv", "json", "md"]),
                              default="md", show_default=True, help="Output format.")
_output_option = click.option("-o", "--output", type=click.Path(dir_okay=True),
                              help="Write to this file (written whole or not at all); "
                                   "default standard output.")


@cli.command()
@_verbosity
@_force
@click.argument("scenario", required=False)
@_format_option
@_output_option
@click.option("--overlaps/--no-overlaps", default=None,
              help=f"Include pairwise site overlaps in JSON (default: when at most "
                   f"{AUTO_OVERLAP_MAX_SITES} sites).")
def stats(scenario, fmt, output, overlaps):
    """Coverage statistics per altitude and zone (region, sectors, belts).

    CSV and Markdown give the zone table; JSON gives an object with the scenario, the model's
    assumptions, the zone table, per-site figures and pairwise overlaps.

    \b
    Examples:
      adcov stats                          # built-in belarus-2021, Markdown
      adcov stats belarus-2023 -f csv -o zones.csv
      adcov stats my-scenario.toml -f json -o stats.json
    """
    from .render import tables

    sc = _scenario(scenario)
    if output not in (None, "-"):

        _check_out(output, sc.input_paths)
    result = _analyze(sc)
    if fmt == "csv":
        text = tables.to_csv(result.zones)
    elif fmt == "md":
        text = tables.to_markdown(result.zones, title=f"{sc.name}: coverage by zone",
                                  group="altitude_m")
    else:
        want = overlaps if overlaps is not None else len(sc.sites) <= AUTO_OVERLAP_MAX_SITES
        text = tables.to_json(result.to_dict(overlaps=want))
    _emit(text, output, inputs=sc.input_paths)


@cli.command("map")
@_verbosity
@_force
@click.argument("scenario", required=False)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=True),
              help="The HTML file to write (self-contained; opens offline).")
@click.option("--tiles", type=click.Choice(list(TILES)),
              default="osm", show_default=True,
              help="Base map tiles (the only thing the map loads from the network); "
                   "'none' for a map that makes no request at all.")
@click.option("--compare", "compare_with", metavar="SCENARIO_B",
              help="Show what SCENARIO_B covers that SCENARIO does not, and the reverse.")
def map_command(scenario, output, tiles, compare_with):
    """Interactive HTML map: envelopes, union, gaps and depth per target altitude, sector
    zones, sites with popups, and the zone table of the shown altitude.

    \b
    Examples:
      adcov map -o map.html                          # built-in belarus-2021
      adcov map belarus-2023 --tiles none -o map.html
      adcov map belarus-2021 --compare belarus-2023 -o change.html
    """
    from .render.maps import map_html

    sc = _scenario(scenario)
    other = _scenario(compare_with) if compare_with else None
    _check_out(output, sc.input_paths + (other.input_paths if other else []))
    result = _analyze(sc)
    # The map is drawn for B with A as the reference: gained = B covers, A does not.
    if other is not None:
        text = map_html(_analyze(other), tiles=tiles, compare=result)
    else:
        text = map_html(result, tiles=tiles)
    _emit(text, output, inputs=sc.input_paths + (other.input_paths if other else []))


@cli.command()
@_verbosity
@_force
@click.argument("scenario", required=False)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=True),
              help="File to write: .geojson (RFC 7946), .gpkg (GeoPackage) or .kml (KML 2.2).")
def export(scenario, output):
    """GIS layers: sites, envelopes, unions (depth >= 1, 2, 3), gaps, zones and border lines,
    per altitude, in WGS84. The format follows the file extension.

    \b
    Examples:
      adcov export belarus-2023 -o coverage.gpkg     # QGIS / ArcGIS
      adcov export belarus-2023 -o coverage.kml      # Google Earth
      adcov export my.toml -o coverage.geojson
    """
    from .render.export import write
    from .formats import EXPORT, extensions, format_for_path

    suffix = Path(output).suffix.lower()
    if format_for_path(output, EXPORT) is None:
        raise InputError(f"unknown export format; use one of {', '.join(extensions(EXPORT))}",
                         file=output, entry="output", value=suffix)
    sc = _scenario(scenario)
    path = _check_out(output, sc.input_paths)
    write(_analyze(sc), path)
    log.info("wrote %s", path)


@cli.command()
@_verbosity
@_force
@click.argument("scenario", required=False)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=True),
              help="profile.png (plot) or profile.csv (table).")
@click.option("--points", type=click.IntRange(25, 400), default=30, show_default=True,
              help="Log-spaced altitudes from 10 m to the highest ceiling (the scenario's own "
                   "altitudes are added).")
def profile(scenario, output, points):
    """Covered fraction against target altitude for the region and each sector, with the
    horizon-limited and range-limited regimes of the envelopes.

    \b
    Examples:
      adcov profile belarus-2023 -o profile.png
      adcov profile belarus-2021 -o profile.csv --points 60
    """
    from ._io import write_atomic
    from .profile import altitude_profile, crossovers
    from .render.plots import plot_profile

    kind = Path(output).suffix.lower()
    if kind not in (".png", ".csv"):
        raise InputError("profile output must end in .png or .csv", file=output, entry="output",
                         value=kind)
    sc = _scenario(scenario)
    path = _check_out(output, sc.input_paths)
    with _progress("altitudes") as bar:
        prof = altitude_profile(sc, points=points, progress=bar)
    if kind == ".csv":
        from .render import tables

        write_atomic(path, tables.to_csv(prof))
    else:
        import io

        fig = plot_profile(prof, title=sc.name, crossover=crossovers(sc))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=120, metadata={"Software": None})
        write_atomic(path, buf.getvalue())
    log.info("wrote %s", path)


@cli.command()
@_verbosity
@_force
@click.argument("scenario_a")
@click.argument("scenario_b")
@_format_option
@_output_option
def compare(scenario_a, scenario_b, fmt, output):
    """Both scenarios' zone tables and their difference (B minus A).

    \b
    Example:
      adcov compare belarus-2021 belarus-2023 -f csv -o diff.csv
    """
    from .render import tables
    from .analysis import compare as compare_results

    a, b = _scenario(scenario_a), _scenario(scenario_b)
    table = compare_results(_analyze(a), _analyze(b))
    if fmt == "csv":
        text = tables.to_csv(table)
    elif fmt == "md":
        text = tables.to_markdown(table, title=f"{a.label} vs {b.label}", group="altitude_m")
    else:
        text = tables.to_json({"a": a.label, "b": b.label, "zones": table})
    _emit(text, output, inputs=a.input_paths + b.input_paths)


_SITE_NUMBER_KEYS = ("lon", "lat", "antenna_height_m", "azimuth_deg", "sector_width_deg")


def _parse_site_spec(spec: str, index: int) -> dict:
    """``name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05`` -> a [[sites]]-like mapping."""
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


@cli.command()
@_verbosity
@_force
@click.argument("scenario")
@click.option("--add", "adds", multiple=True, required=True, metavar="SITE",
              help="A site to add, as key=value pairs: name=...,system=...,lon=...,lat=... "
                   "(optional antenna_height_m, azimuth_deg, sector_width_deg). Repeatable.")
@_format_option
@_output_option
@click.option("--map", "map_path", type=click.Path(dir_okay=True),
              help="Also write the comparison map (what the new sites add) to this HTML file.")
@click.option("--tiles", type=click.Choice(list(TILES)),
              default="osm", show_default=True, help="Base map tiles for --map.")
def whatif(scenario, adds, fmt, output, map_path, tiles):
    """What would new sites change? The scenario's zone table, the same with the sites added,
    and the difference; the new sites' own figures follow in JSON.

    \b
    Examples:
      adcov whatif belarus-2021 --add name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05
      adcov whatif belarus-2021 --add name=Pinsk,system=S-300PMU-2,lon=26.10,lat=52.11 \\
          --add name=Gomel,system=Buk-M3,lon=30.98,lat=52.43 -f csv -o change.csv --map change.html
    """
    from .render import tables
    from .analysis import compare as compare_results
    from .render.maps import map_html

    base = _scenario(scenario)
    rows = [_parse_site_spec(spec, i) for i, spec in enumerate(adds, start=1)]
    more = base.with_sites(*rows, entry="--add")
    for path in (output, map_path):
        if path not in (None, "-"):
            _check_out(path, base.input_paths)
    res_a, res_b = _analyze(base), _analyze(more)
    table = compare_results(res_a, res_b)
    if fmt == "csv":
        text = tables.to_csv(table)
    elif fmt == "md":
        text = tables.to_markdown(table, title=f"{base.label}: what {more.variant} would change",
                                  group="altitude_m")
    else:
        new_names = {r["name"] for r in rows}
        sites = res_b.sites[res_b.sites.site.isin(new_names)]
        text = tables.to_json({"a": res_a.scenario.label, "b": res_b.scenario.label,
                               "zones": table, "new_sites": sites})
    if map_path:
        from ._io import write_atomic

        write_atomic(_check_out(map_path, base.input_paths),
                     map_html(res_b, tiles=tiles, compare=res_a))
    _emit(text, output, inputs=base.input_paths)


@cli.group(invoke_without_command=True)
@click.option("--catalog", "catalog_path", type=click.Path(), help="A catalog file other than the shipped one.")
@click.pass_context
def systems(ctx, catalog_path):
    """The systems catalog: every envelope with its public sources.

    \b
    Examples:
      adcov systems
      adcov systems show Tor-M2
    """
    from .catalog import default_catalog, load_catalog

    ctx.obj = load_catalog(catalog_path) if catalog_path else default_catalog()
    if ctx.invoked_subcommand is None:
        cat = ctx.obj
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
@_verbosity
@click.argument("system_id")
@click.pass_obj
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


@cli.command()
@_verbosity
@click.argument("scenario")
def validate(scenario):
    """Check a scenario file and report every problem found (exit 2 if any).

    \b
    Example:
      adcov validate my-scenario.toml
    """
    from .scenario import scenario_path, validate_file

    path = scenario_path(scenario)
    problems = validate_file(path)
    if not problems:
        click.echo(f"{path}: OK")
        return
    for p in problems:
        click.echo(f"adcov: error: {p.one_line()}", err=True)
    click.echo(f"{path}: {len(problems)} problem(s)", err=True)
    sys.exit(2)


def main(argv=None):
    """Entry point of the ``adcov`` script."""
    cli.main(args=argv, prog_name="adcov")


if __name__ == "__main__":  # pragma: no cover
    main()
