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
from dataclasses import dataclass

import click

from ..formats import TABLE
from ..render.style import TILES

__all__ = ["DEFAULT_SCENARIO", "Settings", "settings", "pass_settings", "set_verbosity",
           "verbosity_options", "force_option", "format_option", "output_option",
           "tiles_option", "Progress", "resolve_scenario", "check_output", "emit", "analyze"]

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
    """

    quiet: bool = False
    verbose: int = 0
    force: bool = False

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


# Sorted, not in TABLE's order, so the help and click's "not one of" message read as before.
format_option = click.option("-f", "--format", "fmt", type=click.Choice(sorted(TABLE)),
                             default="md", show_default=True, help="Output format.")

OUTPUT_HELP = ("Write to this file (written whole or not at all); default standard output.")


def output_option(help: str = OUTPUT_HELP, required: bool = False):
    """``-o/--output``: standard output by default; commands that only write files require it."""
    return click.option("-o", "--output", required=required, type=click.Path(dir_okay=True),
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


def resolve_scenario(name_or_path):
    """A scenario file or built-in name as a :class:`adcov.scenario.Scenario` (default
    :data:`DEFAULT_SCENARIO`)."""
    from ..scenario import Scenario

    return Scenario.resolve(name_or_path or DEFAULT_SCENARIO)


def check_output(s: Settings, output, inputs=()):
    """The output path, checked before any work is done (see
    :func:`adcov._io.check_output_path`): refused if it is an input, or exists without
    ``--force``."""
    from .._io import check_output_path

    return check_output_path(output, inputs, force=s.force)


def emit(s: Settings, text: str, output: str | None, inputs=()):
    """Write ``text`` to standard output (``output`` None or ``-``) or atomically to a file."""
    from .._io import write_atomic

    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    path = check_output(s, output, inputs)
    write_atomic(path, text)
    log.info("wrote %s", path)


def analyze(s: Settings, scenario):
    """:func:`adcov.analysis.analyze` with a log line and the progress bar."""
    from ..analysis import analyze as run_analysis

    log.info("analysing %s: %d sites, %d altitudes", scenario.label, len(scenario.sites),
             len(scenario.altitudes_m))
    with Progress(f"analysing {scenario.label}", quiet=s.quiet) as bar:
        return run_analysis(scenario, progress=bar)
