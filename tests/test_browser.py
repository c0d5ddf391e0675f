"""What a reader sees, in headless Chromium: the coverage report of a crawled demo web
(charts drawn, numbers equal to the database, every link a stored article, nothing wider
than an A4 page on screen or in print, a PDF) and the Datasette home page of `serve`.

Needs selenium and Debian's chromium and chromium-driver (`scripts/ensure-chromium.sh`,
run by `make test`); skips with the reason when they are missing, and fails under CI.
The checks that need no browser (the report's size and speed, `serve` being read-only)
are in test_end_to_end.py and test_serve.py. Set NEWSWATCH_SCREENSHOTS=DIR to keep the
screenshots.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sqlite3
import subprocess
import zlib
from pathlib import Path

import pytest
from prereq import need
from runner import crawl_demo_web, serving
from runner import newswatch as run_newswatch

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
A4_WIDTH = 794  # CSS pixels of an A4 page at 96 dpi
A4_PRINTABLE = 703  # 210 mm less the report's 12 mm side margins

try:
    from selenium import webdriver
except ImportError:
    webdriver = None
need(webdriver is not None, "selenium", "pip install -e '.[dev]' (make install)")
need(CHROMIUM.exists() and CHROMEDRIVER.exists(), f"{CHROMIUM} or {CHROMEDRIVER}",
     "`make test` runs scripts/ensure-chromium.sh to install them (apt-get install chromium chromium-driver)")


def newswatch(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return run_newswatch(*args, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo web crawled into a fresh database, and its report written by the CLI."""
    tmp = tmp_path_factory.mktemp("browser")
    crawl = crawl_demo_web(tmp, db_name="demo.db")
    db = crawl.db
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    report = newswatch("report", "--db", str(db), "--out", str(tmp / "report"), "--title", "Demo coverage")
    assert report.returncode == 0, report.stderr
    return {"db": db, "report": tmp / "report" / "report.html", "tmp": tmp}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with an empty profile and no background networking (no internet here)."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def set_viewport(driver, width: int, height: int = 1100) -> None:
    """Resize so the page's viewport (not the window frame) is `width` CSS pixels wide."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return window.innerWidth")
    if inner != width:
        driver.set_window_size(2 * width - inner, height)


def keep(name: str, png: bytes) -> None:
    folder = os.environ.get("NEWSWATCH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(png)


def png_pixels(png: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Decode an 8-bit RGB(A) PNG (what Chromium writes) into pixels, without Pillow."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8 and body[9] in (2, 6), "only 8-bit RGB/RGBA"
            channels = 3 if body[9] == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw, stride = zlib.decompress(idat), width * channels
    previous, pixels = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, channels)
        pixels += [tuple(line[x:x + 3]) for x in range(0, stride, channels)]
        previous = line
    return width, height, pixels


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 2:
            line[i] = (line[i] + up) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
    return line


def ink(pixels: list[tuple[int, ...]]) -> float:
    """Share of pixels that are not (near) white: 0 for a blank image."""
    return sum(1 for p in pixels if min(p) < 235) / max(len(pixels), 1)


def stored(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# ---- the report -------------------------------------------------------------------


def test_report_charts_are_drawn(demo, browser):
    set_viewport(browser, A4_WIDTH)
    browser.get(demo["report"].as_uri())
    charts = browser.find_elements("css selector", "svg.chart")
    assert [c.get_attribute("data-chart") for c in charts] == ["weekly", "outlets", "languages"]
    cases = stored(demo["db"], "select count(distinct entry) from mentions m join articles a on a.id = m.article_id "
                               "where a.relevant = 1 and m.kind != 'supporting'")[0][0]
    for chart in charts:
        box = browser.execute_script("const r = arguments[0].getBoundingClientRect();"
                                     "return {w: r.width, h: r.height, x: r.x, bars: arguments[0]"
                                     ".querySelectorAll('rect').length}", chart)
        assert 600 <= box["w"] <= A4_WIDTH - 2 * box["x"] + 1 and box["h"] >= 40, box
        png = chart.screenshot_as_png
        keep(f"chart-{chart.get_attribute('data-chart')}.png", png)
        width, height, pixels = png_pixels(png)
        assert abs(width - box["w"]) <= 2 and abs(height - box["h"]) <= 2, (width, height, box)
        assert 0.01 < ink(pixels) < 0.6, "the chart is drawn (neither blank nor a solid block)"
        assert len(set(pixels)) >= 4
    weekly = browser.execute_script("return arguments[0].querySelectorAll('text[font-weight=\"600\"]').length",
                                    charts[0])
    assert weekly == cases, "one panel per documentary / featured person"


def test_report_numbers_match_the_database(demo, browser):
    browser.get(demo["report"].as_uri())
    shown = browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('[data-number]')]"
        ".map(e => [e.dataset.number, e.querySelector('b').textContent.trim()]))")
    db = demo["db"]
    relevant, stories, outlets = stored(db, "select count(*), count(distinct coalesce(cluster_id, id)), "
                                            "count(distinct outlet) from articles where relevant = 1")[0]
    kinds = dict(stored(db, "select outlet_kind, count(*) from articles where relevant = 1 group by 1"))
    assert relevant > 20, "the demo web has relevant coverage"
    assert shown == {"articles": str(relevant), "stories": str(stories), "copies": str(relevant - stories),
                     "outlets": str(outlets),
                     **{f"kind-{k}": str(n) for k, n in kinds.items()}}
    rows = browser.execute_script("return document.querySelectorAll('table.articles tbody tr').length")
    assert rows == relevant


def test_every_report_link_points_at_a_stored_article_or_its_archived_copy(demo, browser):
    browser.get(demo["report"].as_uri())
    hrefs = browser.execute_script("return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    relevant = stored(demo["db"], "select id, url, canonical_url, title from articles where relevant = 1")
    urls = {u for _id, url, canonical, _title in relevant for u in (url, canonical)}
    copies = {f"archive/{article_id}.html" for article_id, *_ in relevant}
    assert hrefs and not [h for h in hrefs if h not in urls | copies]
    assert copies <= set(hrefs), "every relevant article links its page as fetched"
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)")
    assert resources == [], "the report loads nothing: no font, script, stylesheet or image"


def test_an_archived_copy_opens_from_the_report(demo, browser):
    """The [archived] link opens the page as the outlet served it, from the folder beside the
    report (the demo web is no longer served)."""
    article_id, title = stored(demo["db"], "select id, title from articles where relevant = 1 order by id")[0]
    browser.get(demo["report"].as_uri())
    browser.find_element("css selector", f"a[href='archive/{article_id}.html']").click()
    assert browser.current_url.endswith(f"/archive/{article_id}.html")
    assert title in browser.execute_script("return document.querySelector('h1').textContent")


def test_report_fits_an_a4_page_on_screen_and_in_print(demo, browser):
    set_viewport(browser, A4_WIDTH)
    browser.get(demo["report"].as_uri())
    keep("report-a4.png", browser.get_screenshot_as_png())
    width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == A4_WIDTH, width
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        set_viewport(browser, A4_PRINTABLE)
        overflow = browser.execute_script(
            "const w = document.documentElement.clientWidth; return [document.documentElement.scrollWidth, w,"
            "[...document.querySelectorAll('table, svg, .story, .numbers')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1).length]")
        assert overflow[0] <= overflow[1] and overflow[2] == 0, overflow
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    pdf = base64.b64decode(browser.print_page(options))
    (demo["tmp"] / "report.pdf").write_bytes(pdf)
    pages = re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert pdf.startswith(b"%PDF") and len(pages) >= 2
    assert all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in pages), "A4 pages"


# ---- Datasette --------------------------------------------------------------------


@pytest.fixture
def served(demo):
    """`newswatch serve` over a copy of the crawled demo database."""
    db = demo["tmp"] / "served.db"
    shutil.copy(demo["db"], db)
    with serving(db) as base:
        yield {"base": base, "db": db, "name": db.stem}


def test_datasette_home_page_shows_the_tables(served, browser):
    set_viewport(browser, 1200, 900)
    browser.get(served["base"] + "/")
    png = browser.get_screenshot_as_png()
    keep("datasette-home.png", png)
    _width, _height, pixels = png_pixels(png)
    assert 0.02 < ink(pixels) < 0.9 and len(set(pixels)) > 10, "the page is drawn"
    text = browser.find_element("tag name", "body").text
    assert "newswatch: press coverage" in text and served["name"] in text
    for table in ("articles", "mentions"):
        assert table in text
    browser.get(f"{served['base']}/{served['name']}")
    text = browser.find_element("tag name", "body").text
    for query in ("Coverage by case", "Coverage by outlet", "New this week", "Syndicated copies of a story"):
        assert query in text
    browser.get(f"{served['base']}/{served['name']}/coverage_by_case")
    keep("datasette-coverage-by-case.png", browser.get_screenshot_as_png())
    assert "Dawn Jackson" in browser.find_element("tag name", "body").text
