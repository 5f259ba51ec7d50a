"""What the ``adcov`` commands share: the per-run settings, the options every command (or every
command that writes) takes, the progress bar, and small helpers.

Nothing here is module-level mutable state: ``-q``, ``-v`` and ``--force`` land in a
:class:`Settings` object held by the root click context, so one run never leaks into the next
(which matters when the CLI is driven in-process, as the tests and notebooks do).

Only pure-Python modules are imported at the top: ``adcov --help``, ``adcov systems`` and
``adcov validate`` must start without numpy, shapely, pyproj or pandas.
"""

from __future__ import annotations

import functools
import logging
import sys
from dataclasses import dataclass, field

import click

from ..formats import TABLE
from ..render.style import TILES

__all__ = ["DEFAULT_SCENARIO", "VERBOSE_HELP", "QUIET_HELP", "OUTPUT_HELP", "log", "Settings",
           "settings", "pass_settings", "set_verbosity", "verbosity_options", "force_option",
           "format_option", "output_option", "tiles_option", "scenario_options", "Progress",
           "parse_altitudes", "resolve_scenario", "target", "distinct", "emit", "require",
           "analyze", "outside_dem_shares", "warn_outside_dem"]

log = logging.getLogger("adcov")

DEFAULT_SCENARIO = "belarus-2021"


@dataclass
class Settings:
    """The settings of one ``adcov`` run, kept in the root context's ``obj``.

    Attributes
    ----------
    quiet : bool
        Only errors (``-q``); also hides the progress bar.
    verbose : int
        Number of ``-v`` given: 1 for info messages, 2 for debug messages and tracebacks.
    force : bool
        Overwrite an existing output file (``--force``).
    overrides : dict
        What the command line sets instead of the scenario (``--altitudes``, ``--region``,
        ``--dem``, ``--altitude-reference``, ``--mode``).
    """

    quiet: bool = False
    verbose: int = 0
    force: bool = False
    overrides: dict = field(default_factory=dict)

    def log_level(self) -> int:
        """The logging level these settings ask for."""
        if self.quiet:
            return logging.ERROR
        return (logging.WARNING, logging.INFO, logging.DEBUG)[min(self.verbose, 2)]


def settings(ctx: click.Context | None = None) -> Settings:
    """The :class:`Settings` of the run ``ctx`` belongs to (the current one by default).

    They are created on the root context if missing, so a command invoked on its own (without
    the ``adcov`` group) still works.
    """
    ctx = ctx or click.get_current_context()
    found = ctx.find_object(Settings)
    if found is None:
        found = ctx.find_root().obj = Settings()
    return found


