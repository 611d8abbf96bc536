"""Complete one patient visit in real Chromium at phone size and print what it cost the patient.

Run from the repository root: ``python bench/bench_survey_flow.py [--no-js] [--screenshots docs/screenshots]``.
It builds a throw-away SQLite database with the demo data (`flask demo`), issues a link for DEMO-004's month-3
visit (`flask invite`), serves the app on loopback and drives /usr/bin/chromium through Playwright (390x844,
touch). Printed: page loads, taps, answers, taps per answer, and the gzip size of HTML + CSS + JS for each
survey page type. With --screenshots it also saves one PNG per page type (device scale 1, full page) for
README.md, section The patient survey. Prints figures only; asserts nothing.
"""
import argparse
import gzip
import re
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from pro_app import create_app  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# What the bench taps: pt_global 6; HAQ items cycle 0..3; one aid and one help; pain and SHAQ marks.
NRS_VALUE = 6
VAS_MARKS = {"pain": 40, "intestinal": 20, "breathing": 30, "raynauds": 55, "finger_ulcers": 10, "overall": 60}
TICKS = {"aid_cane", "help_hygiene"}


def build_app(folder: Path):
    import flask_migrate

    config = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
              "SESSION_COOKIE_SECURE": False, "BASE_URL": "http://localhost", "TRUSTED_HOSTS": ["localhost"],
              "MESSAGE_CHANNEL_EMAIL": "console", "MESSAGE_CHANNEL_SMS": "console", "TESTING": True,
              "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        result = app.test_cli_runner().invoke(args=["demo", "--password", "bench-password-1"])
    assert result.exit_code == 0, result.output
    return app


def invite(app, patient="DEMO-004", visit="m3") -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["invite", patient, visit])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Walk:
    """One patient: counts page loads (main-frame load events), taps and answers, keeps each page's HTML."""

    def __init__(self, context, base, shots=None, js=True):
        self.page = context.new_page()
        self.base, self.shots, self.js = base, shots, js
        self.loads = self.taps = self.answers = 0
        self.html: dict[str, bytes] = {}
        self.page.on("load", lambda _page: self._loaded())
        self.page.on("response", self._response)

    def _loaded(self):
        self.loads += 1

    def _response(self, response):
        if response.request.resource_type == "document" and response.status == 200:
            path = re.sub(r"/s/[A-Za-z0-9_-]{20,}", "/s/<token>", response.url.split("?")[0])
            try:
                self.html.setdefault(page_type(path), response.body())
            except Exception:  # the body of a redirected document is not kept
                pass

    def tap(self, locator, **kwargs):
        locator.tap(**kwargs)
        self.taps += 1

    def shot(self, name):
        if self.shots:
            self.page.screenshot(path=str(self.shots / f"survey-{name}.png"), full_page=True)

    def run(self, link):
        page = self.page
        page.goto(link)
        self.shot("start")
        with page.expect_navigation():
            self.tap(page.locator(".button--start"))
        while "/s/check" not in page.url:
            self.answer_page()
        self.shot("check")
        with page.expect_navigation():
            self.tap(page.get_by_role("button", name="Send your answers"))
        self.shot("confirmation")

    def answer_page(self):
        page = self.page
        path = page.url.split("?")[0]
        for fieldset in page.locator("fieldset:has(.radios__input), fieldset:has(.nrs__input)").all():
            name = fieldset.locator("input[type=radio]").first.get_attribute("name")
            value = str(NRS_VALUE) if fieldset.locator(".nrs").count() else str(self.answers % 4)
            self.tap(fieldset.locator(f"#{name}-{value}"))
            self.answers += 1
        for code in TICKS:
            box = page.locator(f"#{code}")
            if box.count():
                self.tap(box)
        for vas in page.locator("[data-vas]").all():
            code = vas.get_attribute("data-vas")
            if self.js:
                track = page.locator(f"#{code}-track")
                box = track.bounding_box()
                self.tap(track, position={"x": box["width"] * VAS_MARKS[code] / 100, "y": box["height"] / 2})
            else:
                self.tap(page.locator(f"#{code}"))
                page.locator(f"#{code}").fill(str(VAS_MARKS[code]))
            self.answers += 1
        if path.endswith("/pt_global/1"):
            self.shot("nrs")
        elif path.endswith("/haq/1"):
            self.shot("haq-category")
        elif path.endswith("/haq/9"):
            self.shot("vas" if self.js else "vas-no-js")
        with page.expect_navigation():
            self.tap(page.get_by_role("button", name="Continue"))


