"""Write the exploration notebooks in ``notebooks/`` from the cell sources below.

The notebooks are stored without outputs (``tests/test_notebooks.py`` checks that, executes
each one in a real Jupyter kernel and checks that they match this script). Edit the cells here
and run::

    python tools/make_notebooks.py          # rewrite notebooks/*.ipynb
    python tools/make_notebooks.py --check  # exit 1 if a notebook differs from this script

Only the standard library is needed: the notebooks are written as nbformat 4.5 JSON directly.
Every number the prose relies on is computed and printed by a code cell; the prose states no
figure of its own, and the last cell of each notebook asserts the qualitative claims the prose
makes, so that a change in the catalog or a scenario that makes a sentence wrong fails the
notebook test rather than leaving a stale sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip("\n"))


NOTIONAL_BUILTIN = """
    - The scenarios are **notional**: sites are town-level coordinates from public reporting,
      not positions of launchers or radars, and each one cites its report in the scenario file.
"""

NOTIONAL_OWN = """
    - The scenario is **notional**, invented here: it describes no reported deployment, and its
      custom system's numbers are made up.
"""

CAVEATS = """
    - Envelopes are **engagement** envelopes (missile slant range, ceiling and floor, radar
      horizon) from public-source figures: not detection, not probability of kill.
    - **Smooth Earth**: terrain masking is not modelled, so coverage at low altitude is an
      upper bound.
    - The radar horizon is computed over a **4/3 Earth** (standard refraction, `k_factor`).
    - The **target altitude is above the radar's ground**, not above sea level.
    - **Depth counts envelopes**, not batteries: an S-400 site with two missile types is two
      envelopes at one place.
