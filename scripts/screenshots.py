"""Screenshots of the home page, a 404, search results, the peer finder and the skills map for docs/screenshots/ (English and Arabic,
1280 and 360 px wide), taken by headless Chromium over the demo data.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Loads demo/ into a temporary data directory, serves it on 127.0.0.1 (a free port) and lets
Chromium (Debian's, driven by Selenium as in tests/ui) save each whole page, and the chart of
the skills map on its own; nothing else is touched.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = {
    "home": "/",
    "not-found": "/no-such-page",
    "search": "/search?q=wikidata",
    "skills-map": "/skills-map?territory=002",
    "skills-map-empty": "/skills-map?org=DE",
    "peers": "/peers?skill=115",
    "peers-learners": "/peers?skill=115&status=wanted",
}
WIDTHS = (1280, 360)
LANGUAGES = ("en", "ar")
MAX_HEIGHT = 5000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def browser(chromium: str, chromedriver: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def shoot(driver, url: str, width: int, target: Path, chart: Path | None) -> None:
    from selenium.webdriver.common.by import By

    driver.set_window_size(width, 900)
    driver.get(url)
    height = min(MAX_HEIGHT, driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, height)
    driver.save_screenshot(str(target))
    figures = driver.find_elements(By.CSS_SELECTOR, "figure.chart")
    if chart is not None and figures:
        figures[0].screenshot(str(chart))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    from werkzeug.serving import make_server

    from maarifa import wiring
    from maarifa.demo import load_demo
    from maarifa.settings import Settings

    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="maarifa-shots-") as tmp:
        settings = Settings.load({"data_dir": Path(tmp) / "data", "base_url": f"http://127.0.0.1:{port}"}, environ={})
        wiring.init_data_dir(settings)
        services = wiring.open_services(settings, "scripts/screenshots.py")
        driver = None
        try:
            for line in load_demo(services.store):
                print(line)
            print(f"search index: {services.search_sync.reindex()} documents")
            server = make_server("127.0.0.1", port, wiring.make_app(settings, services), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            driver = browser(args.chromium, args.chromedriver)
            for name, path in PAGES.items():
                for lang in LANGUAGES:
                    for width in WIDTHS:
                        target = args.out / f"{name}-{lang}-{width}.png"
                        chart = args.out / f"{name}-chart-{lang}-{width}.png" if name == "skills-map" else None
                        joiner = "&" if "?" in path else "?"
                        shoot(driver, f"http://127.0.0.1:{port}{path}{joiner}lang={lang}", width, target, chart)
                        print(target)
            server.shutdown()
        finally:
            if driver is not None:
                driver.quit()
            services.close()


if __name__ == "__main__":
    main()
