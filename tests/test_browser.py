"""The interactive map in a real browser: Debian's chromium, headless, network off, file:// URLs.

Acceptance: the built-in scenario's map, written by ``adcov map``, loads from a file with no
JavaScript error and no request but the file itself (with ``--tiles none``), draws one envelope
per non-empty envelope at the shown altitude and one marker per place, and its altitude buttons
and layer checkboxes change what is drawn and the zone table shown. Expected numbers are computed
here from the analysis (``adcov.envelope.envelopes``, ``Result.zones``), not read from the map.
User text must appear literally (popup, panel, document title) and never as markup.

Issue 10 (maps a reader cannot misread), at 1400x900, 1280x657 and 500x717: no control covers
the region on the first view (its bounding box from the borders data, not from the map); the
panel and legend collapse, collapsed by default on narrow windows and inside frames; every
marker opens and every site's popup is reached; badges carry names in full and overlap no
other badge or sector label; coordinates read with hemispheres within +-180; the legend lists
every layer drawn, in the colour it is drawn in; titles name both sides; offline, places orient.

One browser serves the whole module. Without chromium, chromedriver or selenium the tests FAIL
(they are the CI acceptance check); set ADCOV_SKIP_BROWSER=1 to skip them instead. Set
ADCOV_UPDATE_DOCS=1 to copy the screenshots to docs/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from adcov import Scenario, analyze, envelopes

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--window-size=1400,900")
WIDTH, HEIGHT = 1400, 900
TILE_URL = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")
HOSTILE_SITE = "<img src=x onerror=alert(1)>"
HOSTILE_SYSTEM = "<img src=x onerror=alert(3)>"
HOSTILE_SCENARIO = "<script>alert(2)</script>"
WHATIF_SITE = "name=Mozyr,system=S-400/40N6,lon=29.25,lat=52.05"
LAYERS = {  # checkbox data-kind -> what it draws
    "envelopes": "path.adcov-envelope", "union": "path.adcov-union",
    "depth2": "path.adcov-depth2", "depth3": "path.adcov-depth3", "gaps": "path.adcov-gap",
    "dead_zones": "path.adcov-dead-zone", "sites": ".adcov-site",
    "sectors": "path.adcov-sector", "places": ".adcov-city",
}
SIZES = ((1400, 900), (1280, 657), (500, 717))
#: Belarus's neighbours (DESIGN.md 3.3) and their names as the borders data give them.
NEIGHBOURS = {"POL": "Poland", "LTU": "Lithuania", "LVA": "Latvia", "UKR": "Ukraine",
              "RUS": "Russia"}


# --------------------------------------------------------------------------- fixtures
def _find(name: str, default: str) -> str | None:
    if Path(default).exists():
        return default
    return shutil.which(name)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """One headless chromium for the module; network emulated offline, 1400x900 viewport."""
    skip = os.environ.get("ADCOV_SKIP_BROWSER") == "1"
    problems = []
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        problems.append(f"selenium is not installed ({exc}); pip install selenium")
    chromium, chromedriver = _find("chromium", CHROMIUM), _find("chromedriver", CHROMEDRIVER)
    if chromium is None:
        problems.append(f"no chromium ({CHROMIUM} or on PATH); apt-get install chromium")
    if chromedriver is None:
        problems.append(f"no chromedriver ({CHROMEDRIVER} or on PATH); "
                        "apt-get install chromium-driver")
    if problems:
        msg = "browser tests cannot run: " + "; ".join(problems)
        if skip:
            pytest.skip(msg + " (ADCOV_SKIP_BROWSER=1)")
        pytest.fail(msg + ". Set ADCOV_SKIP_BROWSER=1 to skip them.", pytrace=False)

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    try:
        d.set_page_load_timeout(60)
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                           "mobile": False})
        yield d
    finally:
        d.quit()


def _hostile_toml() -> str:
    q = lambda s: json.dumps(s)  # noqa: E731 - JSON strings are TOML basic strings
    return "\n".join([
        f"name = {q(HOSTILE_SCENARIO)}", 'region = "BLR"', "altitudes_m = [1000, 20000]", "",
        f"[systems.{q(HOSTILE_SYSTEM)}]", f"name = {q('<svg onload=alert(4)>')}",
        "max_range_km = 60", "min_range_km = 3", "max_altitude_m = 25000",
        "min_altitude_m = 10", "antenna_height_m = 20", "",
        "[[sites]]", f"name = {q(HOSTILE_SITE)}", f"system = {q(HOSTILE_SYSTEM)}",
        "lon = 27.56", "lat = 53.90", f"source = {q('<b onmouseover=alert(5)>src</b>')}", "",
        "[[sites]]", f"name = {q('<b>bold</b> & co')}", 'system = "Tor-M2"',
        "lon = 30.20", "lat = 55.19", ""])


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    """The maps under test, written by the CLI (in parallel: about 3 s in all)."""
    d = tmp_path_factory.mktemp("maps")
    hostile = d / "hostile.toml"
    hostile.write_text(_hostile_toml(), encoding="utf-8")
    fiji = d / "fiji.toml"
    fiji.write_text('name = "Fiji"\nregion = "FJI"\naltitudes_m = [1000]\n'
                    '[[sites]]\nname = "East"\nsystem = "Tor-M2"\nlon = -179.9\nlat = -16.5\n',
                    encoding="utf-8")
    jobs = {
        "none": ["map", "belarus-2023", "--tiles", "none"],
        "b21": ["map", "belarus-2021", "--tiles", "none"],
        "osm": ["map", "belarus-2023"],
        "hostile": ["map", str(hostile), "--tiles", "none"],
        "compare": ["map", "belarus-2021", "--compare", "belarus-2023", "--tiles", "none"],
        "both": ["map", "belarus-2023", "--detection-outlines", "--tiles", "none"],
        "fiji": ["map", str(fiji), "--tiles", "none"],
        "whatif": ["whatif", "belarus-2021", "--add", WHATIF_SITE, "--tiles", "none",
                   "-o", str(d / "whatif.csv"), "--map"],
    }
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = {k: subprocess.Popen([sys.executable, "-m", "adcov", *args,
                                  *([] if k == "whatif" else ["-o"]), str(d / f"{k}.html")],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
             for k, args in jobs.items()}
    out = {}
    for k, p in procs.items():
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, f"adcov map {' '.join(jobs[k])}: {stderr}"
        out[k] = d / f"{k}.html"
    return out


@dataclass
class Expected:
    """What the belarus-2023 map should show, from the analysis."""

    scenario: Scenario
    zones: object  # Result.zones
    envelope_count: dict  # altitude -> non-empty envelopes
    places: dict  # (lat, lon) -> names of the sites there

    def table(self, altitude):
        return self.zones[self.zones.altitude_m == altitude]

    def gap_count(self, altitude):
        return int(self.table(altitude).gap_count.iloc[0])


def places_of(sc) -> dict:
    out = {}
    for s in sc.sites:
        out.setdefault((round(s.lat, 4), round(s.lon, 4)), []).append(s.name)
    return out


@pytest.fixture(scope="module")
def expected():
    sc = Scenario.builtin("belarus-2023")
    counts = {h: sum(not e.empty for e in envelopes(sc.sites, h, k_factor=sc.k_factor))
              for h in sc.altitudes_m}
    return Expected(sc, analyze(sc).zones, counts, places_of(sc))


# --------------------------------------------------------------------------- helpers
@dataclass
class Page:
    url: str
    log: list  # browser log entries
    requests: list  # URLs requested, Chromium's own chrome:// and data: left out

    def severe(self):
        return [e for e in self.log if e["level"] == "SEVERE"]


def load(driver, path: Path) -> Page:
    """Open a map from its file with the network off; return its log and its requests."""
    driver.get_log("browser"), driver.get_log("performance")  # drop what came before
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1,
                            "uploadThroughput": -1})
    url = path.resolve().as_uri()
    driver.get(url)
    deadline = time.monotonic() + 20
    while driver.execute_script("return document.readyState") != "complete":
        assert time.monotonic() < deadline, "the page did not finish loading"
        time.sleep(0.05)
    time.sleep(0.3)  # let late log entries arrive
    log = driver.get_log("browser")
    reqs = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            u = msg["params"]["request"]["url"]
            if not u.startswith(("chrome://", "data:")):
                reqs.append(u)
    return Page(url, log, reqs)


def count(driver, selector: str) -> int:
    return driver.execute_script("return document.querySelectorAll(arguments[0]).length",
                                 selector)


def panel_rows(driver) -> list[list[str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-panel tbody tr'))"
        ".map(tr => Array.from(tr.cells).map(td => td.textContent));")


def shown_altitude(driver) -> str:
    return driver.execute_script("return document.body.getAttribute('data-adcov-altitude')")


def active_buttons(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-alt-btn.adcov-active'))"
        ".map(b => b.getAttribute('data-altitude'));")


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def expected_rows(zones) -> list[list[str]]:
    rows = []
    for r in zones.itertuples():
        gaps = str(r.gap_count) + (f" ({r.largest_gap_km2:,.0f} km²)" if r.gap_count else "")
        border = "" if r.border_covered_fraction != r.border_covered_fraction else \
            pct(r.border_covered_fraction)
        rows.append([r.zone, pct(r.covered_fraction), f"{r.mean_depth:.2f}", gaps, border])
    return rows


def union_bbox_area(driver) -> float:
    return driver.execute_script(
        "var p = document.querySelector('path.adcov-union'); if (!p) return 0;"
        "var b = p.getBBox(); return b.width * b.height;")


def assert_no_alert(driver):
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when there is none


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def screenshot(driver, path: Path, docs_name: str):
    data = driver.get_screenshot_as_png()
    path.write_bytes(data)
    assert png_size(data) == (WIDTH, HEIGHT)
    assert len(data) > 20_000, f"screenshot of {len(data)} bytes: a blank page?"
    if os.environ.get("ADCOV_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / docs_name)


def set_size(driver, width: int, height: int):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": False})


@pytest.fixture
def sized(driver):
    """The driver, with the default window size restored afterwards."""
    yield driver
    set_size(driver, WIDTH, HEIGHT)


def region_box(driver, iso3: str = "BLR") -> dict:
    """The region's bounding box in window pixels, from the borders data (not from the map)."""
    from adcov.borders import country_geometry

    x0, y0, x1, y1 = country_geometry(iso3).bounds
    return driver.execute_script(
        "var m = adcov.map, c = m.getContainer().getBoundingClientRect();"
        "var a = m.latLngToContainerPoint([arguments[1], arguments[0]]),"
        "    b = m.latLngToContainerPoint([arguments[3], arguments[2]]);"
        "return {x0: c.left + Math.min(a.x, b.x), y0: c.top + Math.min(a.y, b.y),"
        "        x1: c.left + Math.max(a.x, b.x), y1: c.top + Math.max(a.y, b.y)};",
        x0, y0, x1, y1)


