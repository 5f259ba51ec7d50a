"""One colour per meaning (issue 10, item 1): every pair of colours that can appear on one map
differs by a CIEDE2000 colour difference of at least 10.

CIEDE2000 is implemented here from its definition (CIE 142-2001; G. Sharma, W. Wu, E. N. Dalal,
"The CIEDE2000 color-difference formula: implementation notes, supplementary test data, and
mathematical observations", Color Res. Appl. 30(1), 21-30, 2005, doi:10.1002/col.20070), apart
from any code of the project, and checked first on the 34 published test pairs of that paper
(its Table 1). sRGB is converted to CIELAB (D65, 2 degrees) by IEC 61966-2-1 and CIE 15.
"""

from __future__ import annotations

import itertools
import math

import pytest

from adcov.render import style

#: Sharma, Wu & Dalal (2005), Table 1: (L1, a1, b1), (L2, a2, b2), published dE00.
SHARMA_2005 = (
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
)

MIN_DELTA_E = 10.0


# --------------------------------------------------------------------------- colour science
def delta_e_2000(lab1, lab2) -> float:
    """CIEDE2000 with kL = kC = kH = 1, written from CIE 142-2001's equations."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25.0 ** 7)))
    ap1, ap2 = (1 + g) * a1, (1 + g) * a2
    cp1, cp2 = math.hypot(ap1, b1), math.hypot(ap2, b2)

    def hue(ap, b):
        return 0.0 if ap == 0 and b == 0 else math.degrees(math.atan2(b, ap)) % 360

    hp1, hp2 = hue(ap1, b1), hue(ap2, b2)
    dL, dC = L2 - L1, cp2 - cp1
    if cp1 * cp2 == 0:
        dh = 0.0
    else:
        dh = hp2 - hp1
        if dh > 180:
            dh -= 360
        elif dh < -180:
            dh += 360
    dH = 2 * math.sqrt(cp1 * cp2) * math.sin(math.radians(dh / 2))

    L_mean, cp_mean = (L1 + L2) / 2, (cp1 + cp2) / 2
    if cp1 * cp2 == 0:
        h_mean = hp1 + hp2
    elif abs(hp1 - hp2) <= 180:
        h_mean = (hp1 + hp2) / 2
    elif hp1 + hp2 < 360:
        h_mean = (hp1 + hp2 + 360) / 2
    else:
        h_mean = (hp1 + hp2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6))
         - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (L_mean - 50) ** 2 / math.sqrt(20 + (L_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dL / s_l) ** 2 + (dC / s_c) ** 2 + (dH / s_h) ** 2
                     + r_t * (dC / s_c) * (dH / s_h))


def srgb_to_lab(hex_color: str) -> tuple[float, float, float]:
    """CIELAB (D65 white, 2 degree observer) of an sRGB colour ``#rrggbb``."""
    h = hex_color.lstrip("#")
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    r, g, b = lin
    x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    white = (0.95047, 1.0, 1.08883)

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip((x, y, z), white))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


# --------------------------------------------------------------------------- the formula
@pytest.mark.parametrize("lab1, lab2, expected", SHARMA_2005)
def test_ciede2000_reproduces_the_published_test_pairs(lab1, lab2, expected):
    assert delta_e_2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert delta_e_2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("hex_color, lab", [
    ("#FFFFFF", (100.0, 0.0, 0.0)), ("#000000", (0.0, 0.0, 0.0)),
    # Published CIELAB of the sRGB primaries (D65): red 53.24/80.09/67.20, green 87.73/-86.18/
    # 83.18, blue 32.30/79.19/-107.86.
    ("#FF0000", (53.24, 80.09, 67.20)), ("#00FF00", (87.73, -86.18, 83.18)),
    ("#0000FF", (32.30, 79.19, -107.86)),
])
def test_srgb_to_lab_of_white_black_and_the_primaries(hex_color, lab):
    assert srgb_to_lab(hex_color) == pytest.approx(lab, abs=0.02)


# --------------------------------------------------------------------------- the palette
def _on_one_map() -> dict[str, str]:
    """Every colour that can appear on one map, by what it means."""
    out = {f"family {k}": v for k, v in style.FAMILY_COLORS.items()}
    out.update({f"spare {i}": v for i, v in enumerate(style.SPARE_COLORS)})
    out.update({f"role {k}": v for k, v in style.ROLE_COLORS.items()})
    out.update({f"sector {i}": v for i, v in enumerate(style.SECTOR_COLORS)})
    return out


def test_every_pair_of_map_colours_differs_by_at_least_10_delta_e00():
    colors = _on_one_map()
    close = []
    for (n1, c1), (n2, c2) in itertools.combinations(colors.items(), 2):
        d = delta_e_2000(srgb_to_lab(c1), srgb_to_lab(c2))
        if d < MIN_DELTA_E:
            close.append(f"{n1} {c1} / {n2} {c2}: {d:.1f}")
    assert close == []


def test_no_system_shares_a_colour_with_a_meaning():
    systems = set(style.FAMILY_COLORS.values()) | set(style.SPARE_COLORS)
    meanings = set(style.ROLE_COLORS.values()) | set(style.SECTOR_COLORS)
    assert not systems & meanings
    assert len(set(_on_one_map().values())) == len(_on_one_map())


def test_colours_on_a_map_are_distinct_from_the_white_page_and_the_neutral_land():
    # Envelope outlines and marks are drawn on white (no tiles) or a light grey neighbour fill.
    for name, c in _on_one_map().items():
        if name == "role neighbour":
            continue
        assert delta_e_2000(srgb_to_lab(c), srgb_to_lab("#FFFFFF")) >= MIN_DELTA_E, name


def test_family_palette_gives_unknown_families_distinct_spare_colours():
    pal = style.family_palette(["Custom-A", "Custom-B", "Custom-C", "S-400"])
    assert pal["S-400"] == style.FAMILY_COLORS["S-400"]
    spares = [pal[k] for k in ("Custom-A", "Custom-B", "Custom-C")]
    assert sorted(spares) == sorted(style.SPARE_COLORS)
