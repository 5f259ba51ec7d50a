"""Rendering the result tables as CSV, JSON and Markdown, with fixed rounding.

The result keeps full precision; files and terminals get numbers rounded to what the model can
support (areas to 0.1 km2, fractions to 1e-4), so that output is stable and readable.

Every function takes a pandas DataFrame, or a :class:`Rows` (records and their columns): the
command line renders the analysis' own records that way, without importing pandas, which costs
about as much start-up time as the whole computation of a small scenario.
"""

from __future__ import annotations

import csv
import io
import json
import math
from numbers import Integral, Number

import numpy as np

from .._rows import Rows

__all__ = ["DECIMALS", "Rows", "round_table", "records", "to_csv", "to_markdown", "to_json"]

#: Decimals per column in rendered output.
DECIMALS = {
    "altitude_m": 1, "area_km2": 1, "covered_km2": 1, "covered_fraction": 4, "mean_depth": 3,
    "depth2_km2": 1, "depth3_km2": 1, "largest_gap_km2": 1, "border_km": 1,
    "border_covered_km": 1, "border_covered_fraction": 4, "forward_km2": 1,
    "forward_reach_km": 1, "lon": 5, "lat": 5, "outer_km": 2, "inner_km": 2, "horizon_km": 2,
    "unique_km2": 1, "loss_if_removed_fraction": 4, "overlap_km2": 1,
    "terrain_masked_fraction": 4, "outside_dem_fraction": 4,
}
#: Columns of whole numbers that may be missing.
COUNTS = ("gap_count",)


def _is_frame(table) -> bool:
    return hasattr(table, "dtypes") and hasattr(table, "itertuples")


def _missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    return type(v).__name__ in ("NAType", "NaTType")


def _kind(values) -> str:
    """How a column of records is typed, as pandas would build it: 'bool', 'int', 'float'
    (numbers with missing cells or any float) or 'object'."""
    present = [v for v in values if not _missing(v)]
    if not present:
        return "float" if any(isinstance(v, float) for v in values) else "object"
    if all(isinstance(v, (bool, np.bool_)) for v in present):
        return "bool" if len(present) == len(values) else "object"
    if all(isinstance(v, Number) and not isinstance(v, (bool, np.bool_)) for v in present):
        if len(present) == len(values) and all(isinstance(v, Integral) for v in present):
            return "int"
        return "float"
    return "object"


def _round(v, d: int) -> float:
    if _missing(v):
        return math.nan
    return float(np.round(np.float64(v), d)) + 0.0  # + 0.0 turns -0.0 into 0.0


def _prepared(table):
    """(columns, rows as lists of plain rounded values, set of numeric columns)."""
    if _is_frame(table):
        import pandas as pd

        cols = list(table.columns)
        numeric = {c for c in cols if pd.api.types.is_numeric_dtype(table[c])}
        numeric |= {c for c in cols if c in DECIMALS or c in COUNTS}
        df = round_table(table)
        rows = [[None if _missing(v) else (v.item() if isinstance(v, np.generic) else v)
                 for v in rec] for rec in df.itertuples(index=False, name=None)]
        return cols, rows, numeric
    cols = list(table.columns)
    raw = [[rec.get(c) for c in cols] for rec in table.records]
    numeric = set()
    convert = []
    for i, c in enumerate(cols):
        if c in DECIMALS:
            numeric.add(c)
            convert.append(lambda v, d=DECIMALS[c]: _round(v, d))
        elif c in COUNTS:
            numeric.add(c)
            convert.append(lambda v: None if _missing(v) else int(v))
        else:
            kind = _kind([r[i] for r in raw])
            if kind == "float":
                numeric.add(c)
                convert.append(lambda v: math.nan if _missing(v) else float(v))
            elif kind in ("int", "bool"):
                numeric.add(c)
                convert.append(lambda v: v.item() if isinstance(v, np.generic) else v)
            else:
                convert.append(lambda v: None if _missing(v) else v)
    rows = [[f(v) for f, v in zip(convert, r)] for r in raw]
    return cols, rows, numeric


def round_table(df):
    """A copy of a DataFrame with every known numeric column rounded to :data:`DECIMALS`."""
    out = df.copy()
    for col, d in DECIMALS.items():
        if col in out.columns:
            out[col] = out[col].astype(float).round(d) + 0.0  # + 0.0 turns -0.0 into 0.0
    for col in COUNTS:
        if col in out.columns:
            out[col] = out[col].astype("Int64")
    return out


#: A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe.

    Numbers are left alone (a negative number is not a formula).

    >>> print(neutralise_formula('=HYPERLINK("http://x")'))
    '=HYPERLINK("http://x")
    >>> neutralise_formula(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(v, numeric: bool):
    if _missing(v):
        return ""
    return v if numeric else neutralise_formula(v)


def to_csv(table) -> str:
    """CSV text: rounded numbers, and text cells that cannot run as spreadsheet formulas."""
    cols, rows, numeric = _prepared(table)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise_formula(c) for c in cols])
    flags = [c in numeric for c in cols]
    for r in rows:
        w.writerow([_csv_cell(v, f) for v, f in zip(r, flags)])
    return buf.getvalue()


def _cell(v) -> str:
    if _missing(v):
        return ""
    text = f"{v:g}" if isinstance(v, float) and v == int(v) and abs(v) < 1e15 else str(v)
    return _md_text(text)


def _md_text(text: str) -> str:
    """User text made inert in Markdown: one line, no raw HTML, no table breaks."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def to_markdown(table, *, title: str | None = None, group: str | None = None) -> str:
    """A Markdown table (one per value of ``group`` when given)."""
    cols, rows, numeric = _prepared(table)
    lines = [f"# {_md_text(title)}", ""] if title else []
    if group is None:
        groups = [(None, rows)]
    else:
        g = cols.index(group)
        parts: dict = {}
        for r in rows:
            if not _missing(r[g]):
                parts.setdefault(r[g], []).append(r)
        groups = list(parts.items())
    s = cols.index("scenario") if "scenario" in cols else None
    for key, part in groups:
        # The scenario column says nothing when there is one scenario; with several (compare)
        # it tells the rows apart.
        drop = {group}
        if s is not None and len({r[s] for r in part if not _missing(r[s])}) <= 1:
            drop.add("scenario")
        keep = [i for i, c in enumerate(cols) if c not in drop] if group else list(range(len(cols)))
        if key is not None:
            lines += [f"## {group} = {_cell(key)}", ""]
        lines.append("| " + " | ".join(cols[i] for i in keep) + " |")
        lines.append("|" + "|".join("---:" if cols[i] in numeric else "---" for i in keep) + "|")
        for r in part:
            lines.append("| " + " | ".join(_cell(r[i]) for i in keep) + " |")
        lines.append("")
    return "\n".join(lines)


def records(table) -> list:
    """Rows as plain dicts, rounded as in output files, with None for missing values (for
    JSON)."""
    cols, rows, _ = _prepared(table)
    return [{c: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for c, v in zip(cols, r)} for r in rows]


def to_json(payload: dict) -> str:
    """JSON text of a payload whose tables (DataFrames or :class:`Rows`) become lists of
    records."""
    def conv(x):
        if isinstance(x, Rows) or _is_frame(x):
            return records(x)
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [conv(v) for v in x]
        return x

    return json.dumps(conv(payload), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
