"""Screenshots of the coordinator pages (docs/screenshots/coordinator-*.png) from the demo data.

    .venv/bin/python docs/screenshots/coordinator-screenshots.py

A throwaway SQLite database gets `flask demo`; one dispatcher run then sends the due invitations (SMS to the
console, e-mail to a closed port, so the delivery log shows a retry and a failure); a live server on loopback is
photographed by Debian's Chromium through Playwright at a phone and a tablet viewport.
"""
import contextlib
import io
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = Path(__file__).resolve().parent


def main():
    import flask_migrate
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from pro_app import create_app
    from pro_app.extensions import db
    from pro_app.messaging.dispatcher import Dispatcher
    from pro_app.models import Patient
    from pro_app.models.types import utcnow

    folder = Path(tempfile.mkdtemp(prefix="sscore-shots-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}", "SECRET_KEY": "shots",
                      "TESTING": True, "REQUIRE_DURABLE_DB": False, "SESSION_COOKIE_SECURE": False,
                      "BASE_URL": "http://127.0.0.1", "MESSAGE_CHANNEL_EMAIL": "smtp", "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": 9, "MAIL_TIMEOUT": 1, "MESSAGE_CHANNEL_SMS": "console",
                      "DISPATCH_MAX_ATTEMPTS": 2})
    with app.app_context():
        flask_migrate.upgrade()
        app.test_cli_runner().invoke(args=["demo", "--password", "demo-password-123"])
        demo5 = db.session.scalar(select(Patient).where(Patient.study_id == "DEMO-005"))
        demo5.preferred_channel, demo5.phone = "sms", "+447700900005"  # to the console: sent
        db.session.commit()
        now = utcnow()
        with contextlib.redirect_stdout(io.StringIO()):
            for minutes in (0, 6):  # DEMO-004's e-mail: retried, then failed (DISPATCH_MAX_ATTEMPTS=2)
                Dispatcher(now=lambda: now + timedelta(minutes=minutes)).run()
        demo4 = db.session.scalar(select(Patient.id).where(Patient.study_id == "DEMO-004"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    shots = [("coordinator-dashboard", "/coordinator/", "phone"),
             ("coordinator-patient", f"/coordinator/patients/{demo4}", "phone"),
             ("coordinator-readiness", "/coordinator/readiness", "tablet"),
             ("coordinator-delivery-log", "/coordinator/messages", "tablet")]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            viewports = {"phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                       has_touch=True),
                         "tablet": dict(viewport={"width": 1024, "height": 768}, device_scale_factor=1)}
            for device, options in viewports.items():
                context = browser.new_context(**options)
                page = context.new_page()
                page.goto(base + "/login")
                page.fill("#email", "coordinator@demo.example")
                page.fill("#password", "demo-password-123")
                page.click("button[type=submit]")
                for name, path, where in shots:
                    if where == device:
                        page.goto(base + path)
                        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                        print(f"{name}.png")
                context.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
