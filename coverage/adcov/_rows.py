"""A table as records, for code that need not import pandas (the command line's start-up)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Rows"]


@dataclass(frozen=True)
class Rows:
    """A table as records: ``records`` is a sequence of dicts keyed by ``columns`` (a missing
    key or None is an empty cell). :func:`adcov.render.tables.to_csv` and the other renderers
    take it as they take a DataFrame; :meth:`frame` makes it one."""

    records: tuple
    columns: tuple

    def __init__(self, records, columns):
        object.__setattr__(self, "records", tuple(records))
        object.__setattr__(self, "columns", tuple(columns))

    def __len__(self) -> int:
        return len(self.records)

    def frame(self):
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.records), columns=list(self.columns))
