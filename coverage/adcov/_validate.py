"""Checks shared by the catalog and scenario readers.

Each check takes the value, where it came from (file and entry) and raises an
:class:`~adcov.errors.InputError` subclass naming all three.
"""

from __future__ import annotations

import math
from numbers import Real

from .errors import InputError

__all__ = ["number", "text", "check_keys", "Bounds", "suggest"]


class Bounds:
    """Closed or half-open numeric bounds with a readable description."""

    def __init__(self, low=None, high=None, *, low_open=False, high_open=False):
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open

    def contains(self, x: float) -> bool:
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        if self.high is not None and (x >= self.high if self.high_open else x > self.high):
            return False
        return True

    def describe(self) -> str:
        lo = "" if self.low is None else f"{'>' if self.low_open else '>='} {self.low:g}"
        hi = "" if self.high is None else f"{'<' if self.high_open else '<='} {self.high:g}"
        return " and ".join(p for p in (lo, hi) if p)


def number(value, *, file, entry, bounds: Bounds | None = None, error=InputError) -> float:
    """A finite real number (not a bool, not a string) inside ``bounds``, as float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise error("must be a number", file=file, entry=entry, value=value)
    try:
        x = float(value)
    except OverflowError:  # an integer too large for a float (TOML and JSON allow them)
        raise error("must be a finite number", file=file, entry=entry, value=value) from None
    if not math.isfinite(x):
        raise error("must be a finite number", file=file, entry=entry, value=value)
    if bounds is not None and not bounds.contains(x):
        raise error(f"must be {bounds.describe()}", file=file, entry=entry, value=value)
    return x


def text(value, *, file, entry, error=InputError, allow_empty=False, max_length=500) -> str:
    """A string, stripped, non-empty unless allowed, without control characters."""
    if not isinstance(value, str):
        raise error("must be a string", file=file, entry=entry, value=value)
    s = value.strip()
    if not s and not allow_empty:
        raise error("must not be empty", file=file, entry=entry, value=value)
    if len(s) > max_length:
        raise error(f"is longer than {max_length} characters", file=file, entry=entry,
                    value=value)
    if any(ord(c) < 32 and c not in "\t\n" for c in s):
        raise error("contains control characters", file=file, entry=entry, value=value)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise error("contains an unpaired surrogate (not valid Unicode text)", file=file,
                    entry=entry, value=value)
    return s


def check_keys(mapping: dict, allowed, *, file, entry: str, error=InputError, required=()):
    """Refuse unknown keys (a typo must not be silently ignored) and missing required ones."""
    if not isinstance(mapping, dict):
        raise error("must be a table", file=file, entry=entry, value=mapping)
    for key in mapping:
        if key not in allowed:
            raise error(f"unknown key; valid keys are {', '.join(sorted(allowed))}",
                        file=file, entry=_join(entry, key), value=mapping[key])
    for key in required:
        if key not in mapping:
            raise error("is required but missing", file=file, entry=_join(entry, key))


def _join(entry: str, key: str) -> str:
    return f"{entry}.{key}" if entry else key


def suggest(query, choices, *, n: int = 5, cutoff: float = 0.5) -> list[str]:
    """The choices closest to a mistyped ``query``, best first, case-insensitively.

    Choices that start with the query come first (``S-400`` lists every S-400 missile), then
    those that contain it, then the rest by similarity (difflib's ratio) above ``cutoff``.

    >>> suggest("s-300ps", ["S-300V4", "S-300PS", "S-300PMU-1"])[0]
    'S-300PS'
    >>> suggest("S-400", ["S-300PS", "S-400/40N6", "S-400/48N6DM", "Tor-M2"])
    ['S-400/40N6', 'S-400/48N6DM', 'S-300PS']
    """
    import difflib

    q = str(query).casefold().strip()
    if not q:
        return []

    def rank(choice):
        c = choice.casefold()
        ratio = difflib.SequenceMatcher(None, q, c).ratio()
        return (0 if c.startswith(q) else 1 if q in c else 2, -ratio, choice)

    scored = [(rank(c), c) for c in choices]
    scored.sort()
    best = max((-r[1] for r, _ in scored), default=0.0)
    # By similarity, only those nearly as close as the closest: one clear match stays alone.
    floor = max(cutoff, best - 0.15)
    keep = [c for r, c in scored if r[0] < 2 or -r[1] >= floor]
    return keep[:n]