def rects(driver, selector: str, visible_only: bool = True) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).filter(e => {"
        "  if (!arguments[1]) return true; var s = getComputedStyle(e);"
        "  var r = e.getBoundingClientRect();"
        "  return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;"
        "}).map(e => { var r = e.getBoundingClientRect();"
        "  return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,"
        "          text: e.textContent, cls: e.className}; });", selector, visible_only)


def overlaps(a: dict, b: dict) -> bool:
    return min(a["x1"], b["x1"]) > max(a["x0"], b["x0"]) and \
        min(a["y1"], b["y1"]) > max(a["y0"], b["y0"])


def data_of(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="adcov-data">(.*?)</script>',
                                text, re.S).group(1))


# --------------------------------------------------------------------------- acceptance
def test_builtin_map_offline_from_file(driver, maps, expected):
    page = load(driver, maps["none"])
    assert page.severe() == [], "JavaScript errors or failed loads"
    assert page.requests == [page.url], "requests other than the map file itself"
    assert driver.title == expected.scenario.name
    alt = float(shown_altitude(driver))
    assert alt == 1000.0  # the altitude closest to 1 km is shown first
    assert active_buttons(driver) == ["1000"]
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[alt]
    # One marker per place: the S-400's two missiles at one place share one.
    assert count(driver, ".adcov-site") == len(expected.places) == 10
    assert count(driver, ".leaflet-tile") == 0
    assert count(driver, "path.adcov-sector") == len(expected.scenario.sectors)
    assert count(driver, "path.adcov-gap") + count(driver, "path.adcov-dead-zone") == \
        expected.gap_count(alt)
    assert panel_rows(driver) == expected_rows(expected.table(alt))


