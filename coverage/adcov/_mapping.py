"""A read-only, hashable mapping: the base of the value objects' mapping fields (a site's extra
properties, a system's value ranges), so that sites and systems stay hashable values."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FrozenMapping"]


class FrozenMapping(Mapping):
    """Kept in the order given; equal to any mapping with the same items (order aside), and
    hashed alike whatever the order (its values must be hashable).

    Examples
    --------
    >>> a, b = FrozenMapping({"x": 1, "y": 2}), FrozenMapping([("y", 2), ("x", 1)])
    >>> list(a), a == b, hash(a) == hash(b), a == {"y": 2, "x": 1}
    (['x', 'y'], True, True, True)
    """

    def __init__(self, items=()):
        self._map = dict(items.items() if isinstance(items, Mapping) else items)

    def __getitem__(self, key):
        return self._map[key]

    def __iter__(self):
        return iter(self._map)

    def __len__(self):
        return len(self._map)

    def __eq__(self, other):
        return isinstance(other, Mapping) and self._map == dict(other)

    def __hash__(self):
        return hash(frozenset(self._map.items()))

    def __repr__(self):
        return f"{type(self).__name__}({self._map!r})"
