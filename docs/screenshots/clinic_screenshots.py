"""Screenshots of the clinician workspace on the demo data (tablet 1024x768 and phone 390x844).

    .venv/bin/python docs/screenshots/clinic_screenshots.py [OUTDIR]

Builds a throwaway migrated SQLite database with `flask demo`, serves the app on loopback and drives Debian's
/usr/bin/chromium with Playwright.
"""
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import flask_migrate  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from pro_app import create_app  # noqa: E402
from pro_app.extensions import db  # noqa: E402
from pro_app.models import Patient, Visit  # noqa: E402

PASSWORD = "demo-password-123"


def main(out: Path) -> None:
    db_path = Path(tempfile.mkdtemp()) / "shots.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "shots", "TESTING": True,
                      "SESSION_COOKIE_SECURE": False, "BASE_URL": "http://localhost", "REQUIRE_DURABLE_DB": False,
                      "TRUSTED_HOSTS": ["localhost"]})
    with app.app_context():
        flask_migrate.upgrade()
        app.test_cli_runner().invoke(args=["demo", "--password", PASSWORD])
        ids = {code: db.session.scalar(select(Visit.id).join(Patient).where(Patient.study_id == sid,
                                                                            Visit.code == code))
               for sid, code in (("DEMO-001", "m12"), ("DEMO-002", "m6"))}
        patients = {sid: db.session.scalar(select(Patient.id).where(Patient.study_id == sid))
                    for sid in ("DEMO-001", "DEMO-002")}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_port}"
    shots = [
        ("clinic-patient-tablet.png", "tablet", f"/clinic/patients/{patients['DEMO-001']}", True),
        ("clinic-assessment-tablet.png", "tablet", f"/clinic/visits/{ids['m6']}#assessment", False),
        ("clinic-bodymap-phone.png", "phone", f"/clinic/visits/{ids['m6']}#assessment", False),
        ("clinic-compare-not-computable-tablet.png", "tablet", f"/clinic/patients/{patients['DEMO-002']}/compare",
         True),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        sizes = {"tablet": {"viewport": {"width": 1024, "height": 768}},
                 "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}}
        for name, size, path, full in shots:
            context = browser.new_context(**sizes[size])
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("#email", "clinician@demo.example")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/clinic/patients")
            page.goto(base + path)
            page.screenshot(path=str(out / name), full_page=full)
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
