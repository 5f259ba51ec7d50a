"""Rendering the result tables as CSV, JSON and Markdown, with fixed rounding.

The result keeps full precision; files and terminals get numbers rounded to what the model can
support (areas to 0.1 km2, fractions to 1e-4), so that output is stable and readable.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd

__all__ = ["DECIMALS", "round_table", "records", "to_csv", "to_markdown", "to_json"]

#: Decimals per column in rendered output.
DECIMALS = {
    "altitude_m": 1, "area_km2": 1, "covered_km2": 1, "covered_fraction": 4, "mean_depth": 3,
    "depth2_km2": 1, "depth3_km2": 1, "largest_gap_km2": 1, "border_km": 1,
    "border_covered_km": 1, "border_covered_fraction": 4, "forward_km2": 1,
    "forward_reach_km": 1, "lon": 5, "lat": 5, "outer_km": 2, "inner_km": 2, "horizon_km": 2,
    "unique_km2": 1, "loss_if_removed_fraction": 4, "overlap_km2": 1,
    "terrain_masked_fraction": 4, "outside_dem_fraction": 4,
}


def round_table(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every known numeric column rounded to :data:`DECIMALS`."""
    out = df.copy()
    for col, d in DECIMALS.items():
        if col in out.columns:
            out[col] = out[col].astype(float).round(d) + 0.0  # + 0.0 turns -0.0 into 0.0
    if "gap_count" in out.columns:
        out["gap_count"] = out["gap_count"].astype("Int64")
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


def to_csv(df: pd.DataFrame) -> str:
    """CSV text: rounded numbers, and text cells that cannot run as spreadsheet formulas."""
    out = round_table(df)
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    out.columns = [neutralise_formula(c) for c in out.columns]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    text = f"{v:g}" if isinstance(v, float) and v == int(v) and abs(v) < 1e15 else str(v)
    return _md_text(text)


def _md_text(text: str) -> str:
    """User text made inert in Markdown: one line, no raw HTML, no table breaks."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def to_markdown(df: pd.DataFrame, *, title: str | None = None, group: str | None = None) -> str:
    """A Markdown table (one per value of ``group`` when given)."""
    df = round_table(df)
    lines = [f"# {_md_text(title)}", ""] if title else []
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=False))
    for key, part in groups:
        # The scenario column says nothing when there is one scenario; with several (compare)
        # it tells the rows apart.
        drop = {group} | ({"scenario"} if part.get("scenario") is not None
                          and part["scenario"].nunique() <= 1 else set())
        cols = [c for c in part.columns if c not in drop] if group else list(part.columns)
        if key is not None:
            lines += [f"## {group} = {_cell(key)}", ""]
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "|".join("---:" if pd.api.types.is_numeric_dtype(part[c]) else "---" for c in cols) + "|")
        for rec in part[cols].itertuples(index=False):
            lines.append("| " + " | ".join(_cell(v) for v in rec) + " |")
        lines.append("")
    return "\n".join(lines)


def records(df: pd.DataFrame) -> list:
    """Rows as plain dicts, rounded as in output files, with None for missing values (for
    JSON)."""
    recs = []
    for rec in round_table(df).to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            if v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
                v = None
            elif isinstance(v, np.generic):
                v = v.item()
            clean[k] = v
        recs.append(clean)
    return recs


def to_json(payload: dict) -> str:
    """JSON text of a payload whose DataFrame values become lists of records."""
    def conv(x):
        if isinstance(x, pd.DataFrame):
            return records(x)
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [conv(v) for v in x]
        return x

    return json.dumps(conv(payload), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