def test_builtin_map_with_osm_tiles_only_requests_tiles(driver, maps, expected):
    page = load(driver, maps["osm"])
    others = [u for u in page.requests if u != page.url and not TILE_URL.match(u)]
    assert others == [], "requests other than the file and OSM tiles"
    assert any(TILE_URL.match(u) for u in page.requests), "no tile was even requested"
    not_tiles = [e for e in page.severe()
                 if not (e["source"] == "network" and TILE_URL.match(e["message"].split(" ")[0]))]
    assert not_tiles == [], "JavaScript errors or failed loads other than tiles"
    assert count(driver, "img.leaflet-tile") > 0
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[1000.0]
    assert count(driver, ".adcov-site") == len(expected.places)


def test_altitude_buttons_switch_layers_and_table(driver, maps, expected):
    load(driver, maps["none"])
    buttons = driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-alt-btn'))"
        ".map(b => b.getAttribute('data-altitude'));")
    assert [float(b) for b in buttons] == list(expected.scenario.altitudes_m)
    from selenium.webdriver.common.by import By

    seen_first_rows, union_area, counts = set(), {}, {}
    for value in buttons + [buttons[2]]:  # every altitude, then back to the first one shown
        driver.find_element(By.CSS_SELECTOR, f'.adcov-alt-btn[data-altitude="{value}"]').click()
        h = float(value)
        assert shown_altitude(driver) == value
        assert active_buttons(driver) == [value]
        counts[h] = count(driver, "path.adcov-envelope")
        assert counts[h] == expected.envelope_count[h], h
        assert count(driver, ".adcov-site") == len(expected.places)
        assert count(driver, "path.adcov-gap") + count(driver, "path.adcov-dead-zone") == \
            expected.gap_count(h)
        rows = panel_rows(driver)
        assert rows == expected_rows(expected.table(h)), h
        west = expected.table(h)
        west = west[west.zone == "west"].covered_fraction.iloc[0]
        assert [r[1] for r in rows if r[0] == "west"] == [pct(west)]
        seen_first_rows.add(tuple(rows[0]))
        union_area[h] = union_bbox_area(driver)
        alt_text = driver.execute_script(
            "return document.querySelector('.adcov-panel-alt').textContent")
        assert ("1 km" if h == 1000 else "") in alt_text
    assert len(seen_first_rows) > 1, "the first row of the table never changed"
    tor = sum(1 for s in expected.scenario.sites if s.system.max_altitude_m < 20000)
    assert tor == sum(1 for s in expected.scenario.sites if s.system.id == "Tor-M2") > 0
    assert counts[50.0] - counts[20000.0] == tor
    assert union_area[20000.0] > union_area[50.0] > 0


def test_layer_checkboxes_hide_and_show(driver, maps, expected):
    from selenium.webdriver.common.by import By

    load(driver, maps["none"])
    for kind, selector in LAYERS.items():
        box = driver.find_element(By.CSS_SELECTOR, f'input[data-kind="{kind}"]')
        assert box.is_selected(), kind
        before = count(driver, selector)
        assert before > 0, kind
        box.click()
        assert not box.is_selected()
        assert count(driver, selector) == 0, f"{kind} still drawn when unchecked"
        box.click()
        assert count(driver, selector) == before, f"{kind} not redrawn when checked again"
    # A hidden layer stays hidden across altitudes and comes back with the right altitude.
    gaps = driver.find_element(By.CSS_SELECTOR, 'input[data-kind="gaps"]')
    gaps.click()
    driver.find_element(By.CSS_SELECTOR, '.adcov-alt-btn[data-altitude="50"]').click()
    assert count(driver, "path.adcov-gap") == 0
    gaps.click()
    assert count(driver, "path.adcov-gap") + count(driver, "path.adcov-dead-zone") == \
        expected.gap_count(50.0) > 0
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[50.0]


