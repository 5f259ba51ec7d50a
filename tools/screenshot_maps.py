"""Screenshots of adcov maps in Debian's headless chromium, as a reader would meet them.

::

    python tools/screenshot_maps.py MAP.html [MAP.html ...] --out DIR [--size 1400x900 ...]
    python tools/screenshot_maps.py --docs      # the README's docs/map-*.png

``--docs`` writes the maps of the README's screenshots with ``adcov map`` (``--tiles none``,
so that nothing but the file is loaded) and saves them at 1400x900 as ``docs/map-belarus-2023.png``
and ``docs/map-compare.png``. The network is off in the browser (emulated offline).
Needs chromium, chromium-driver and selenium (``apt-get install chromium chromium-driver``,
``pip install selenium``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
#: The README's screenshots: docs file name -> ``adcov map`` arguments.
DOCS = {
    "map-belarus-2023.png": ["belarus-2023", "--tiles", "none"],
    "map-compare.png": ["belarus-2021", "--compare", "belarus-2023", "--tiles", "none"],
}


def browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def shoot(driver, page: Path, out: Path, width: int, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": False})
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1,
                            "uploadThroughput": -1})
    driver.get(page.resolve().as_uri())
    deadline = time.monotonic() + 30
    while driver.execute_script("return document.readyState") != "complete":
        if time.monotonic() > deadline:
            raise SystemExit(f"{page}: did not finish loading")
        time.sleep(0.05)
    time.sleep(0.5)
    out.write_bytes(driver.get_screenshot_as_png())
    print(f"{out} ({width}x{height})")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("maps", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--size", action="append", default=[],
                        help="WIDTHxHEIGHT (repeatable; default 1400x900)")
    parser.add_argument("--docs", action="store_true", help="remake the README's screenshots")
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split("x")) for s in (args.size or ["1400x900"])]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        driver = browser(tmp / "profile")
        try:
            if args.docs:
                for name, cmd in DOCS.items():
                    page = tmp / (Path(name).stem + ".html")
                    subprocess.run([sys.executable, "-m", "adcov", "map", *cmd, "-o", str(page)],
                                   check=True, cwd=ROOT)
                    shoot(driver, page, ROOT / "docs" / name, 1400, 900)
            args.out.mkdir(parents=True, exist_ok=True)
            for page in args.maps:
                for w, h in sizes:
                    shoot(driver, page, args.out / f"{page.stem}-{w}x{h}.png", w, h)
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
