"""Real-browser fixtures: Debian's /usr/bin/chromium driven by Playwright (never `playwright install`).

- `live_server`: this test's app served by werkzeug on loopback, in a thread (base URL string).
- `browser`: one Chromium per test session. `phone` (390x844, touch, DPR 3) and `tablet` (1024x768, touch)
  are fresh browser contexts per test.
- `axe(page)`: runs axe-core (WCAG 2.1 A/AA rules) in the page and returns the violations.

The test body and the server share the database. SQLite: the test body reads in deferred transactions
(it never blocks the server), but a transaction keeps its snapshot: call `db.session.commit()` before
reading what the browser just did.
"""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")
        for item in items:
            if "tests/browser/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    thread.join()


def _context(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(browser):
    context = _context(browser, viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                       has_touch=True)
    yield context
    context.close()


@pytest.fixture
def phone_no_js(browser):
    context = _context(browser, viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                       has_touch=True, java_script_enabled=False)
    yield context
    context.close()


@pytest.fixture
def tablet(browser):
    context = _context(browser, viewport={"width": 1024, "height": 768}, device_scale_factor=2, has_touch=True)
    yield context
    context.close()


def axe(page, tags=AXE_TAGS):
    """axe-core violations on the current page (evaluated as a string, so the page's strict CSP allows it)."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