def test_user_text_is_shown_literally_never_as_markup(driver, maps):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = load(driver, maps["hostile"])
    assert_no_alert(driver)
    assert page.severe() == []
    assert page.requests == [page.url], "an injected element made a request"
    assert driver.title == HOSTILE_SCENARIO
    title = driver.execute_script(
        "return document.querySelector('.adcov-panel .adcov-box-title').textContent")
    assert title == HOSTILE_SCENARIO
    driver.execute_script("window.__alerts = []; window.alert = function (m) {"
                          " window.__alerts.push(String(m)); };")
    markers = driver.find_elements(By.CSS_SELECTOR, ".adcov-site")
    assert len(markers) == 2
    target = [m for m in markers if m.get_attribute("title") == f"{HOSTILE_SITE} ({HOSTILE_SYSTEM})"]
    assert len(target) == 1, [m.get_attribute("title") for m in markers]
    badges = [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".adcov-badge")]
    assert HOSTILE_SITE in badges
    target[0].click()
    popup = WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))[0]
    time.sleep(0.3)  # an injected <img src=x> would fail and fire onerror by now
    text = popup.get_attribute("textContent")
    assert HOSTILE_SITE in text
    assert HOSTILE_SYSTEM in text and "<svg onload=alert(4)>" in text
    assert "<b onmouseover=alert(5)>src</b>" in text
    assert driver.execute_script("return window.__alerts") == []
    assert_no_alert(driver)
    # No element was made from user text: no image but Leaflet's tiles (none here), no
    # img[src=x], no inline event handler, no <b>/<svg>/<script> inside the map.
    assert count(driver, "img:not(.leaflet-tile)") == 0
    assert count(driver, 'img[src="x"]') == 0
    assert count(driver, "[onerror], [onload], [onmouseover]") == 0
    assert count(driver, ".leaflet-container b, .leaflet-container script") == 0
    assert count(driver, ".leaflet-popup svg") == 0
    legend = driver.execute_script(
        "return document.querySelector('.adcov-legend').textContent")
    assert HOSTILE_SYSTEM in legend  # the family of a custom system is its id
    logs = driver.get_log("browser")
    assert [e for e in logs if e["level"] == "SEVERE"] == []


# --------------------------------------------------------------------------- issue 10
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["b21", "none", "compare"])
def test_no_control_covers_the_region_on_the_first_view(sized, maps, name, size):
    set_size(sized, *size)
    page = load(sized, maps[name])
    assert page.severe() == []
    w, h = size
    box = region_box(sized)
    # Inside the window ...
    assert box["x0"] >= 0 and box["y0"] >= 0 and box["x1"] <= w and box["y1"] <= h, box
    # ... under no control (zoom buttons, altitude box, panel, legend, scale bar, attribution) ...
    controls = rects(sized, ".leaflet-control")
    assert len(controls) >= 5
    covering = [c["cls"] for c in controls if overlaps(box, c)]
    assert covering == [], f"{covering} cover the region at {w}x{h}"
    # ... and not lost in the window: at least a third of its width or height.
    assert (box["x1"] - box["x0"]) >= w / 3 or (box["y1"] - box["y0"]) >= h / 3, box
    # The shown altitude's coverage is in view too (the union outline's box, a few pixels of
    # tolerance for the outline's width).
    union = rects(sized, "path.adcov-union")
    assert union, "no union drawn"
    u = {k: min(r[k] for r in union) if k in ("x0", "y0") else max(r[k] for r in union)
         for k in ("x0", "y0", "x1", "y1")}
    assert u["x0"] >= -3 and u["y0"] >= -3 and u["x1"] <= w + 3 and u["y1"] <= h + 3, u
    # Narrow windows open with the panel and legend collapsed, wide ones with them open.
    collapsed = count(sized, ".adcov-panel.adcov-collapsed") + \
        count(sized, ".adcov-legend.adcov-collapsed")
    assert collapsed == (2 if w < 800 else 0)


def test_panel_and_legend_collapse_with_a_button(driver, maps):
    from selenium.webdriver.common.by import By

    load(driver, maps["none"])
    for box in (".adcov-panel", ".adcov-legend"):
        body = f"{box} .adcov-box-body"
        button = driver.find_element(By.CSS_SELECTOR, f"{box} .adcov-toggle")
        assert driver.find_element(By.CSS_SELECTOR, body).is_displayed()
        assert button.get_attribute("aria-expanded") == "true"
        button.click()
        assert not driver.find_element(By.CSS_SELECTOR, body).is_displayed()
        assert button.get_attribute("aria-expanded") == "false"
        # Collapsed, the box is a title bar: it still names the map (panel) and how to open it.
        assert "Show" in button.text
        button.click()
        assert driver.find_element(By.CSS_SELECTOR, body).is_displayed()