def page_type(path: str) -> str:
    if re.search(r"/s/pt_global/\d+$", path):
        return "nrs page"
    if re.search(r"/s/haq/[1-8]$", path):
        return "HAQ category page"
    if re.search(r"/s/(haq/9|shaq/\d+)$", path):
        return "VAS page"
    return {"/s/start": "start page", "/s/check": "check answers", "/s/sent": "confirmation"}.get(
        "/s/" + path.rsplit("/s/", 1)[-1], path)


def extra_screenshots(app, browser, base, shots):
    """Pages a complete walk does not show: an error, the no-JS VAS, German, an expired link."""
    from pro_app.extensions import db
    from pro_app.surveys.links import find

    phone = dict(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)
    context = browser.new_context(**phone)
    page = context.new_page()
    page.goto(invite(app, "DEMO-005", "baseline").replace("http://localhost", base))
    page.goto(base + "/s/haq/5")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").tap()
    page.screenshot(path=str(shots / "survey-error.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Deutsch").tap()
    page.screenshot(path=str(shots / "survey-german.png"), full_page=True)
    context.close()

    context = browser.new_context(java_script_enabled=False, **phone)
    page = context.new_page()
    page.goto(invite(app, "DEMO-005", "baseline").replace("http://localhost", base))
    page.goto(base + "/s/haq/9")
    page.screenshot(path=str(shots / "survey-vas-no-js.png"), full_page=True)
    context.close()

    link = invite(app, "DEMO-006", "baseline")
    with app.app_context():
        invitation = find(link.rsplit("/", 1)[1])
        invitation.expires_at = invitation.created_at - timedelta(minutes=1)
        db.session.commit()
    context = browser.new_context(**phone)
    page = context.new_page()
    page.goto(link.replace("http://localhost", base))
    page.screenshot(path=str(shots / "survey-link-expired.png"), full_page=True)
    context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-js", action="store_true", help="walk with JavaScript off")
    parser.add_argument("--screenshots", type=Path, help="save survey-*.png page screenshots here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        server = serve(app)
        base = f"http://localhost:{server.server_port}"
        link = invite(app)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                          device_scale_factor=1, java_script_enabled=not args.no_js)
            if args.screenshots:
                args.screenshots.mkdir(parents=True, exist_ok=True)
            walk = Walk(context, base, args.screenshots, js=not args.no_js)
            walk.run(link.replace("http://localhost", base))
            if args.screenshots:
                extra_screenshots(app, browser, base, args.screenshots)
            browser.close()
        server.shutdown()

    css = gzip.compress((ROOT / "pro_app/static/css/app.css").read_bytes(), 9)
    js = gzip.compress((ROOT / "pro_app/static/js/app.js").read_bytes(), 9)
    print(f"JavaScript: {'off' if args.no_js else 'on'}")
    print(f"page loads: {walk.loads}")
    print(f"taps: {walk.taps}")
    print(f"answers: {walk.answers}")
    print(f"taps per answer: {walk.taps / walk.answers:.2f}")
    print(f"gzip bytes (HTML + CSS {len(css)} + JS {len(js)}) per page type:")
    for kind, body in sorted(walk.html.items()):
        html = len(gzip.compress(body, 9))
        print(f"  {kind:20} HTML {html:5}  total {html + len(css) + len(js):6}")


if __name__ == "__main__":
    main()
