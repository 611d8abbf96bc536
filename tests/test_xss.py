"""G-XSS-1: a corpus of hostile text in every field a patient or staff member can type reaches every staff page,
the CSV export and the audit trail as inert text. Pages come from `app.url_map`, so new pages are covered.

PDFs are covered by tests/test_reports_security.py (same idea, plus a canary server for fetches).
"""
import csv

import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import Visit
from tests.conftest import Auth
from tests.routes import rules, sample_url
from tests.survey_support import VISIT_FORMS, answer, make_link, open_link

CORPUS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    "{{7*7}} {% print 7*7 %}",
    "url(http://127.0.0.1:9/x) @import 'http://127.0.0.1:9/y';",
    '=HYPERLINK("http://127.0.0.1:9/","click")',
    "\u202eevil\u200b text \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "A" * 200,
)
# What must never appear in a page: markup the corpus would have created if it were not escaped.
LIVE_MARKUP = ("<script>alert", "<img src=x", "onerror=alert(1)>", "onmouseover='alert", 'href="javascript:',
               "{% print", ">49<", " 49 ")


@pytest.fixture
def hostile_site(app, site, make_patient, make_user):
    """Patients whose "other aid" text is each corpus entry, staff whose names are corpus entries."""
    patients = []
    for payload in CORPUS:
        patient = make_patient()
        client = app.test_client()
        link = make_link(patient.visits[0])
        open_link(client, link)
        forms = dict(VISIT_FORMS)
        forms["haq/8"] = {**forms["haq/8"], "aid_other_text": payload}
        answer(client, forms)
        assert client.post("/s/send").status_code == 302
        patients.append(patient)
    for payload in CORPUS[:3]:
        make_user("coordinator").name = payload
    db.session.commit()
    return patients


def _html_pages(app, client, patient):
    visit = db.session.scalar(select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.position))
    for rule in rules(app, "GET"):
        if rule.endpoint.startswith(("surveys.", "api.", "static")):
            continue
        response = client.get(sample_url(app, rule, patient_id=patient.id, visit_id=visit.id,
                                          other_visit_id=visit.id))
        if response.status_code == 200 and response.mimetype == "text/html":
            yield rule.endpoint, response.get_data(as_text=True)
        response.close()


def test_hostile_text_is_inert_on_every_staff_page_and_in_csv(app, hostile_site, make_user, runner, tmp_path):
    """One test (the corpus takes a few seconds to enter through the survey): pages for each role, then CSV."""
    for role in ("clinician", "coordinator", "admin"):
        client = app.test_client()
        assert Auth(client).login(make_user(role)).status_code == 302
        seen_escaped = 0
        checked = []
        for patient in (hostile_site[0], hostile_site[1]):
            for endpoint, page in _html_pages(app, client, patient):
                checked.append(endpoint)
                for marker in LIVE_MARKUP:
                    assert marker not in page, (role, endpoint, marker)
                seen_escaped += page.count("&lt;script&gt;alert(1)&lt;/script&gt;") + page.count("&#34;&gt;&lt;img")

        assert checked, f"no staff page was checked for {role}"
        if role == "admin":  # the audit trail shows what patients typed (the save's new value), escaped
            assert seen_escaped > 0

    result = runner.invoke(args=["export", "csv", "--site", hostile_site[0].site.code, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output

    with open(tmp_path / "answers.csv", newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row.get("text")]

    assert "'=HYPERLINK(\"http://127.0.0.1:9/\",\"click\")" in texts  # a spreadsheet shows it, never runs it
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
    assert "<script>alert(1)</script>" in texts  # data stays what the patient typed: CSV is not HTML
    assert not any("\u202e" in text or "\u200b" in text for text in texts)  # hidden characters never stored