def test_collapsed_inside_a_notebook_frame(driver, maps, tmp_path):
    from selenium.webdriver.common.by import By

    host = tmp_path / "notebook.html"
    host.write_text(f'<!doctype html><html><body><iframe src="{maps["none"].resolve().as_uri()}" '
                    'width="960" height="600"></iframe></body></html>', encoding="utf-8")
    load(driver, host)
    driver.switch_to.frame(driver.find_element(By.TAG_NAME, "iframe"))
    try:
        deadline = time.monotonic() + 20
        while count(driver, ".adcov-panel") == 0:
            assert time.monotonic() < deadline, "the map in the frame did not load"
            time.sleep(0.1)
        assert count(driver, ".adcov-panel.adcov-collapsed") == 1
        assert count(driver, ".adcov-legend.adcov-collapsed") == 1
        box = region_box(driver)
        for c in rects(driver, ".leaflet-control"):
            assert not overlaps(box, c), c["cls"]
    finally:
        driver.switch_to.default_content()


def test_every_marker_opens_and_every_site_popup_is_reached(driver, maps, expected):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    load(driver, maps["none"])
    seen = []
    markers = driver.find_elements(By.CSS_SELECTOR, ".adcov-site")
    assert len(markers) == len(expected.places)
    for marker in markers:
        # A real click on the mark (not a script call): nothing may sit on top of it.
        marker.click()
        popup = WebDriverWait(driver, 5).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))[0]
        names = [e.get_attribute("textContent")
                 for e in popup.find_elements(By.CSS_SELECTOR, ".adcov-popup-title")]
        assert names, "an empty popup"
        # Every envelope at that place, in one popup.
        place = next(v for v in expected.places.values() if names[0] in v)
        assert names == place
        seen += names
        driver.execute_script("adcov.map.closePopup();")
        WebDriverWait(driver, 5).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))
    assert sorted(seen) == sorted(s.name for s in expected.scenario.sites)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["b21", "none"])
def test_badges_name_their_sites_in_full_and_overlap_nothing(sized, maps, name, size):
    set_size(sized, *size)
    load(sized, maps[name])
    sc = Scenario.builtin("belarus-2023" if name == "none" else "belarus-2021")
    badges = rects(sized, ".adcov-badge")
    assert len(badges) == len(places_of(sc))
    # The badge of a place names its sites (their common name where they share one, as
    # "Luninets" for "Luninets (40N6)" and "Luninets (48N6DM)").
    for names in places_of(sc).values():
        stem = re.sub(r"\s*\([^()]*\)$", "", names[0])
        assert any(b["text"] == (names[0] if len(names) == 1 else stem) for b in badges), names
    # Never truncated: the text fits its box.
    clipped = sized.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-badge'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent);")
    assert clipped == []
    labels = rects(sized, ".adcov-sector-label span")
    assert len(labels) == len(sc.sectors)
    for i, a in enumerate(badges):
        for b in badges[i + 1:]:
            assert not overlaps(a, b), (a["text"], b["text"])
        for s in labels:
            assert not overlaps(a, s), (a["text"], s["text"])


def test_coordinates_read_with_hemispheres_within_180(driver, maps):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    load(driver, maps["none"])
    box = driver.find_element(By.CSS_SELECTOR, ".adcov-coords")
    assert box.text == "" and not box.is_displayed(), "the pointer box shows before the pointer"

    def at(lat, lon):
        driver.execute_script("adcov.map.fire('mousemove', {latlng: L.latLng(arguments[0], "
                              "arguments[1]), containerPoint: L.point(1, 1)});", lat, lon)
        return box.text

    assert at(53.9, 27.56) == "53.9000° N, 27.5600° E"
    assert at(63.98, -22.6) == "63.9800° N, 22.6000° W"
    assert at(-33.86, 151.21) == "33.8600° S, 151.2100° E"
    # After panning across the antimeridian Leaflet reports 255.2; it is 104.8 degrees west.
    assert at(10.0, 255.2) == "10.0000° N, 104.8000° W"
    assert at(10.0, -190.0) == "10.0000° N, 170.0000° E"
    # A real pointer over the map shows a position of that form.
    ActionChains(driver).move_to_element(driver.find_element(By.ID, "map_adcov")).perform()
    assert re.fullmatch(r"\d+\.\d{4}° [NS], \d+\.\d{4}° [EW]", box.text), box.text


def test_positions_in_popups_are_within_180(driver, maps):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = load(driver, maps["fiji"])
    assert page.severe() == []
    driver.find_element(By.CSS_SELECTOR, ".adcov-site").click()
    popup = WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))[0]
    # The site at -179.9 is drawn at 180.1 (next to the rest of Fiji), and reads 179.9 W.
    assert "16.5000° S, 179.9000° W" in popup.get_attribute("textContent")
    assert "180.1" not in driver.find_element(By.TAG_NAME, "body").text


