"""The main journeys in headless Chromium (Debian's /usr/bin/chromium, driven by Selenium), in
English and Arabic, with axe-core (npm) on every page, a keyboard-only pass through the search
page and a 360 px wide viewport. Screenshots go to ``test-artifacts/ui/``."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MAARIFA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MAARIFA_CHROMEDRIVER", "/usr/bin/chromedriver")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "ui"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# `make test` installs all three; a missing one is a failure, never a silent skip
if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
    pytest.fail("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)",
                pytrace=False)
if not AXE.exists():
    pytest.fail("needs axe-core from npm (npm ci)", pytrace=False)
from selenium import webdriver  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


class Pages:
    """A browser session on the live node, with axe checks and screenshots."""

    def __init__(self, driver, node, lang: str):
        self.driver, self.node, self.lang = driver, node, lang
        self.axe_source = AXE.read_text(encoding="utf-8")
        self.checked: list[str] = []

    def open(self, path: str):
        self.driver.get(self.node.base + path)
        return self

    def use_language(self):
        self.driver.delete_all_cookies()
        self.open(f"/locale?lang={self.lang}&next=/")
        assert self.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == self.lang.replace("_", "-")

    def axe(self, name: str) -> None:
        """axe-core on the page as it is: zero violations."""
        self.driver.execute_script(self.axe_source)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
            ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));", AXE_TAGS)
        self.checked.append(name)
        assert result == [], f"axe violations on {name} ({self.lang}): {result}"

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(ARTIFACTS / f"{name}-{self.lang}.png"))

    def check(self, name: str) -> None:
        self.shot(name)
        self.axe(name)
        if self.lang == "ar":
            assert self.driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"

    def h1(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text


def wait_url(browser, fragment: str, timeout: float = 15) -> str:
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(browser, timeout).until(lambda d: fragment in d.current_url)
    except Exception:
        pass
    return browser.current_url


def _pages(browser, node, lang):
    pages = Pages(browser, node, lang)
    browser.set_window_size(1280, 900)
    pages.use_language()
    return pages


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_search_to_asset(browser, node, lang):
    p = _pages(browser, node, lang)
    p.open("/").check("home")
    box = browser.find_element(By.ID, "q")
    box.send_keys("wikipedia")
    box.send_keys(Keys.ENTER)
    assert "/search" in wait_url(browser, "/search")
    assert browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    p.check("search")
    # a facet, without JavaScript: tick a box, apply
    browser.find_element(By.CSS_SELECTOR, "input[name=type][value=asset]").click()
    browser.find_element(By.CSS_SELECTOR, ".facets button[type=submit]").click()
    assert "type=asset" in wait_url(browser, "type=asset")
    p.check("search-filtered")
    first = browser.find_element(By.CSS_SELECTOR, ".hit h3 a")
    title = first.text
    first.click()
    assert "/asset/" in wait_url(browser, "/asset/") and p.h1() == title
    p.check("asset")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_peer_finder_to_person(browser, node, lang):
    p = _pages(browser, node, lang)
    p.open("/peers").check("peers")
    Select(browser.find_element(By.ID, "p-skill")).select_by_value("115")
    browser.find_element(By.CSS_SELECTOR, ".grid-form button[type=submit]").click()
    wait_url(browser, "skill=115")
    people = browser.find_elements(By.CSS_SELECTOR, ".person h3 a")
    assert people, "nobody found for skill 115"
    p.check("peers-results")
    name = people[0].text
    people[0].click()
    assert "/people/" in wait_url(browser, "/people/") and p.h1() == name
    p.check("person")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_trainer_issues_a_badge_and_the_public_page_verifies_it(browser, node, lang, ui):
    p = _pages(browser, node, lang)
    p.open("/trainer")
    assert "/login" in wait_url(browser, "/login")
    p.check("login")
    browser.find_element(By.ID, "username").send_keys(node.demo.accounts["trainer"])
    browser.find_element(By.ID, "password").send_keys(ui.PASSWORD + Keys.ENTER)
    assert wait_url(browser, "/trainer").rstrip("/").endswith("/trainer")
    p.check("trainer")
    recipient = node.demo.people["public"][5 if lang == "en" else 6]
    Select(browser.find_element(By.ID, "t-badge")).select_by_value(_badge_not_held(node, recipient))
    browser.find_element(By.ID, "t-user").send_keys(recipient)
    browser.find_element(By.CSS_SELECTOR, "form[action$='/trainer/issue'] button").click()
    if "/badges/verify/" not in wait_url(browser, "/badges/verify/"):  # held already from the demo's completions
        pytest.fail(browser.find_element(By.CSS_SELECTOR, ".message-error").text)
    award_url = browser.current_url
    # the public page, in a fresh anonymous session
    browser.delete_all_cookies()
    p.use_language()
    browser.get(award_url)
    status = browser.find_element(By.CSS_SELECTOR, ".status")
    assert "status-valid" in status.get_attribute("class")
    assert status.text.startswith("Verified" if lang == "en" else "موثَّقة")
    p.check("badge-verified")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_keyboard_only_search(browser, node, lang):
    p = _pages(browser, node, lang)
    p.open("/search?q=wikipedia")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip" and active.is_displayed()
    _assert_visible_focus(browser, active)
    active.send_keys(Keys.ENTER)
    reached, seen = {}, 0
    for _ in range(80):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        el = browser.switch_to.active_element
        seen += 1
        _assert_visible_focus(browser, el)
        if el.get_attribute("id") == "q":
            reached["q"] = True
        if "hit" in (browser.execute_script("return arguments[0].closest('.hit') ? 'hit' : ''", el) or ""):
            reached["hit"] = el
        if el.get_attribute("name") == "language" and el.get_attribute("type") == "checkbox":
            reached["facet"] = el
            break
    assert {"q", "hit", "facet"} <= set(reached), f"reached {sorted(reached)} in {seen} tabs"
    reached["facet"].send_keys(Keys.SPACE)  # tick a facet with the keyboard, then submit with Enter
    reached["facet"].send_keys(Keys.ENTER)
    assert "language=" in wait_url(browser, "language=")
    search = browser.find_element(By.ID, "q")
    search.clear()
    search.send_keys("commons" + Keys.ENTER)
    assert "q=commons" in wait_url(browser, "q=commons")
    p.shot("keyboard")


def _badge_not_held(node, username: str) -> str:
    from rdflib import URIRef

    person = URIRef(f"{node.services.store.base_url}/id/person/{username}")
    rows = node.services.store.select(
        "SELECT ?p ?slug WHERE { ?b a mf:BadgeClass ; mf:slug ?slug . "
        "FILTER NOT EXISTS { ?a mf:badge ?b ; mf:recipient ?p } } ORDER BY ?slug", p=person)
    assert rows, f"{username} holds every badge"
    return str(rows[0]["slug"])


def _assert_visible_focus(browser, element) -> None:
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.boxShadow];", element)
    assert style[0] != "none" and style[1] not in ("0px", ""), f"no visible focus on {element.tag_name}: {style}"


PAGES = ["/", "/search?q=commons", "/asset/enwiki-pear", "/pack/sources-and-plagiarism-discussion",
         "/training/evaluate-wikipedia-exercise-professional", "/skills", "/skill/115", "/peers?skill=115",
         "/skills-map?territory=KE", "/skills-map?territory=002", "/skills-map?org=DE",
         "/badge/about-wikimedia-commons", "/login", "/nowhere"]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_passes_axe_and_fits_360px(browser, node, lang, ui):
    p = _pages(browser, node, lang)
    person = node.demo.people["public"][0]
    award = re.search(r"/badges/verify/(\w+)", "\n".join(_recent_award_links(node)))
    extra = [f"/people/{person}"] + ([f"/badges/verify/{award.group(1)}"] if award else [])
    for width in (1280, 360):
        browser.set_window_size(width, 900)
        for path in PAGES + extra:
            p.open(path)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            p.shot(f"{name}-{width}")
            p.axe(f"{path} @ {width}px")
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px ({lang})"
    # the pages behind a login
    browser.set_window_size(1280, 900)
    p.open("/login")
    browser.find_element(By.ID, "username").send_keys(node.demo.accounts["admin"])
    browser.find_element(By.ID, "password").send_keys(ui.PASSWORD + Keys.ENTER)
    wait_url(browser, "/", 2)
    for path in ("/admin", "/trainer", f"/people/{node.demo.people['private'][0]}"):
        p.open(path)
        p.check(re.sub(r"[^a-z0-9]+", "-", path).strip("-"))
    browser.delete_all_cookies()


def _recent_award_links(node):
    rows = node.services.store.select("SELECT ?a WHERE { ?a a mf:Award ; mf:revoked false } LIMIT 1", access=("public",))
    return [f"/badges/verify/{str(r['a']).rsplit('/', 1)[-1]}" for r in rows]