"""


def caveats(*extra: str) -> tuple[str, str]:
    """The caveats cell: a heading line and one bullet list."""
    bullets = [textwrap.dedent(part).strip("\n") for part in extra]
    return ("markdown", "**Read this before the numbers.**\n\n" + "\n".join(bullets))

# ------------------------------------------------------------------------------ notebook 1
NB1 = [
    md("""
    # Is the western direction fully covered? (belarus-2021)

    On 12 September 2021 Belarus's president said that the western direction was "completely
    blocked" by S-300 systems, and that S-400s were wanted for the southern border with Ukraine.
    An analyst or a journalist checking that claim against public reporting wants to know:
    **how much of the west is covered, at which target altitudes, where the gaps are, and which
    site carries the most weight.**

    This notebook answers with the `coverage` Python API on the built-in notional scenario
    `belarus-2021`. Every figure quoted below is computed in a cell and printed; the prose only
    says how to read it.
    """),
    caveats(NOTIONAL_BUILTIN, CAVEATS, """
    - "West" is the **sector zone**: the part of Belarus whose nearest foreign border is Poland,
      Lithuania or Latvia. `west_belt` is the part within the scenario's `belt_km` of that
      border (printed with the assumptions below).
    """),
    code("""
    %matplotlib inline
    import dataclasses

    import matplotlib.pyplot as plt
    import pandas as pd
    from pyproj import Geod

    from adcov import Scenario, analyze
    from adcov.profile import altitude_profile, crossovers
    from adcov.render.plots import plot_profile

    pd.set_option("display.precision", 3)
    pd.set_option("display.width", 120)
    """),
    md("""
    ## The deployment

    The 2021 scenario holds the S-300PS battalions reported near Brest, Grodno, in the Polotsk
    district, at Minsk and Volozhin, and Tor-M2 point defence at Baranovichi and the Ostrovets
    nuclear power plant. Where two battalions were reported at one place, one site is modelled,
    so overlap depth is a lower bound. The variant of the S-300s around Minsk is not stated in
    the sources and is assumed to be the S-300PS, like the others; a longer-range variant from
    the catalog (`adcov systems`) would cover more.
    """),
    code("""
    scenario = Scenario.builtin("belarus-2021")
    print(scenario.name)
    sites = pd.DataFrame([
        {"site": s.name, "system": s.system.id, "lon": s.lon, "lat": s.lat,
         "max_range_km": s.system.max_range_km, "min_range_km": s.system.min_range_km,
         "ceiling_m": s.system.max_altitude_m, "floor_m": s.system.min_altitude_m,
         "antenna_height_m": s.effective_antenna_height_m}
        for s in scenario.sites])
    sites
    """),
    md("""
    ## One call computes everything

    `analyze` builds every site's geodesic envelope at each of the scenario's target altitudes,
    clips the union to Belarus, splits the country into sector zones by the nearest neighbour,
    and tabulates coverage, depth, gaps and border coverage. The result carries its assumptions.
    """),
    code("""
    result = analyze(scenario)
    print(result)
    for key in ("terrain", "refraction", "altitude_reference", "depth"):
        print(f"{key:>18}: {result.assumptions[key]}")
    print(f"{'k_factor':>18}: {result.assumptions['k_factor']:.4f}")
    print(f"{'belt_km':>18}: {result.assumptions['belt_km']:g}")
    print(f"{'min_gap_km2':>18}: {result.assumptions['min_gap_km2']:g}")
    print(f"{'sectors':>18}: {result.assumptions['sectors']}")
    """),
    md("""
    ## Coverage of each direction, per target altitude

    `covered_fraction` is the share of a sector zone's area inside at least one envelope;
    `border_covered_fraction` is the share of that sector's border line that is covered. A
    "completely blocked" direction would read 100 % in both. Read the columns for the west
    first, then compare with the south and east.
    """),
    code("""
    sectors = result.zones[result.zones.zone_kind == "sector"]
    order = ["west", "south", "east"]

    def percent(column):
        return sectors.pivot(index="altitude_m", columns="zone", values=column)[order] * 100

    sector_table = pd.concat({"zone covered [%]": percent("covered_fraction"),
                              "border covered [%]": percent("border_covered_fraction")}, axis=1)
    sector_table.round(1)
    """),
    md("""
    The west in detail: `mean_depth` is the mean number of envelopes over a point of the zone,
    `depth2_km2` the area inside at least two, `gap_count` and `largest_gap_km2` the connected
    uncovered parts (larger than the scenario's `min_gap_km2`), `forward_reach_km` how far
    coverage reaches into Poland, Lithuania and Latvia. The belt column is the strip along the
    border (`belt_km` wide), where a "blocked" direction would matter first.
    """),
    code("""
    zones = result.zones.set_index(["zone", "altitude_m"])
    west = zones.loc["west"]
    west_detail = west[["covered_fraction", "border_covered_fraction", "mean_depth", "depth2_km2",
                        "gap_count", "largest_gap_km2", "forward_reach_km"]].copy()
    west_detail.insert(1, "belt_covered_fraction", zones.loc["west_belt", "covered_fraction"])
    west_detail.round(3)
    """),
    code("""
    west_area = west.area_km2.iloc[0]
    lowest = west.index.min()
    best_alt = west.covered_fraction.idxmax()
    print(f"West zone: {west_area:,.0f} km2, border line with POL, LTU, LVA "
          f"{west.border_km.iloc[0]:,.0f} km.")
    print(f"Best covered at {best_alt:g} m: {west.covered_fraction.max():.1%} of the zone, "
          f"{west.border_covered_fraction[best_alt]:.1%} of the border line; "
          f"{west_area * (1 - west.covered_fraction.max()):,.0f} km2 open.")
    print(f"At {lowest:g} m: {west.covered_fraction[lowest]:.1%} of the zone, "
          f"{west.border_covered_fraction[lowest]:.1%} of the border line.")
    for zone in ("south", "east"):
        z = zones.loc[zone]
        print(f"{zone:>5}: best {z.covered_fraction.max():.1%} (at {z.covered_fraction.idxmax():g} m)")
    """),
    md("""
    ## Where the gaps are

    `result.gaps` holds every connected uncovered part of each zone, ranked by area. Below, the
    largest gap of the west at each altitude, with a point inside it and the nearest site. The
    small gaps of one identical size around the long-range sites are the **dead zones** inside
    the missiles' minimum range, directly over the batteries; the large ones are the open
    country between sites.
    """),
    code("""
    geod = Geod(ellps="WGS84")
    west_gaps = result.gaps[result.gaps.zone == "west"]
    rows = []
    for rec in west_gaps[west_gaps["rank"] == 1].itertuples():
        p = rec.geometry.representative_point()
        dist_km = {s.name: geod.inv(s.lon, s.lat, p.x, p.y)[2] / 1000 for s in scenario.sites}
        nearest = min(dist_km, key=dist_km.get)
        rows.append({"altitude_m": rec.altitude_m,
                     "gaps": int(west.gap_count[rec.altitude_m]),
                     "largest_gap_km2": rec.area_km2,
                     "share_of_west": rec.area_km2 / west_area,
                     "point_inside": f"{p.y:.2f} N, {p.x:.2f} E",
                     "nearest_site": nearest, "nearest_site_km": dist_km[nearest]})
    gap_table = pd.DataFrame(rows).set_index("altitude_m")
    gap_table.round(3)
    """),
    code("""
    for alt, g in gap_table.iterrows():
        print(f"{alt:>7g} m: largest western gap {g.largest_gap_km2:,.0f} km2 "
              f"({g.share_of_west:.0%} of the zone), around {g.point_inside}, "
              f"{g.nearest_site_km:.0f} km from {g.nearest_site}")
    """),
    md("""
    ## Which site matters most in the west?

    `result.sites` gives each site's `unique_km2`, the area only it covers, but over the whole
    country. For the west alone, run `analyze` again without each site in turn (a scenario is a
    frozen dataclass, so `dataclasses.replace` gives the variant): what the west zone loses is
    the area of the west that only that site covers.
    """),
    code("""
    def unique_in_zone(scenario, base, zone):
        \"\"\"km2 of `zone` covered by each site alone: the zone's loss without that site.\"\"\"
        covered = base.zones[base.zones.zone == zone].set_index("altitude_m").covered_km2
        loss = {}
        for site in scenario.sites:
            rest = tuple(s for s in scenario.sites if s.name != site.name)
            without = analyze(dataclasses.replace(scenario, sites=rest))
            left = without.zones[without.zones.zone == zone].set_index("altitude_m").covered_km2
            loss[site.name] = covered - left
        return pd.DataFrame(loss).T

    unique_west = unique_in_zone(scenario, result, "west")
    unique_west.round(0)
    """),
    code("""
    for alt in unique_west.columns:
        top = unique_west[alt].idxmax()
        print(f"{alt:>7g} m: {top} alone covers {unique_west.loc[top, alt]:,.0f} km2 of the west "
              f"({unique_west.loc[top, alt] / west_area:.1%} of the zone)")
    region_unique = result.sites.pivot(index="site", columns="altitude_m", values="unique_km2")
    print("\\nFor comparison, unique km2 over the whole country at", best_alt, "m:")
    print(region_unique[best_alt].sort_values(ascending=False).round(0).to_string())
    """),
    md("""
    ## Altitude profile: why low flyers get through

    The zone table has only the scenario's few altitudes; the profile samples many, on a log
    scale from near the ground to the highest ceiling. Below a system's **crossover altitude** its envelope is limited by the
    radar horizon (it grows with target altitude); above it, by the missile's slant range. The
    dotted lines mark the crossovers, and the lower panel shows how many envelopes are in each
    regime. Where a zone's curve peaks, and how it falls off above the peak (a higher target is
    farther away in slant range, so the same missile reaches less ground, and above a ceiling
    the envelope is empty), is printed below the plot.
    """),
    code("""
    profile = altitude_profile(scenario, points=20)
    cross = crossovers(scenario)
    fig = plot_profile(profile, title=f"{scenario.name}: covered share per zone", crossover=cross)
    plt.show()
    cross
    """),
    code("""
    west_profile = profile[profile.zone == "west"].set_index("altitude_m").covered_fraction
    s300 = cross.set_index("system").crossover_altitude_m["S-300PS"]
    print(f"West zone over {west_profile.index.min():g}-{west_profile.index.max():g} m: "
          f"lowest {west_profile.min():.1%}, peak {west_profile.max():.1%} at {west_profile.idxmax():g} m.")
    print(f"S-300PS (antenna {cross.set_index('system').antenna_height_m['S-300PS']:g} m) turns "
          f"range-limited above about {s300:.0f} m; below that the radar horizon sets the ring.")
    print(f"At the top of the profile ({west_profile.index.max():g} m) the west is "
          f"{west_profile.iloc[-1]:.1%} covered.")
    """),
    md("""
    ## The map

    `result.map()` returns a self-contained folium map (Leaflet inlined, so it works offline;
    `tiles="none"` draws no base map). Switch the target altitude with the buttons top right;
    the gaps are pink and dashed, the panel holds the zone table for the shown altitude, and the
    site popups say what limits each ring.
    """),
    code("""
    result.map(tiles="none")
    """),
    md("""
    ## Verdict

    The cell below states the answer from the numbers: the highest share of the west zone and of
    its border line covered at any altitude, in the zone table and in the profile. If it stays
    below 100 %, the "completely blocked" western direction is not what the reported 2021
    deployment gives, under the generous assumptions of this model (no terrain, town-level
    positions). The gap table shows where the open country is, and the per-site table which
    battery the west could least afford to lose.
    """),
    code("""
    best_zone = max(west.covered_fraction.max(), west_profile.max())
    best_border = west.border_covered_fraction.max()
    fully = best_zone >= 1.0
    print(f"Highest covered share of the west zone at any altitude: {best_zone:.1%}")
    print(f"Highest covered share of the western border line:       {best_border:.1%}")
    print("Western direction fully covered at some altitude:", "yes" if fully else "no")
    most = unique_west[best_alt].idxmax()
    print(f"Site the west depends on most (at {best_alt:g} m): {most}")

    # What the prose above relies on (the test suite runs this notebook):
    assert west.covered_fraction[lowest] < west.covered_fraction.max()  # low flyers see less
    assert west_profile.idxmax() > s300  # the peak is above the S-300PS crossover
    """),
]

# ------------------------------------------------------------------------------ notebook 2
NB2 = [
    md("""
    # What the southern S-400 sites change (belarus-2021 against belarus-2023)

    In 2021 Belarus asked for S-400s "for the southern direction". By 2023 public reporting
    placed S-400 sites at **Luninets** near the Ukrainian border, around **Zyabrovka** in the
    Gomel region, and Belarus's own battalion at **Novokolosovo**. An analyst following the
    southern border wants to know: **how much of the south do they cover, at which target
    altitudes, which of them matters most, and what stays open?**

    This notebook compares the built-in notional scenarios `belarus-2021` and `belarus-2023`
    with `adcov.analysis.compare`. Figures are computed and printed in the cells.
    """),
    caveats(NOTIONAL_BUILTIN, CAVEATS, """
    - Whether the Russian S-400s seen at Luninets and Zyabrovka in 2022 stayed is **not
      established**; they are kept as reported. Novokolosovo's coordinates are **unverified**.
    - Each S-400 site is modelled twice at one place, with the 40N6 and the 48N6DM envelope.
    """),
    code("""
    %matplotlib inline
    import dataclasses

    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import shapely

    from adcov import Scenario, analyze
    from adcov.analysis import compare
    from adcov.profile import altitude_profile, crossovers, profile_altitudes

    pd.set_option("display.precision", 3)
    pd.set_option("display.width", 120)
    """),
    md("""
    ## What was added

    The 2023 scenario keeps every 2021 site; the new ones are below.
    """),
    code("""
    s2021 = Scenario.builtin("belarus-2021")
    s2023 = Scenario.builtin("belarus-2023")
    old = {s.name for s in s2021.sites}
    added = pd.DataFrame([
        {"site": s.name, "system": s.system.id, "lon": s.lon, "lat": s.lat,
         "max_range_km": s.system.max_range_km, "ceiling_m": s.system.max_altitude_m,
         "antenna_height_m": s.effective_antenna_height_m}
        for s in s2023.sites if s.name not in old])
    print(f"{len(s2021.sites)} sites in 2021, {len(s2023.sites)} envelopes in 2023 "
          f"({len(added)} added, at {added[['lon', 'lat']].drop_duplicates().shape[0]} places)")
    """),
    md("""
    `analyze` both, and `compare` them. The zone geometries of the result include each sector's
    border line, so the distance from each new place to the Ukrainian border is a geodesic
    distance to the nearest vertex of that line.
    """),
    code("""
    from pyproj import Geod

    result_2021 = analyze(s2021)
    result_2023 = analyze(s2023)
    table = compare(result_2021, result_2023)
    a, b = result_2021.scenario.label, result_2023.scenario.label
    delta = f"{b} - {a}"
    print(table.scenario.unique().tolist())

    geod = Geod(ellps="WGS84")
    zg = result_2023.zone_geometries
    ukr_border = zg[zg.zone == "south_border"].geometry.iloc[0]
    bx, by = np.concatenate([np.asarray(line.coords) for line in shapely.get_parts(ukr_border)]).T

    def km_to_ukraine(lon, lat):
        return geod.inv(np.full(bx.shape, lon), np.full(bx.shape, lat), bx, by)[2].min() / 1000

    added["km_to_UKR_border"] = [km_to_ukraine(x, y) for x, y in zip(added.lon, added.lat)]
    added.round(1)
    """),
    md("""
    ## The south, per target altitude

    `compare` returns both zone tables and their difference (2023 minus 2021) row by row. For
    the south sector zone (the part of Belarus nearest to Ukraine): the covered share of the
    zone and of its border line with Ukraine, the largest gap, and `forward_reach_km`, how far
    beyond the border coverage reaches into Ukraine.
    """),
    code("""
    south = table[table.zone == "south"]

    def by_scenario(column, scale=1.0):
        return south.pivot(index="altitude_m", columns="scenario", values=column)[[a, b, delta]] * scale

    south_table = pd.concat({
        "zone covered [%]": by_scenario("covered_fraction", 100),
        "border covered [%]": by_scenario("border_covered_fraction", 100),
        "largest gap [km2]": by_scenario("largest_gap_km2"),
        "reach into UKR [km]": by_scenario("forward_reach_km"),
    }, axis=1)
    south_table.round(1)
    """),
    code("""
    cf = by_scenario("covered_fraction")
    bf = by_scenario("border_covered_fraction")
    south_area = south.area_km2.iloc[0]
    print(f"South zone: {south_area:,.0f} km2, border with Ukraine {south.border_km.iloc[0]:,.0f} km.")
    for alt in cf.index:
        print(f"{alt:>7g} m: {cf.loc[alt, a]:6.1%} -> {cf.loc[alt, b]:6.1%} of the zone "
              f"({cf.loc[alt, delta] * 100:+.1f} points); border {bf.loc[alt, a]:6.1%} -> "
              f"{bf.loc[alt, b]:6.1%}")
    """),
    md("""
    The other directions gain too, because a long-range missile does not stop at a sector line:
    the change of every sector zone at each altitude, in percentage points.
    """),
    code("""
    change = table[(table.scenario == delta) & (table.zone_kind == "sector")]
    (change.pivot(index="altitude_m", columns="zone", values="covered_fraction")[["west", "south", "east"]]
     * 100).round(1)
    """),
    md("""
    ## Which sites add the most in the south?

    The per-site table (`result.sites`) gives each **envelope's** unique area over the whole
    country. With two missiles at one place, the shorter 48N6DM ring never reaches beyond the
    40N6 ring, and where both are horizon-limited the two rings coincide: either envelope alone
    then looks dispensable. Depth counts envelopes, not batteries. The fair question is what the
    south loses without a whole **place**: run `analyze` again without every envelope there. Only
    places with an envelope reaching into the south zone at some altitude can matter, so only
    those are tried.
    """),
    code("""
    per_envelope = result_2023.sites[result_2023.sites.system.str.startswith("S-400")]
    per_envelope.pivot(index="site", columns="altitude_m", values="unique_km2").round(0)
    """),
    code("""
    def place(site):
        return site.name.split(" (")[0]

    south_zone = zg[zg.zone == "south"].geometry.iloc[0]
    env = result_2023.envelopes
    reaching = sorted({place(s) for s in s2023.sites
                       if env[env.site == s.name].intersects(south_zone).any()})
    print("places reaching the south zone:", ", ".join(reaching))

    south_covered = result_2023.zones[result_2023.zones.zone == "south"].set_index("altitude_m").covered_km2
    loss = {}
    for name in reaching:
        rest = tuple(s for s in s2023.sites if place(s) != name)
        without = analyze(dataclasses.replace(s2023, sites=rest))
        left = without.zones[without.zones.zone == "south"].set_index("altitude_m").covered_km2
        loss[name] = south_covered - left
    # Removing a place cannot add coverage: clip the overlay's floating-point noise (-1e-9 km2).
    unique_south = pd.DataFrame(loss).T.clip(lower=0.0)
    alts = list(unique_south.columns)
    unique_south["new in 2023"] = [name not in {place(s) for s in s2021.sites} for name in unique_south.index]
    unique_south.sort_values(1000.0, ascending=False).round(0)
    
    """),
    code("""
    for alt in alts:
        top = unique_south[alt].idxmax()
        km2 = unique_south.loc[top, alt]
        if km2 < 1.0:
            print(f"{alt:>7g} m: no single place matters: the south keeps its coverage without any one")
        else:
            print(f"{alt:>7g} m: without {top} the south loses {km2:,.0f} km2 "
                  f"({km2 / south_area:.1%} of the zone)")
    """),
    md("""
    ## The comparison map

    With `compare=`, the map shows per altitude what 2023 covers and 2021 does not (green) and
    the reverse (red), and the panel gives each zone's change.
    """),
    code("""
    result_2023.map(compare=result_2021, tiles="none")
    """),
    md("""
    ## Both profiles for the south

    The same altitude grid for both scenarios, from near the ground to the highest ceiling, on
    one axis.
    The dotted lines are the crossover altitudes: below them an envelope is limited by the radar
    horizon, so a long-range missile on a mast of a few tens of metres reaches no farther than a
    short-range one against a low target.
    """),
    code("""
    grid = profile_altitudes(s2023, points=18)
    south_profiles = {}
    for sc in (s2021, s2023):
        p = altitude_profile(sc, altitudes_m=grid)
        south_profiles[sc.path.stem] = p[p.zone == "south"].set_index("altitude_m").covered_fraction

    cross = crossovers(s2023)
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    for label, series in south_profiles.items():
        ax.plot(series.index, series * 100, marker="o", ms=3, label=f"south zone, {label}")
    ax.fill_between(grid, south_profiles[a] * 100, south_profiles[b] * 100, alpha=0.15,
                    label="added by the 2023 sites")
    for rec in cross[cross.crossover_altitude_m.between(grid.min(), grid.max())].itertuples():
        ax.axvline(rec.crossover_altitude_m, color="0.5", lw=0.8, ls=":")
        ax.text(rec.crossover_altitude_m, 101, rec.system, rotation=90, fontsize=7, va="bottom",
                ha="center", color="0.35")
    ax.set_xscale("log")
    ax.set_xlim(grid.min(), grid.max())
    ax.set_ylim(0, 100)
    ax.set_xlabel("target altitude above the radar's ground [m] (log scale)")
    ax.set_ylabel("south zone covered [%]")
    ax.set_title(f"Southern direction: {a} against {b}", pad=72)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    plt.show()
    cross
    """),
    code("""
    p23 = south_profiles[b]
    near_full = p23[p23 >= 0.95]
    low = p23.index.min()
    print(f"{b}: south zone {p23[low]:.1%} covered at {low:g} m, peak {p23.max():.1%}.")
    if len(near_full):
        print(f"{b}: at least 95 % of the south from {near_full.index.min():g} m up to "
              f"{near_full.index.max():g} m.")
    print(f"{a}: south zone never above {south_profiles[a].max():.1%}.")
    """),
    md("""
    ## What the numbers say

    The printed figures answer the question. The reported S-400 places turn the southern
    direction from almost bare into largely covered **from about a kilometre up**; the per-place
    table shows which single place carries most of that. At the lowest altitudes the radar
    horizon, not the missile, sets the ring (an S-400 on its mast then reaches no farther than
    the S-300PS), so the gain is far smaller there, and with terrain masking (not modelled) it
    would be smaller still. The last cell checks these qualitative statements against the
    computed tables.
    """),
    code("""
    gain = cf[delta]
    print(f"Largest gain in the south: {gain.max() * 100:+.1f} points at {gain.idxmax():g} m; "
          f"smallest: {gain.min() * 100:+.1f} points at {gain.idxmin():g} m.")

    # What the prose above relies on (the test suite runs this notebook):
    low_alt = cf.index.min()
    assert old <= {s.name for s in s2023.sites}             # 2023 keeps every 2021 site
    assert (gain >= 0).all()                                # nothing was removed in 2023
    assert gain[low_alt] < gain.max()                       # the gain is smallest near the ground
    assert cf[a].max() < 0.1                                # 2021: almost bare
    assert cf.loc[cf.index >= 1000, b].min() > 0.9          # 2023: largely covered from 1 km up
    low = result_2023.sites[result_2023.sites.altitude_m == low_alt].set_index("system")
    assert set(low.loc[["S-400/40N6", "S-400/48N6DM"], "limited_by"]) == {"horizon"}
    assert np.isclose(low.outer_km["S-400/40N6"].max(), low.outer_km["S-300PS"].max(), rtol=1e-3)
    s400 = result_2023.sites[result_2023.sites.system.str.startswith("S-400/48N6DM")]
    assert (s400.unique_km2 < 1.0).all()                    # 48N6DM inside 40N6 at one place
    """),
]

# ------------------------------------------------------------------------------ notebook 3
NB3 = [
    md("""
    # Bring your own scenario

    You have your own list of sites (from a spreadsheet, a GIS layer or a report) and perhaps a
    system that is not in the catalog. This notebook shows the whole round trip with the Python
    API:

    1. write a sites CSV and a scenario TOML with a custom system,
    2. validate the files (and see what a broken file reports),
    3. load and analyze the scenario, with tables, the altitude profile and the map,
    4. export to GeoPackage and KML for QGIS or Google Earth, and read the GeoPackage back.

    The scenario is **notional and invented for this tutorial**: a southern screen of sites at
    town centroids in the Gomel and Brest regions, with a made-up medium-range system. It does
    not describe any reported deployment. Every file goes to a temporary directory.
    """),
    caveats(NOTIONAL_OWN, CAVEATS),
    code("""
    %matplotlib inline
    import tempfile
    from pathlib import Path

    import matplotlib.pyplot as plt
    import pandas as pd
    import pyogrio

    from adcov import Scenario, analyze, validate_file
    from adcov.render.export import write
    from adcov.profile import altitude_profile, crossovers
    from adcov.render.plots import plot_profile

    pd.set_option("display.precision", 3)
    pd.set_option("display.width", 120)

    tmp = tempfile.TemporaryDirectory(prefix="adcov-byo-")
    workdir = Path(tmp.name)
    print("writing to", workdir)
    """),
    md("""
    ## 1. The sites file

    One row per site; columns are named like the scenario keys. Required: `name`, `system`,
    `lon`, `lat` (WGS84 degrees). Optional: `antenna_height_m` (overrides the system's radar
    height), `azimuth_deg` and `sector_width_deg` (a site covering only a sector must give its
    centre azimuth, clockwise from north), `source`, `notes`. `system` is a catalog id
    (`adcov systems` lists them) or a system defined in the scenario file.
    """),
    code("""
    sites_csv = \"\"\"name,system,lon,lat,antenna_height_m,azimuth_deg,sector_width_deg,source,notes
    Mozyr,Notional-MR,29.25,52.05,,,,notional,town centroid; invented for the tutorial
    Pinsk,Notional-MR,26.10,52.11,,180,180,notional,"sector site facing south, 180 degrees wide"
    Stolin,Notional-MR,26.85,51.89,30,,,notional,"on a 30 m mast, overriding the system's 12 m"
    Gomel,Buk-M3,30.98,52.44,,,,notional,catalog system
    Rechitsa,Tor-M2,30.39,52.36,,,,notional,point defence
    \"\"\"
    (workdir / "sites.csv").write_text(sites_csv, encoding="utf-8")
    pd.read_csv(workdir / "sites.csv")
    """),
    md("""
    ## 2. The scenario file, with a custom system

    `[systems."Notional-MR"]` defines a system that is not in the catalog: a new system must
    give all five numeric fields (`max_range_km`, `min_range_km`, `max_altitude_m`,
    `min_altitude_m`, `antenna_height_m`); `sector_width_deg` and the text fields are optional.
    Giving only some fields for an existing catalog id overrides those fields instead.
    `sites_file` is read relative to the scenario file.
    """),
    code("""
    scenario_toml = \"\"\"
    name = "Southern screen (NOTIONAL tutorial scenario)"
    description = "Invented for the bring-your-own-scenario notebook; not a reported deployment."
    region = "BLR"
    altitudes_m = [50, 300, 1000, 5000, 12000]
    sites_file = "sites.csv"

    [systems."Notional-MR"]
    name = "Notional medium-range SAM"
    family = "Notional"
    max_range_km = 90
    min_range_km = 3
    max_altitude_m = 20000
    min_altitude_m = 10
    antenna_height_m = 12
    \"\"\"
    scenario_path = workdir / "south-screen.toml"
    scenario_path.write_text(scenario_toml, encoding="utf-8")
    print(scenario_path.read_text(encoding="utf-8"))
    """),
    md("""
    ## 3. Validate first

    `validate_file` returns **every** problem in a scenario, as a list (empty when the file is
    valid); `Scenario.from_file` raises the first one. Each problem names the file, the entry
    and the value, so a long sites file can be fixed in one pass.
    """),
    code("""
    problems = validate_file(scenario_path)
    print("problems:", problems)
    """),
    md("""
    A deliberately broken copy: a misspelt key, a minimum range above the maximum, a latitude
    out of range and an unknown system id.
    """),
    code("""
    broken_dir = workdir / "broken"
    broken_dir.mkdir()
    (broken_dir / "sites.csv").write_text(
        sites_csv.replace("29.25,52.05", "29.25,152.05").replace("Tor-M2", "Tor-M9"),
        encoding="utf-8")
    (broken_dir / "south-screen.toml").write_text(
        scenario_toml.replace("min_range_km = 3", "min_range_km = 300")
                     .replace("region =", "regoin =", 1),
        encoding="utf-8")
    broken_problems = validate_file(broken_dir / "south-screen.toml")
    print(f"{len(broken_problems)} problems found:")
    for p in broken_problems:
        print(" -", p.one_line().replace(str(workdir), "<tmp>"))
    """),
    md("""
    ## 4. Load and analyze
    """),
    code("""
    scenario = Scenario.from_file(scenario_path)
    result = analyze(scenario)
    print(result)
    custom = next(s.system for s in scenario.sites if s.system.id == "Notional-MR")
    print(custom.id, custom.max_range_km, custom.min_range_km, custom.max_altitude_m,
          custom.min_altitude_m, custom.antenna_height_m)
    print("cited as:", sorted({c.reference.title for c in custom.sources}))
    """),
    md("""
    Coverage of each sector zone per altitude. The screen is built for the south, so the south
    column is the one to read; the per-site table says what limits each ring (`horizon`,
    `range`, `ceiling` or `floor`) and how much only that site covers.
    """),
    code("""
    sectors = result.zones[result.zones.zone_kind == "sector"]
    (sectors.pivot(index="altitude_m", columns="zone", values="covered_fraction")[["west", "south", "east"]]
     * 100).round(1)
    """),
    code("""
    result.sites.pivot(index="site", columns="altitude_m", values="limited_by")
    """),
    code("""
    result.sites.pivot(index="site", columns="altitude_m", values="unique_km2").round(0)
    """),
    code("""
    south = result.zones[result.zones.zone == "south"].set_index("altitude_m")
    best = south.covered_fraction.idxmax()
    print(f"{scenario.name}: south zone best covered at {best:g} m "
          f"({south.covered_fraction[best]:.1%}, border line {south.border_covered_fraction[best]:.1%}); "
          f"at {south.index.min():g} m {south.covered_fraction.iloc[0]:.1%}.")
    """),
    md("""
    ## 5. Altitude profile

    Where does the screen stop working for low flyers? The crossover altitude of each system
    (and antenna height) is where its ring stops growing with the target's altitude.
    """),
    code("""
    profile = altitude_profile(scenario, points=20)
    cross = crossovers(scenario)
    fig = plot_profile(profile, title=scenario.name, crossover=cross)
    plt.show()
    cross
    """),
    md("""
    ## 6. Export for GIS

    `adcov.export.write` picks the format from the extension and writes the file whole or
    not at all. GeoPackage and KML carry the same layers: sites, envelopes, coverage unions
    (depth 1, 2, 3), gaps, zones and the border lines. Below, the GeoPackage's layers are read
    back with `pyogrio` and their features counted.
    """),
    code("""
    gpkg = write(result, workdir / "south-screen.gpkg")
    kml = write(result, workdir / "south-screen.kml")
    layers = pyogrio.list_layers(gpkg)
    counts = pd.DataFrame(
        [{"layer": name, "geometry_type": gtype,
          "features": pyogrio.read_info(gpkg, layer=name)["features"]} for name, gtype in layers])
    print(f"{gpkg.name}: {gpkg.stat().st_size / 1e6:.2f} MB; {kml.name}: {kml.stat().st_size / 1e6:.2f} MB")
    counts
    """),
    code("""
    sites_back = pyogrio.read_dataframe(gpkg, layer="sites")
    print(sites_back[["name", "system", "antenna_height_m", "sector_width_deg", "max_range_km"]].to_string(index=False))
    kml_text = kml.read_text(encoding="utf-8")
    print("KML placemarks:", kml_text.count("<Placemark>"))
    """),
    md("""
    ## 7. The map
    """),
    code("""
    result.map(tiles="none")
    """),
    md("""
    ## Checks

    What the prose above relies on: the valid file has no problems, the broken one reports
    each of its mistakes, every export layer is in the GeoPackage, and the sites read back are
    the sites written.
    """),
    code("""
    assert problems == []
    assert len(broken_problems) >= 4, broken_problems
    assert [name for name, _ in layers] == ["sites", "envelopes", "unions", "gaps", "zones", "borders"]
    assert len(sites_back) == len(scenario.sites)
    assert "Notional" in sites_back.family.tolist()
    print("all checks passed")
    """),
    md("""
    Finally, remove the temporary directory. Skip this cell to keep the files and open the
    GeoPackage in QGIS or the KML in Google Earth.
    """),
    code("""
    tmp.cleanup()
    print("removed", workdir, "- exists:", workdir.exists())
    """),
]

NOTEBOOKS = {
    "01-western-direction.ipynb": NB1,
    "02-southern-s400.ipynb": NB2,
    "03-bring-your-own-scenario.ipynb": NB3,
}


def build(name: str, cells) -> dict:
    """An nbformat 4.5 notebook without outputs, with stable cell ids."""
    stem = name.removesuffix(".ipynb").split("-", 1)[0]
    out = []
    for i, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"nb{stem}-{i:02d}", "metadata": {},
                "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        out.append(cell)
    return {"cells": out, "metadata": METADATA, "nbformat": 4, "nbformat_minor": 5}


def render(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook differs from this script")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = NOTEBOOK_DIR / name
        text = render(build(name, cells))
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print("wrote", path.relative_to(ROOT))
    if stale:
        print("out of date (run python tools/make_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