def test_legend_lists_every_layer_drawn_in_its_colour(driver, maps, expected):
    load(driver, maps["none"])
    legend = driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-legend-row')).map(r => {"
        "  var s = r.querySelector('.adcov-swatch'); var cs = s ? getComputedStyle(s) : null;"
        "  return {key: r.getAttribute('data-legend'), text: r.textContent,"
        "          fill: cs ? cs.backgroundColor : null, line: cs ? cs.borderTopColor : null}; });")
    keys = {r["key"] for r in legend}
    for kind in ("envelopes", "union", "depth2", "depth3", "gaps", "dead_zones", "sectors",
                 "sites", "places"):
        assert kind in keys, kind
    families = {"S-300", "S-400", "Tor"}  # of the scenario's systems: S-300PS, S-400, Tor-M2
    assert {k.split(":", 1)[1] for k in keys if k.startswith("family:")} == families
    sectors = set(expected.scenario.sectors)
    assert {k.split(":", 1)[1] for k in keys if k.startswith("sector:")} == sectors
    assert {k.split(":", 1)[1] for k in keys if k.startswith("border:")} == sectors
    # Each sector's border line is drawn in the colour its legend row shows.
    drawn = driver.execute_script(
        "var out = {}; adcov.map.eachLayer(function (l) {"
        "  if (l.feature && l._path && l._path.classList.contains('adcov-border'))"
        "    out[l.feature.properties.name] = getComputedStyle(l._path).stroke; });"
        "return out;")
    assert set(drawn) == sectors
    by_key = {r["key"]: r for r in legend}
    for name, color in drawn.items():
        assert by_key[f"border:{name}"]["line"] == color, name
    # The legend's text explains the border lines and the union.
    text = " ".join(r["text"] for r in legend)
    assert "border line" in text and "Union" in text and "Dead zone" in text


def test_compare_map_fills_only_gained_and_lost_and_names_both_sides(driver, maps):
    page = load(driver, maps["compare"])
    assert page.severe() == []
    assert page.requests == [page.url]
    data = data_of(maps["compare"])
    shown = data["altitudes"][data["meta"]["initial_index"]]
    assert count(driver, "path.adcov-gained") == len(shown["gained"]["features"]) > 0
    assert count(driver, "path.adcov-lost") == len(shown["lost"]["features"])
    assert count(driver, "path.adcov-depth2") == 0  # depth layers start hidden in a comparison
    # Envelopes are outlines: no fill, so that a stack of them never looks like "lost".
    fills = driver.execute_script(
        "return Array.from(document.querySelectorAll('path.adcov-envelope'))"
        ".map(p => p.getAttribute('fill'));")
    assert fills and set(fills) == {"none"}
    assert driver.title == "belarus-2021 vs belarus-2023"
    head = driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-panel thead th'))"
        ".map(th => th.textContent);")
    assert head[-1] == "Δ vs belarus-2021"
    legend = driver.execute_script("return document.querySelector('.adcov-legend').textContent")
    assert "Gained: belarus-2023 covers, belarus-2021 does not" in legend
    assert "Lost: belarus-2021 covers, belarus-2023 does not" in legend


def test_whatif_map_title_and_unsigned_zero_deltas(driver, maps):
    page = load(driver, maps["whatif"])
    assert page.severe() == []
    title = driver.execute_script(
        "return document.querySelector('.adcov-panel .adcov-box-title').textContent")
    assert title == driver.title == "belarus-2021 vs belarus-2021+Mozyr"
    base = analyze(Scenario.builtin("belarus-2021"))
    from adcov.cli.whatif import parse_site_spec

    more = analyze(Scenario.builtin("belarus-2021").with_sites(parse_site_spec(WHATIF_SITE, 1)))
    from selenium.webdriver.common.by import By

    zero = signed = 0
    for button in driver.find_elements(By.CSS_SELECTOR, ".adcov-alt-btn"):
        button.click()
        h = float(button.get_attribute("data-altitude"))
        za, zb = base.zones, more.zones
        for row in panel_rows(driver):
            a = za[(za.altitude_m == h) & (za.zone == row[0])].covered_fraction.iloc[0]
            b = zb[(zb.altitude_m == h) & (zb.zone == row[0])].covered_fraction.iloc[0]
            d = 100 * (b - a)
            if abs(d) < 0.05:
                assert row[-1] == "0.0 pp", (h, row)
                zero += 1
            else:
                assert row[-1] == f"{d:+.1f} pp", (h, row)
                signed += 1
    assert zero and signed  # both cases met (Mozyr changes the south, not the north-west belt)


def test_detection_outlines_beside_engagement_envelopes(driver, maps, expected):
    from dataclasses import replace

    page = load(driver, maps["both"])
    assert page.severe() == []
    sc = replace(expected.scenario, mode="detection")
    det = [e for e in envelopes(sc.sites, 1000.0, k_factor=sc.k_factor, mode="detection")
           if not e.empty]
    assert count(driver, "path.adcov-detection") == len(det) > 0
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[1000.0]
    dashes = driver.execute_script(
        "return Array.from(document.querySelectorAll('path.adcov-detection'))"
        ".map(p => [p.getAttribute('stroke-dasharray'), p.getAttribute('fill')]);")
    assert all(d and f == "none" for d, f in dashes)
    assert count(driver, 'input[data-kind="detection"]') == 1


@pytest.mark.parametrize("name", ["none", "osm"])
def test_places_orient_without_tiles(driver, maps, name):
    page = load(driver, maps[name])
    if name == "osm":  # offline: every tile fails, and the places come on
        time.sleep(0.5)
    visible = rects(driver, ".adcov-country-label span")
    countries = {r["text"] for r in visible}
    assert set(NEIGHBOURS.values()) <= countries, countries
    cities = {r["text"] for r in rects(driver, ".adcov-city-name")}
    capitals = {"Vilnius", "Riga", "Kyiv", "Warsaw", "Moscow"}
    assert len(cities & capitals) >= 3, cities
    # No context name hides under a control or sits on a badge.
    controls = rects(driver, ".leaflet-control")
    badges = rects(driver, ".adcov-badge")
    for r in visible + rects(driver, ".adcov-city-name"):
        assert not any(overlaps(r, c) for c in controls + badges), r["text"]
    assert page.url in page.requests


