"""The exception tree.

Every error the toolkit raises on purpose derives from :class:`CoverageError`.
Bad input raises :class:`InputError` (or a subclass), which carries the file,
the entry and the offending value so that the command line can print one line
that lets the user find and fix the problem.
"""

from __future__ import annotations

__all__ = [
    "CoverageError",
    "InputError",
    "ScenarioError",
    "CatalogError",
    "RegionError",
]


class CoverageError(Exception):
    """Root of every error raised by the toolkit on purpose."""


_MISSING = object()


class InputError(CoverageError, ValueError):
    """Bad input: names the file, the entry within it and the value.

    Parameters
    ----------
    message : str
        What is wrong, and where possible what would be valid.
    file : str or path-like, optional
        The file the value came from (``None`` for values given in Python).
    entry : str, optional
        Where in the file: a key path such as ``sites[3].lat`` or ``systems."X".max_range_km``.
    value : object, optional
        The offending value, quoted with ``repr`` in the message.
    """

    def __init__(self, message: str, *, file=None, entry: str | None = None, value=_MISSING):
        self.message = message
        self.file = None if file is None else str(file)
        self.entry = entry
        self.value = None if value is _MISSING else value
        self.has_value = value is not _MISSING
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The error as one line: ``file: entry: message (got value)``."""
        parts = []
        if self.file:
            parts.append(_printable(self.file))
        if self.entry:
            parts.append(_printable(self.entry))
        text = ": ".join(parts + [self.message])
        if self.has_value:
            text += f" (got {_short_repr(self.value)})"
        return " ".join(text.split())


def _printable(text: str) -> str:
    """Text with control and other non-printable characters shown as escapes, so that an error
    message cannot carry terminal control sequences."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _short_repr(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ScenarioError(InputError):
    """A scenario file, or a site or setting in it, is invalid."""


class CatalogError(InputError):
    """A systems catalog entry is invalid or unknown."""


class RegionError(InputError):
    """A region or neighbour code is unknown, or a sector table is invalid."""