def pass_settings(fn):
    """Decorator: call ``fn`` with the run's :class:`Settings` as its first argument."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(settings(), *args, **kwargs)

    return wrapper


def set_verbosity(ctx: click.Context, verbose: int = 0, quiet: bool = False) -> None:
    """Add ``-v``/``-q`` given at any level to the run's settings and configure logging.

    Flags only ever add up (``adcov -q stats -v`` stays quiet), as they may be given both
    before and after the command name.
    """
    s = settings(ctx)
    s.quiet = s.quiet or quiet
    s.verbose = max(s.verbose, verbose)
    level = s.log_level()
    logging.basicConfig(level=level, format="adcov: %(message)s", stream=sys.stderr, force=True)
    log.setLevel(level)


VERBOSE_HELP = "More messages (twice: debug, with tracebacks)."
QUIET_HELP = "Only errors."


def verbosity_options(fn):
    """-v/-q on every command as well as before it (``adcov -q stats`` = ``adcov stats -q``)."""
    fn = click.option("-q", "--quiet", is_flag=True, expose_value=False, help=QUIET_HELP,
                      callback=lambda ctx, p, v: set_verbosity(ctx, quiet=v) if v else None)(fn)
    fn = click.option("-v", "--verbose", count=True, expose_value=False, help=VERBOSE_HELP,
                      callback=lambda ctx, p, v: set_verbosity(ctx, verbose=v) if v else None)(fn)
    return fn


def _set_force(ctx, param, value):
    settings(ctx).force = bool(value)


def force_option(fn):
    """--force on every command that writes a file."""
    return click.option("--force", is_flag=True, expose_value=False,
                        help="Overwrite the output file if it exists.", callback=_set_force)(fn)


def format_option(choices=TABLE, default: str | None = "md"):
    """``-f/--format``: one of ``choices``; without it the output's extension decides (then
    ``default``, for standard output)."""
    # Sorted, so the help and click's "not one of" message read alphabetically.
    hint = f"default: from the output's extension, else {default}" if default else \
        "default: from the output's extension"
    return click.option("-f", "--format", "fmt", type=click.Choice(sorted(choices)),
                        default=None, help=f"Output format ({hint}).")


OUTPUT_HELP = ("Write to this file (written whole or not at all), a device or FIFO, or - for "
               "standard output (the default).")


def output_option(help: str = OUTPUT_HELP, required: bool = False):
    """``-o/--output``: standard output by default; commands that only write files require it."""
    return click.option("-o", "--output", required=required, type=click.Path(allow_dash=True),
                        help=help)


def tiles_option(help: str):
    """``--tiles``: the base map of an HTML map, one of :data:`adcov.render.style.TILES`."""
    return click.option("--tiles", type=click.Choice(list(TILES)), default="osm",
                        show_default=True, help=help)


class Progress:
    """A progress bar on standard error for work that takes more than about a second.

    Shown only on a terminal (or with ADCOV_PROGRESS=1) and never with -q; called as
    ``bar(done, total)``.

    Parameters
    ----------
    label : str
        What is being done, e.g. ``"analysing belarus-2021"``.
    quiet : bool
        The run's ``-q``: no bar at all.
    """

    def __init__(self, label: str, quiet: bool = False):
        import os
        import time

        self.label = label
        # Looked up now, not at import, so a test can slow the clock down.
        self.clock = time.perf_counter
        self.start = self.clock()
        self.shown = False
        self.enabled = (not quiet) and (
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


def _override(key, convert=None):
    def callback(ctx, param, value):
        if value is None or value == ():
            return
        settings(ctx).overrides[key] = convert(value) if convert else value
    return callback


def _region(value):
    from ..regions import check_region

    return check_region(value, entry="--region")


def _dem(values):
    from pathlib import Path

    from ..errors import InputError

    for v in values:
        if not Path(v).exists():
            raise InputError("DEM file or folder not found", entry="--dem", value=v)
    return tuple(Path(v) for v in values)


def scenario_options(fn):
    """What the command line sets instead of the scenario: ``--altitudes``, ``--region``,
    ``--dem``, ``--altitude-reference`` and ``--mode`` (kept in the run's settings, applied
    by :func:`resolve_scenario`)."""
    fn = click.option("--mode", type=click.Choice(["engagement", "detection"]),
                      expose_value=False, callback=_override("mode"),
                      help="Missile engagement envelopes (the default) or radar detection "
                           "envelopes (each system's detection range, no missile altitude "
                           "limits).")(fn)
    fn = click.option("--altitude-reference", type=click.Choice(["agl", "msl"]),
                      expose_value=False, callback=_override("altitude_reference"),
                      help="With a DEM: target altitudes above the ground under the target "
                           "(agl, the default) or above sea level (msl).")(fn)
    fn = click.option("--dem", multiple=True, metavar="PATH", expose_value=False,
                      callback=_override("terrain", _dem),
                      help="Mask envelopes by terrain: a DEM (GeoTIFF in any CRS, SRTM .hgt "
                           "or .hgt.zip) or a folder of tiles; repeat for several. See "
                           "`adcov dem fetch`.")(fn)
    fn = click.option("--region", metavar="REGION", expose_value=False,
                      callback=_override("region", _region),
                      help="Region instead of the scenario's: an ISO3 code in any case or a "
                           "country name (see `adcov regions`); sectors become the region's "
                           "defaults.")(fn)
    fn = click.option("--altitudes", metavar="LIST", expose_value=False,
                      callback=_override("altitudes", parse_altitudes),
                      help="Target altitudes instead of the scenario's, comma-separated, in "
                           "metres or with a unit: 50,300,1000 or 500ft,10000ft or 1.5km "
                           "(outputs stay in metres).")(fn)
    return fn


_UNITS = {"": 1.0, "m": 1.0, "km": 1000.0, "ft": 0.3048, "feet": 0.3048}


def parse_altitudes(text: str) -> tuple:
    """``--altitudes`` as metres: ``50,300,1000``, ``500ft,10000ft``, ``1.5km``.

    >>> parse_altitudes("50, 300m,1.5km")
    (50.0, 300.0, 1500.0)
    >>> parse_altitudes("500ft,10000 ft")
    (152.4, 3048.0)
    """
    import re

    from ..errors import InputError

    out = []
    for token in str(text).split(","):
        t = token.strip()
        m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)", t)
        unit = m.group(2).lower() if m else None
        if not m or unit not in _UNITS:
            raise InputError("an altitude is a number with an optional unit m, km or ft, e.g. "
                             "50,300,1000 or 500ft,10000ft", entry="--altitudes", value=t)
        value = round(float(m.group(1)) * _UNITS[unit], 6)
        if unit in ("ft", "feet"):
            log.info("--altitudes: %s = %g m (outputs are in metres)", t, value)
        out.append(value)
    if len(set(out)) != len(out):
        raise InputError("lists an altitude twice", entry="--altitudes", value=text)
    return tuple(out)


def resolve_scenario(name_or_path, s: Settings | None = None, *, warn: bool = True):
    """A scenario file, a sites file or a built-in name as a :class:`adcov.scenario.Scenario`
    (default :data:`DEFAULT_SCENARIO`), with the command line's overrides applied (see
    :func:`scenario_options`), and its notes and site warnings told on standard error."""
    import dataclasses

    from ..scenario import Scenario

    over = dict(s.overrides) if s is not None else {}
    sc = Scenario.resolve(name_or_path or DEFAULT_SCENARIO, region=over.get("region"),
                          altitudes_m=over.get("altitudes"))
    changes = {k: over[k] for k in ("terrain", "altitude_reference", "mode") if k in over}
    if changes:
        sc = dataclasses.replace(sc, **changes)
    for note in sc.notes:
        log.warning("note: %s", note)
    if warn:
        from ..sanity import check_sites

        for w in check_sites(sc):
            log.warning("warning: %s", w.message)
    return sc


def target(s: Settings, output, *, choices=TABLE, fmt=None, default="md", inputs=(),
           entry="output"):
    """Check an output before the work (:func:`adcov._io.resolve_target`) with the run's
    ``--force``."""
    from .._io import resolve_target

    return resolve_target(output, choices=choices, fmt=fmt, default=default, inputs=inputs,
                          force=s.force, entry=entry)


def distinct(*targets):
    """Refuse two outputs of one command that go to the same place."""
    from .._io import check_distinct

    check_distinct(*targets)


def emit(t, data=None, *, produce=None, suffix=".tmp"):
    """Write an output to its target (see :func:`adcov._io.write_target`)."""
    from .._io import write_target

    write_target(t, data, produce=produce, suffix=suffix)
    if t.kind != "stdout":
        log.info("wrote %s", t.label)


#: Optional modules and the install command that brings them.
OPTIONAL = {"matplotlib": "pip install 'airdefense-coverage[plot]'"}


def require(module: str, why: str):
    """Stop before any work when an optional dependency is missing, saying how to install it."""
    import importlib.util

    from ..errors import InputError

    if importlib.util.find_spec(module) is None:
        raise InputError(f"needs the Python package {module!r}, which is not installed; "
                         f"install it with: {OPTIONAL.get(module, f'pip install {module}')}",
                         entry=why)


def analyze(s: Settings, scenario, *, also_sites=()):
    """:func:`adcov.analysis.analyze` with a log line and the progress bar."""
    from ..analysis import analyze as run_analysis

    log.info("analysing %s: %d sites, %d altitudes", scenario.label, len(scenario.sites),
             len(scenario.altitudes_m))
    with Progress(f"analysing {scenario.label}", quiet=s.quiet) as bar:
        result = run_analysis(scenario, progress=bar, also_sites=also_sites)
    warn_outside_dem(result)
    return result


def extend(s: Settings, result, more):
    """:func:`adcov.analysis.extend` (``more`` is ``result``'s scenario with sites added) with
    a log line and the progress bar."""
    from ..analysis import extend as run_extend

    log.info("adding %d sites: %s", len(more.sites) - len(result.scenario.sites), more.label)
    with Progress(f"analysing {more.label}", quiet=s.quiet) as bar:
        extended = run_extend(result, more, progress=bar)
    warn_outside_dem(extended)
    return extended


def outside_dem_shares(result) -> dict:
    """Per site (named with its system where a name repeats), the largest share of its
    envelopes' smooth-Earth area over all altitudes that lies where the DEM has no data, for
    the sites that have some. [-]"""
    shares = {}
    for st in getattr(result, "altitude_stats", ()):
        for e in st.envelopes:
            share = getattr(e, "outside_dem_fraction", None)
            if share is None or e.empty or not share > 0.0:
                continue
            key = (e.site, e.system)
            shares[key] = max(shares.get(key, 0.0), float(share))
    names = [site for site, _ in shares]
    return {(f"{site} ({system})" if names.count(site) > 1 else site): share
            for (site, system), share in shares.items()}


def warn_outside_dem(result) -> None:
    """Say on standard error (a warning) which sites' envelopes reach beyond the DEM, and how
    much of them: terrain is not applied there (smooth Earth), so those envelopes are upper
    bounds."""
    shares = outside_dem_shares(result)
    if not shares:
        return
    from ..render.records import percent_text

    listed = ", ".join(f"{name} {percent_text(share)}" for name, share in
                       sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])))
    log.warning("warning: terrain: envelopes reach beyond the DEM, where no terrain is applied "
                "(smooth Earth): %s of the envelope's area (largest over the altitudes); a "
                "DEM covering them (`adcov dem fetch --margin-km`) masks them fully", listed)
