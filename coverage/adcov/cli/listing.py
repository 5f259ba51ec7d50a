"""Listings (``adcov systems``, ``adcov regions``) as aligned text, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

__all__ = ["render_listing"]


def render_listing(rows: list[dict], fmt: str, *, footer: str = "") -> str:
    """Rows of plain values as an aligned text table (with a footer line), CSV or JSON.

    CSV cells that a spreadsheet would run as a formula get a leading apostrophe, as in every
    CSV adcov writes.
    """
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    cols = list(rows[0]) if rows else []
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for r in rows:
            writer.writerow([_inert(_text(r[c])) for c in cols])
        return buf.getvalue()
    table = [cols] + [[_text(r[c]) for c in cols] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    return "\n".join(lines + ([f"\n{footer}"] if footer else [])) + "\n"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return " ".join(str(value).split())


def _inert(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
