"""Plots: coverage against target altitude.

matplotlib is imported inside the functions that draw, so importing this module needs it not.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FT_M", "plot_profile", "format_altitude_m", "format_altitude_ft",
           "crossover_labels"]

#: One international foot, exactly. [m]
FT_M = 0.3048

_LABEL_PT = 7.5    # font size of the crossover labels [pt]
_GAP_PT = 5.0      # least gap between two crossover labels, or a label and a leader [pt]
_LEADER_PT = 2.0   # from a leader to the start of its label [pt]
_BAND_ALPHA = 0.22  # opacity of the p5-p95 bands [-]
_CLEAR_PT = 4.0    # between what is drawn above the axes and the first row of labels [pt]
# Agg fits glyphs to the pixel grid, so a label's width in points depends on the dpi it is
# drawn at (at 7.5 pt: 66 pt at 100 dpi, 73 pt at 120, 78 pt at 72); labels are spaced for the
# widest of these, which also covers the unhinted text of SVG and PDF. [dpi]
_MEASURE_DPI = (72, 96, 100, 120, 150, 200, 300)


def format_altitude_m(value, _pos=None) -> str:
    """An altitude as a tick label: ``"10 m"``, ``"100 m"``, ``"1 km"``, ``"10 km"``.

    Examples
    --------
    >>> [format_altitude_m(v) for v in (0.1, 10, 176.3, 1000, 3100, 1e5)]
    ['0.1 m', '10 m', '176 m', '1 km', '3.1 km', '100 km']
    """
    if value >= 1000:
        return f"{value / 1000:.3g} km"
    return f"{value:.3g} m"


def format_altitude_ft(value, _pos=None) -> str:
    """An altitude in feet as a tick label: ``"100 ft"``, ``"1,000 ft"``, ``"100,000 ft"``.

    Examples
    --------
    >>> [format_altitude_ft(v) for v in (0.1, 10, 1000, 100000)]
    ['0.1 ft', '10 ft', '1,000 ft', '100,000 ft']
    """
    return f"{value:,.0f} ft" if value >= 1 else f"{value:.3g} ft"


def _m_to_ft(m):
    return m / FT_M


def _ft_to_m(ft):
    return ft * FT_M


def crossover_labels(crossover, lo: float, hi: float) -> list[tuple[float, str]]:
    """One label per distinct crossover altitude between ``lo`` and ``hi``.

    Systems whose crossovers round to the same three significant digits share one label (and
    one line); a system id met at more than one crossover (the same missile on masts of
    different heights) is told apart by its antenna height.

    Parameters
    ----------
    crossover : DataFrame
        From :func:`adcov.profile.crossovers`: ``system``, ``antenna_height_m`` and
        ``crossover_altitude_m``.
    lo, hi : float
        The altitude axis. [m]

    Returns
    -------
    list of (float, str)
        (altitude [m], label), by altitude.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"system": ["A", "B", "A", "C", "D"],
    ...                       "antenna_height_m": [12.0, 12.0, 30.0, 5.0, 5.0],
    ...                       "crossover_altitude_m": [1200.0, 1200.2, 800.0, 2.0, None]})
    >>> crossover_labels(table, 10, 30000)
    [(800.0, 'A (30 m mast): 800 m'), (1200.0, 'A (12 m mast), B: 1.2 km')]
    """
    rows = crossover.dropna(subset=["crossover_altitude_m"])
    rows = rows[rows.crossover_altitude_m.between(lo, hi)]
    keys = [float(f"{a:.3g}") for a in rows.crossover_altitude_m]
    sites_at = {}
    for key, system in zip(keys, rows.system):
        sites_at.setdefault(system, set()).add(key)
    groups: dict[float, list] = {}
    for key, rec in zip(keys, rows.itertuples()):
        name = rec.system
        if len(sites_at[rec.system]) > 1:
            name = f"{rec.system} ({rec.antenna_height_m:g} m mast)"
        alt, names = groups.setdefault(key, [rec.crossover_altitude_m, []])
        if name not in names:
            names.append(name)
    return sorted((alt, f"{', '.join(names)}: {format_altitude_m(key)}")
                  for key, (alt, names) in groups.items())


def _rows(anchors, widths, span):
    """Places for labels set like flags on poles above an axis, none touching another. [pt]

    Each label starts just right of its anchor, or ends just left of it where it would run past
    ``span``; its leader rises from the axis beside it. Labels are set from the right, each in
    the lowest row where it overlaps no label of that row, no leader of a higher row crosses it,
    and its own leader crosses no label of a lower row. (Only a label whose anchor lies under a
    label flying left from further right can find no such row; its leader then crosses.)

    Returns
    -------
    list of (left, row)
    """
    placed = []  # (anchor, left, right, row)
    out = {}
    for i in sorted(range(len(anchors)), key=lambda i: -anchors[i]):
        x, w = anchors[i], widths[i]
        left = x + _LEADER_PT if x + _LEADER_PT + w <= span else max(x - _LEADER_PT - w, 0.0)
        right = left + w

        def hits(row, own_leader=True, x=x, left=left, right=right):
            for xj, lj, rj, row_j in placed:
                if row_j == row and left < rj + _GAP_PT and lj < right + _GAP_PT:
                    return True
                if row_j > row and left - _GAP_PT / 2 < xj < right + _GAP_PT / 2:
                    return True
                if own_leader and row_j < row and lj - _GAP_PT / 2 < x < rj + _GAP_PT / 2:
                    return True
            return False

        rows = range(len(placed) + 1)
        row = next((r for r in rows if not hits(r)), None)
        if row is None:
            row = next(r for r in rows if not hits(r, own_leader=False))
        placed.append((x, left, right, row))
        out[i] = (left, row)
    return [out[i] for i in range(len(anchors))]


def _text_sizes_pt(texts):
    """(width, height) of each text: the largest over :data:`_MEASURE_DPI`. [pt]"""
    from matplotlib.backends.backend_agg import RendererAgg

    sizes = [(0.0, 0.0)] * len(texts)
    for dpi in _MEASURE_DPI:
        renderer = RendererAgg(1, 1, dpi)
        for i, t in enumerate(texts):
            e = t.get_window_extent(renderer)
            sizes[i] = (max(sizes[i][0], e.width * 72.0 / dpi),
                        max(sizes[i][1], e.height * 72.0 / dpi))
    return sizes


def _label_crossovers(fig, ax, items, line_style):
    """Write ``items`` (altitude, label) above ``ax`` in rows that never overlap, each label on
    a leader continuing its crossover line. Lays the figure out once to measure."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import Affine2D, ScaledTranslation, blended_transform_factory

    fig.draw_without_rendering()
    px_pt = fig.dpi / 72.0
    box = ax.get_window_extent()
    # what already stands above the axes (the feet axis): the first row goes above it, and the
    # leaders leave a gap across it rather than strike through its tick labels
    occupied = max(ax.get_tightbbox().y1 - box.y1, 0.0) / px_pt
    base = occupied + _CLEAR_PT
    # x in data, y in points above the top of the axes
    above = blended_transform_factory(
        ax.transData, Affine2D().scale(1.0, 1.0 / 72.0) + fig.dpi_scale_trans
        + ScaledTranslation(0.0, 1.0, ax.transAxes))
    texts = [ax.text(alt, base, label, transform=above, fontsize=_LABEL_PT, color="0.25",
                     ha="left", va="bottom", gid="crossover-label") for alt, label in items]
    anchors = [(ax.transData.transform((alt, 1.0))[0] - box.x0) / px_pt for alt, _ in items]
    sizes = _text_sizes_pt(texts)
    height = max(h for _, h in sizes) + 1.5
    places = _rows(anchors, [w for w, _ in sizes], box.width / px_pt)
    for (alt, _), t, x, (left, row), (width, _) in zip(items, texts, anchors, places, sizes):
        bottom = base + row * height
        # the edge beside the leader is placed exactly, however wide the text is drawn
        if left + width <= x:
            t.set_horizontalalignment("right")
            shift = left + width - x
        else:
            shift = left - x
        t.set_transform(above + ScaledTranslation(shift / 72.0, 0.0, fig.dpi_scale_trans))
        t.set_y(bottom)
        ax.add_line(Line2D([alt, alt], [occupied and occupied + 1.0, bottom + height - 1.5],
                           transform=above, clip_on=False, gid="crossover-leader",
                           **line_style))