def test_screenshot_builtin_map(driver, maps, expected, tmp_path):
    page = load(driver, maps["none"])
    assert page.severe() == []
    assert count(driver, "path.adcov-envelope") == expected.envelope_count[1000.0]
    screenshot(driver, tmp_path / "map-belarus-2023.png", "map-belarus-2023.png")


def test_screenshot_compare_map(driver, maps, tmp_path):
    page = load(driver, maps["compare"])
    assert page.severe() == []
    screenshot(driver, tmp_path / "map-compare.png", "map-compare.png")


def test_terrain_shown_in_panel_and_popups(driver, tmp_path):
    """Issue 11, item 9: the panel says terrain was applied, from which DEM, and how much it
    hides at the shown altitude; the popup gives each envelope's share hidden and outside
    the DEM. A flat DEM at 0 m over the west half of a Tor-M2's ring: nothing hidden, half of
    the ring outside the DEM."""
    rasterio = pytest.importorskip("rasterio")
    import numpy as np
    from affine import Affine
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from adcov.render.maps import map_html

    step, n = 1 / 600, 1200
    dem = tmp_path / "west-half.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(step, 0, 25.56, 0, -step, 54.9)) as ds:
        ds.write(np.zeros((n, n), dtype="float32"), 1)
    scen = tmp_path / "t.toml"
    scen.write_text('terrain = "west-half.tif"\nname = "terrain"\nregion = "BLR"\n'
                    'altitudes_m = [1000]\n[[sites]]\nname = "A"\nsystem = "Tor-M2"\n'
                    'lon = 27.56\nlat = 53.90\n', encoding="utf-8")
    result = analyze(Scenario.from_file(scen))
    page_file = tmp_path / "terrain.html"
    page_file.write_text(map_html(result, tiles="none"), encoding="utf-8")
    page = load(driver, page_file)
    assert page.severe() == []
    panel = driver.execute_script("return document.querySelector('.adcov-terrain').textContent")
    assert panel.startswith(f"Terrain applied ({result.dem}).")
    assert "hides 0.0 % of the envelopes' smooth-Earth area" in panel
    assert "above the ground under the target" in driver.execute_script(
        "return document.querySelector('.adcov-panel-alt').textContent")
    driver.find_element(By.CSS_SELECTOR, ".adcov-site").click()
    popup = WebDriverWait(driver, 5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content"))[0]
    text = popup.get_attribute("textContent")
    assert "Terrainhides 0.0 % of the smooth-Earth envelope" in text
    outside = float(re.search(r"Outside the DEM([\d.]+) %", text).group(1))
    assert outside == pytest.approx(50.0, abs=2.0)


# --------------------------------------------------------------------------- maps at scale
def _scattered(n: int, path: Path, seed: int = 7) -> Path:
    """n sites scattered over Belarus (more than maps.PACK_ABOVE: the map is drawn for scale)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    systems = ["Tor-M2", "Buk-M2", "S-300PS", "Pantsir-S1"]
    lines = ['name = "scattered"', 'region = "BLR"', "altitudes_m = [300, 1000, 10000]", ""]
    for i in range(n):
        lines += ["[[sites]]", f'name = "s{i:04d} <b>"', f'system = "{systems[i % 4]}"',
                  f"lon = {rng.uniform(24.0, 31.5):.4f}", f"lat = {rng.uniform(51.6, 55.6):.4f}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scale_map(tmp_path_factory):
    from adcov.render.maps import PACK_ABOVE, map_html

    d = tmp_path_factory.mktemp("scale")
    n = PACK_ABOVE + 300
    res = analyze(Scenario.from_file(_scattered(n, d / "scattered.toml")))
    path = d / "scale.html"
    path.write_text(map_html(res, tiles="none"), encoding="utf-8")
    return path, res


def test_scale_map_draws_envelopes_on_a_canvas_and_clusters_marks(driver, scale_map):
    path, res = scale_map
    page = load(driver, path)
    assert page.severe() == [] and page.requests == [page.url]
    # Envelopes on one canvas, none as SVG; every envelope of the shown altitude drawn.
    assert count(driver, "canvas.adcov-envelope-canvas") == 1
    assert count(driver, "path.adcov-envelope") == 0
    shown = res.at(float(shown_altitude(driver)))
    drawn = driver.execute_script(
        "var n = 0; adcov.map.eachLayer(function (l) { if (l._packed) { n += l.drawn; } }); return n;")
    assert drawn == sum(not p.is_empty for p in shown.polygons)
    # Crowded marks are clustered: a cluster counts its sites; all sites counted once.
    clusters = driver.execute_script(
        "return Array.from(document.querySelectorAll('.adcov-cluster span')).map(s => +s.textContent);")
    singles = count(driver, ".adcov-site")
    assert clusters and singles + sum(clusters) <= len(res.scenario.sites)
    # The layers over the envelopes, the borders and the zones are still drawn in SVG.
    assert count(driver, "path.adcov-union") >= 1 and count(driver, "path.adcov-border") >= 1
    # Badges that are shown overlap nothing.
    badges = rects(driver, ".adcov-badge")
    for i, a in enumerate(badges):
        for b in badges[i + 1:]:
            assert not overlaps(a, b)


def test_scale_map_altitude_switch_and_cluster_click(driver, scale_map):
    path, res = scale_map
    load(driver, path)
    for button in driver.find_elements("css selector", ".adcov-alt-btn"):
        button.click()
        alt = float(shown_altitude(driver))
        assert alt == float(button.get_attribute("data-altitude"))
        drawn = driver.execute_script(
            "var n = 0; adcov.map.eachLayer(function (l) { if (l._packed) { n += l.drawn; } }); return n;")
        assert drawn == sum(not p.is_empty for p in res.at(alt).polygons)
    zoom = driver.execute_script("return adcov.map.getZoom()")
    driver.execute_script("document.querySelector('.adcov-cluster').click()")
    time.sleep(0.6)
    assert driver.execute_script("return adcov.map.getZoom()") > zoom
    # A single mark's popup names its site literally.
    driver.execute_script("adcov.map.setZoom(12, {animate: false})")
    time.sleep(0.2)
    marks = driver.find_elements("css selector", ".adcov-site")
    if marks:
        driver.execute_script("arguments[0].click()", marks[0])
        text = driver.execute_script("return document.querySelector('.leaflet-popup-content').textContent")
        assert "<b>" in text and count(driver, ".leaflet-popup-content b") == 0


# --------------------------------------------------------------------------- the hook
def test_uncertainty_bands_join_the_legend_and_follow_the_altitude(driver, tmp_path):
    """uncertainty_map.py adds its layer with window.adcov.addLayer: a checkbox in the legend,
    bands drawn for the shown altitude only, and an adcov:altitude event on every switch."""
    from adcov.render.uncertainty_map import uncertainty_map_html
    from adcov.uncertainty import run_uncertainty

    scen = tmp_path / "u.toml"
    scen.write_text('name = "u"\nregion = "BLR"\naltitudes_m = [300, 10000]\n\n'
                    '[[sites]]\nname = "Minsk"\nsystem = "Buk-M2"\nlon = 27.56\nlat = 53.9\n'
                    'position_sigma_km = 10\n', encoding="utf-8")
    sc = Scenario.from_file(scen)
    unc = run_uncertainty(sc, samples=3, seed=5, grid_km=20)
    path = tmp_path / "u.html"
    path.write_text(uncertainty_map_html(analyze(sc), unc, tiles="none"), encoding="utf-8")
    page = load(driver, path)
    assert page.severe() == []
    bands = unc.coverage_bands()

    def expected(alt):
        return len(bands[alt]["features"])

    box = driver.find_element("css selector", "input[data-kind='pcover']")
    legend = driver.execute_script(
        "return document.querySelector('.adcov-legend').textContent")
    assert "Probability of coverage" in legend and ">= 90 %" in legend
    driver.execute_script(
        "window.__alts = []; document.addEventListener('adcov:altitude', "
        "function (e) { window.__alts.push(e.detail.altitude_m); });")
    for button in driver.find_elements("css selector", ".adcov-alt-btn"):
        button.click()
        alt = float(button.get_attribute("data-altitude"))
        assert count(driver, "path.adcov-pcover") == expected(alt)
    # The map opens at 300 m: the first button changes nothing, the second announces 10 km.
    assert driver.execute_script("return window.__alts") == [10000]
    box.click()
    assert count(driver, "path.adcov-pcover") == 0
    box.click()
    assert count(driver, "path.adcov-pcover") == expected(10000.0)


def test_placement_layers_join_the_legend(driver, tmp_path):
    """optimize_map.py adds the candidate gains and the proposed sites with the same hook:
    checkboxes in the legend, one circle per candidate and per proposed site, drawn under the
    site badges, tooltips as text; no separate layer control."""
    from adcov.optimize import optimize
    from adcov.render.optimize_map import placement_map_html

    sc = Scenario.builtin("belarus-2021")
    p = optimize(sc, "S-400/40N6", zones="south", altitudes_m=1000, count=2, spacing_km=60,
                 grid_km=25)
    path = tmp_path / "p.html"
    path.write_text(placement_map_html(p, tiles="none"), encoding="utf-8")
    page = load(driver, path)
    assert page.severe() == []
    assert count(driver, ".leaflet-control-layers") == 0
    assert count(driver, "path.adcov-candidate") == len(p.candidates)
    assert count(driver, "path.adcov-proposed") == len(p.chosen)
    legend = driver.execute_script("return document.querySelector('.adcov-legend').textContent")
    assert "Candidate gains" in legend and "Proposed sites" in legend
    # Under the badges: the layer's pane is below the sites' pane.
    z = driver.execute_script(
        "var c = document.querySelector('path.adcov-candidate').closest('.leaflet-pane');"
        "var s = document.querySelector('.leaflet-adcov-sites-pane');"
        "return [Number(getComputedStyle(c).zIndex), Number(getComputedStyle(s).zIndex)];")
    assert z[0] < z[1], z
    box = driver.find_element("css selector", "input[data-kind='candidates']")
    box.click()
    assert count(driver, "path.adcov-candidate") == 0
    assert count(driver, "path.adcov-proposed") == len(p.chosen)
