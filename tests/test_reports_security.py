"""The PDF renderer fetches nothing and free text stays text (SECURITY.md G-PDF-1/2, G-XSS-1, goal 12).

A canary HTTP server on loopback counts every request. Every free-text field that reaches a report holds URLs
pointing at it, an @import, @font-face, file:// attachment and image references, a script and a template
expression; both reports are downloaded through the real routes.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import render_template
from weasyprint import HTML

from pro_app.extensions import db
from pro_app.reports.summary import summary_context
from tests.pdftools import embedded_files, pdf_text
from tests.reports_helpers import hostile_texts, inject_free_text, make_long_patient


@pytest.fixture
def canary():
    """(port, requests): a loopback HTTP server that records the path of every request it gets."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        do_POST = do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile_patient(app, site, make_user, canary):
    clinician = make_user("clinician")
    patient = make_long_patient(site, clinician, visits=3, study_id="CANARY-1")
    inject_free_text(patient, hostile_texts(canary[0]), clinician)
    db.session.commit()
    return patient, clinician


def squeeze(text: str) -> str:
    """Without any whitespace: pdftotext breaks long runs (URLs) over lines where the PDF wraps them."""
    return "".join(text.split())


def test_the_canary_sees_weasyprints_default_fetcher(canary):
    # Control: without our fetcher the same kind of reference does reach the server, so 0 below means 0.
    port, requests = canary

    HTML(string=f'<link rel=stylesheet href="http://127.0.0.1:{port}/control.css"><p>x</p>').write_pdf()

    assert requests == ["/control.css"]


def test_reports_with_hostile_free_text_fetch_nothing_embed_nothing_and_show_the_text_as_text(
        hostile_patient, client, auth, canary, tmp_path):
    patient, clinician = hostile_patient
    port, requests = canary
    auth.login(clinician)
    visits = sorted(patient.visits, key=lambda v: v.target_date)

    summary = client.get(f"/reports/patients/{patient.id}/summary.pdf")
    sheets = [client.get(f"/reports/visits/{visit.id}/responses.pdf") for visit in (visits[0], visits[-1])]

    assert [r.status_code for r in (summary, *sheets)] == [200, 200, 200]
    assert requests == []
    for response in (summary, *sheets):
        assert embedded_files(response.data, tmp_path) == "0 embedded files"
        text = squeeze(pdf_text(response.data, tmp_path))
        for payload in hostile_texts(port):
            assert squeeze(payload) in text, payload
        assert "SSTI49" not in text


def test_every_short_field_shows_its_payload_too(hostile_patient, client, auth, canary, tmp_path):
    # Site name (120 characters), FVC equation (40) and the signature (120) hold some payloads each.
    patient, clinician = hostile_patient
    auth.login(clinician)

    text = squeeze(pdf_text(client.get(f"/reports/patients/{patient.id}/summary.pdf").data, tmp_path))

    assert squeeze(patient.site.name) in text
    for visit in (patient.visits[0], patient.visits[-1]):
        assert squeeze(visit.assessment.fvc_equation) in text
    assert canary[1] == []


def test_free_text_is_escaped_in_the_html_handed_to_the_renderer(hostile_patient, app, canary):
    patient, _ = hostile_patient

    with app.test_request_context():
        html = render_template("reports/summary.html", **summary_context(patient))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "<img" not in html and "<link" not in html and "<style" not in html
    assert "@import url(http://127.0.0.1" in html  # as text inside an element, never in a stylesheet
    assert "SSTI{{7*7}}" in html and "SSTI49" not in html


def test_a_hostile_study_id_cannot_shape_the_file_name(app, site, make_user, client, auth):
    clinician = make_user("clinician")
    patient = make_long_patient(site, clinician, visits=2, study_id='../"x\r\nSet-Cookie: a=b')
    db.session.commit()
    auth.login(clinician)

    response = client.get(f"/reports/patients/{patient.id}/summary.pdf")

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="SScore-x_Set-Cookie_a_b-m3-') and disposition.endswith('.pdf"')
    assert not any(cookie.startswith("a=") for cookie in response.headers.getlist("Set-Cookie"))
