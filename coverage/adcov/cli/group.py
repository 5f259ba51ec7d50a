"""The ``adcov`` group: global options, error handling, and the registry of commands.

Exit status: 0 on success, 2 for bad input (one line naming the file, the entry and the value),
1 for anything else.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Mapping

import click

from .. import __version__
from .._io import WriteError
from ..errors import InputError
from .options import QUIET_HELP, VERBOSE_HELP, Settings, set_verbosity

log = logging.getLogger("adcov")


class _Group(click.Group):
    """Turns bad input into one line and exit status 2, and any other failure into exit 1."""

    def invoke(self, ctx):
        try:
            out = super().invoke(ctx)
            # What is still buffered goes now, so that a closed pipe is seen here.
            sys.stdout.flush()
            return out
        except InputError as exc:
            click.echo(f"adcov: error: {exc.one_line()}", err=True)
            sys.exit(2)
        except WriteError as exc:
            click.echo(f"adcov: error: {_printable(str(exc))}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            _closed_pipe()
        except KeyboardInterrupt:
            click.echo("adcov: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 1
            if log.isEnabledFor(logging.DEBUG):
                raise
            click.echo(f"adcov: internal error: {type(exc).__name__}: {_printable(str(exc))} "
                       "(run with -vv for the traceback)", err=True)
            sys.exit(1)


def _printable(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else repr(c)[1:-1] for c in text).split())


def _closed_pipe():
    """The reader went away (``adcov systems | head -1``): that is what it asked for, so end
    quietly, with success, writing nothing more to the closed pipe."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help=VERBOSE_HELP)
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@click.version_option(version=__version__, prog_name="adcov")
@click.pass_context
def cli(ctx, verbose: int, quiet: bool):
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
    # Fresh settings for every run; this also resets the logging level a previous in-process
    # run may have changed.
    ctx.obj = Settings()
    set_verbosity(ctx, verbose, quiet)


class _Commands(Mapping):
    """The commands, each imported when it is first asked for: ``adcov export`` loads
    ``adcov.cli.export`` only, not the other commands' modules (``adcov --help`` lists them
    all, and so imports them all)."""

    def __init__(self, where: dict):
        self._where = dict(where)
        self._loaded: dict = {}

    def __getitem__(self, name):
        if name not in self._loaded:
            module, attr = self._where[name]  # KeyError for an unknown command
            self._loaded[name] = getattr(importlib.import_module(module, __package__), attr)
        return self._loaded[name]

    def __iter__(self):
        return iter(self._where)

    def __len__(self):
        return len(self._where)

    def __setitem__(self, name, command):  # click.Group.add_command
        self._where.setdefault(name, (None, None))
        self._loaded[name] = command


# One module per command; the command's name is the module's name.
cli.commands = _Commands({name: (f".{name}", attr) for name, attr in (
    ("stats", "stats"), ("map", "map_command"), ("export", "export"), ("profile", "profile"),
    ("compare", "compare"), ("whatif", "whatif"), ("systems", "systems"),
    ("regions", "regions"), ("validate", "validate"), ("dem", "dem"), ("optimize", "optimize"),
    ("uncertainty", "uncertainty"))})


def main(argv=None):
    """Entry point of the ``adcov`` script.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.
    """
    try:
        cli.main(args=argv, prog_name="adcov")
    except BrokenPipeError:  # raised while click itself wrote (help, usage)
        _closed_pipe()