def _band_rows(shown, bands):
    """The bands on the profile's (zone, altitude) pairs, indexed by them; ValueError when one
    is missing."""
    got = bands.set_index(["zone", "altitude_m"])[["p5", "p95"]].sort_index()
    want = shown.set_index(["zone", "altitude_m"]).index
    missing = want.difference(got.index)
    if len(missing):
        zone, alt = missing[0]
        raise ValueError(f"bands have no row for zone {zone!r} at {format_altitude_m(alt)} "
                         f"({len(missing)} of the profile's rows missing)")
    return got


def plot_profile(profile: pd.DataFrame, *, title: str = "", crossover=None,
                 feet: bool = False, bands: pd.DataFrame | None = None):
    """Covered share against target altitude (log axis), one line per zone, with the regimes of
    the envelopes underneath. Returns a matplotlib Figure.

    With ``bands``, each zone's line lies in a shaded area of its colour from the 5th to the
    95th percentile of the covered share over the samples, named in the legend with the
    sample count and seed.

    Altitudes read ``10 m``, ``100 m``, ``1 km``, ``10 km``; each crossover altitude is a
    dotted line with one label above the axes (systems at the same crossover share it; labels
    are set in rows so that none touches another, the title or a legend); the legends stand
    right of the axes, outside the data.

    Parameters
    ----------
    profile : DataFrame
        From :func:`adcov.profile.altitude_profile`. Altitudes of 0 m (or below), which a log
        axis cannot show, are named in the legend.
    title : str
        Figure title.
    crossover : DataFrame, optional
        From :func:`adcov.profile.crossovers`: drawn as dotted vertical lines.
    feet : bool, default False
        Add an altitude axis in feet on top (1 ft = 0.3048 m exactly).
    bands : DataFrame, optional
        From :func:`adcov.uncertainty.profile_bands`: ``altitude_m``, ``zone``, ``p5``,
        ``p95``, ``samples`` and ``seed``, on the profile's altitudes.

    Raises
    ------
    ValueError
        When no altitude of the profile is above 0 m, or ``bands`` lacks a zone or altitude
        of the profile.
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    except ImportError as exc:
        raise ImportError("plots need matplotlib: pip install 'airdefense-coverage[plot]'") from exc

    shown = profile[profile.altitude_m > 0]
    if shown.empty:
        raise ValueError("no altitude above 0 m to draw on a log axis (altitudes: "
                         f"{', '.join(f'{a:g}' for a in sorted(set(profile.altitude_m)))})")
    lo, hi = shown.altitude_m.min(), shown.altitude_m.max()
    if lo == hi:  # one altitude: a decade around it, so that one labelled tick shows
        lo, hi = lo / math.sqrt(10.0), hi * math.sqrt(10.0)

    fig, (ax, axr) = plt.subplots(2, 1, figsize=(10.5, 6.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]}, layout="constrained")
    spread = None if bands is None else _band_rows(shown, bands)
    for zone, part in shown.groupby("zone", sort=False):
        kind = part.zone_kind.iloc[0]
        (line,) = ax.plot(part.altitude_m, part.covered_fraction * 100, marker="o", ms=3,
                          lw=2.6 if kind == "region" else 1.6,
                          ls="-" if kind == "region" else "--",
                          label=f"{zone} ({'region' if kind == 'region' else 'sector'})")
        if spread is not None:
            band = spread.loc[zone].loc[part.altitude_m]
            ax.fill_between(part.altitude_m, band.p5 * 100, band.p95 * 100, lw=0,
                            color=line.get_color(), alpha=_BAND_ALPHA, zorder=1.5,
                            gid=f"band-{zone}")
    handles = ax.get_legend_handles_labels()[0]
    if spread is not None:
        n, seed = int(bands.samples.iloc[0]), int(bands.seed.iloc[0])
        handles.append(Patch(facecolor="0.5", alpha=_BAND_ALPHA + 0.1, lw=0,
                             label=f"shaded: p5-p95 of\n{n:,} sample{'s' if n != 1 else ''} "
                                   f"(seed {seed})"))
    line_style = {"color": "0.45", "lw": 0.8, "ls": ":"}
    items = [] if crossover is None else crossover_labels(crossover, lo, hi)
    for alt, _ in items:
        ax.axvline(alt, gid="crossover", **line_style)
        axr.axvline(alt, gid="crossover", **line_style)
    if items:
        handles.append(Line2D([], [], label="crossover altitude:\nhorizon-limited below,\n"
                                            "range-limited above", **line_style))
    hidden = sorted(set(profile.altitude_m) - set(shown.altitude_m))
    if hidden:
        handles.append(Line2D([], [], ls="none", label="not on the log axis:\n"
                              + ", ".join(format_altitude_m(a) for a in hidden)))

    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    # ax and axr share the x axis, so its ticker too
    ax.xaxis.set_major_locator(LogLocator(base=10.0))
    ax.xaxis.set_major_formatter(FuncFormatter(format_altitude_m))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(0, 100)
    ax.set_ylabel("covered share of the zone [%]")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
              fontsize=8)
    if feet:
        top = ax.secondary_xaxis("top", functions=(_m_to_ft, _ft_to_m))
        top.xaxis.set_major_locator(LogLocator(base=10.0))
        top.xaxis.set_major_formatter(FuncFormatter(format_altitude_ft))
        top.xaxis.set_minor_formatter(NullFormatter())
        top.tick_params(labelsize=8)

    per_alt = shown.drop_duplicates("altitude_m")
    total = (per_alt.n_range + per_alt.n_horizon + per_alt.n_empty).replace(0, 1)
    axr.stackplot(per_alt.altitude_m, per_alt.n_horizon / total * 100,
                  per_alt.n_range / total * 100, per_alt.n_empty / total * 100,
                  labels=["horizon-limited", "range-limited", "empty (ceiling, floor)"],
                  colors=["#9ecae1", "#fdae6b", "#d9d9d9"])
    axr.set_ylabel("envelopes [%]")
    axr.set_xlabel("target altitude above the radar's ground")
    axr.set_ylim(0, 100)
    axr.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=8,
               title="envelopes", title_fontsize=8, alignment="left")
    if title:
        fig.suptitle(title, fontsize=11)
    if items:
        _label_crossovers(fig, ax, items, line_style)
    return fig
