"""Every route × every actor (SECURITY.md G-AC-1, G-CSRF-2): nobody gets a 2xx they should not.

The routes come from `app.url_map`; a route without an entry in ACCESS fails `test_every_route_has_an_entry`,
so a new route cannot ship without someone deciding who may use it. URL parameters point at objects of
patient A1 at site A; the actors are:

    anonymous · patient_a1 (A1's survey session) · patient_a2 (another patient of the same site) ·
    clinician_a · coordinator_a · admin (site A) · clinician_b · coordinator_b (site B)

For each actor not listed for a route, GET and POST must answer 3xx to the sign-in page or a 4xx — never a
2xx and never a redirect that means "done". Allowed actors must never see a 5xx.
"""
import re

import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import Visit
from tests.conftest import CANARY_EMAIL, Auth, make_site_row
from tests.routes import sample_url

STAFF_A = ("clinician_a", "coordinator_a", "admin")
ACTORS = ("anonymous", "patient_a1", "patient_a2", "clinician_a", "coordinator_a", "admin", "clinician_b",
          "coordinator_b")
EVERYONE = frozenset(ACTORS)
NOBODY = frozenset()

# endpoint -> actors allowed a 2xx (or a non-login redirect after a POST)
ACCESS = {
    "main.index": EVERYONE,  # a redirect to the right home page
    "main.healthz": EVERYONE,
    "main.favicon": EVERYONE,
    "main.set_language": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": EVERYONE,
    "clinic.patients": {"clinician_a", "clinician_b"},  # each sees only their own site (test_site_scoping)
    # clinician workspace: the patient's own site only (tests/test_clinic_*.py check the 404 for site B)
    **{f"clinic.{name}": {"clinician_a"} for name in (
        "patient_detail", "baseline", "compare", "visit_detail", "save_assessment", "correct_answer", "sign",
        "unlock")},
    "coordinator.dashboard": {"coordinator_a", "coordinator_b"},
    # coordinators: site-wide pages for each, and site A's patient/visit (the URL values) for coordinator_a only
    "coordinator.readiness": {"coordinator_a", "coordinator_b"},
    "coordinator.patients": {"coordinator_a", "coordinator_b"},
    "coordinator.enrol_patient": {"coordinator_a", "coordinator_b"},
    "coordinator.plans": {"coordinator_a", "coordinator_b"},
    "coordinator.messages": {"coordinator_a", "coordinator_b"},
    "coordinator.patient": {"coordinator_a"},
    "coordinator.edit_patient": {"coordinator_a"},
    "coordinator.pause": {"coordinator_a"},
    "coordinator.withdraw": {"coordinator_a"},
    "coordinator.send_now": {"coordinator_a"},
    "coordinator.revoke": {"coordinator_a"},
    # the SMS provider's webhook: only a request signed with the shared key (tests/test_messaging_channels.py)
    "messaging.inbound_sms": NOBODY,
    "admin.users": {"admin"},
    "admin.toggle_user": {"admin"},
    "admin.audit_trail": {"admin"},
    # the patient survey: a link opens it for anyone holding it; the pages serve only the session's own visit
    "surveys.open_link": EVERYONE,
    "surveys.start": {"patient_a1", "patient_a2"},
    "surveys.question": {"patient_a1", "patient_a2"},
    "surveys.check": {"patient_a1", "patient_a2"},
    "surveys.send": {"patient_a1", "patient_a2"},
    "surveys.sent": {"patient_a1", "patient_a2"},
    "surveys.language": {"patient_a1", "patient_a2"},
    # PDF summaries and response sheets: clinicians, their own site only (test_reports_routes)
    "reports.patient_summary": {"clinician_a"},
    "reports.response_sheet": {"clinician_a"},
    "admin.exports": {"admin"},
    "admin.subject_access": {"admin"},
    "admin.export_download": {"admin"},
    "admin.api_tokens": {"admin"},
    "admin.revoke_api_token": {"admin"},
    # The JSON API takes a bearer token, never a session cookie: no signed-in browser gets through
    # (tests/test_api.py covers the token holders). Its description holds no data and is public.
    "api.openapi": EVERYONE,
    **{f"api.{name}": NOBODY for name in (
        "sites", "patients", "patient", "patient_visits", "patient_comparisons", "patient_fhir", "visit",
        "visit_responses", "visit_scores", "fhir_definitions")},
}


@pytest.fixture
def world(app, make_user, make_patient, client):
    site_a = make_site_row("SITE-A", "Clinic A")
    site_b = make_site_row("SITE-B", "Clinic B")
    a1 = make_patient(site_=site_a, study_id="A-001", anchor_days_ago=100)
    a2 = make_patient(site_=site_a, study_id="A-002", anchor_days_ago=100)
    make_patient(site_=site_b, study_id="B-001", anchor_days_ago=100)
    users = {
        "clinician_a": make_user("clinician", site_a), "coordinator_a": make_user("coordinator", site_a),
        "admin": make_user("admin", site_a), "clinician_b": make_user("clinician", site_b),
        "coordinator_b": make_user("coordinator", site_b),
    }
    a1_visit = db.session.scalar(select(Visit).where(Visit.patient_id == a1.id, Visit.code == "m3"))
    values = {
        "patient_id": a1.id, "visit_id": a1_visit.id, "user_id": users["clinician_a"].id,
        "visit_code": "m3", "code": "m3",
    }
    return {"users": users, "patients": {"a1": a1, "a2": a2}, "values": values}


def _client_for(app, world, actor):
    client = app.test_client()
    if actor in world["users"]:
        response = Auth(client).login(world["users"][actor])
        assert response.status_code == 302
    elif actor.startswith("patient_"):
        patient = world["patients"][actor.split("_")[1]]
        if "surveys.open_link" not in app.view_functions:
            return None
        from pro_app.surveys.links import issue

        visit = db.session.scalar(select(Visit).where(Visit.patient_id == patient.id, Visit.code == "m3"))
        _, token = issue(visit)
        db.session.commit()
        client.get(f"/s/{token}")
    return client


def test_every_route_has_an_entry(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                      if rule.endpoint != "static" and rule.endpoint not in ACCESS})

    assert not missing, f"decide who may use these routes (tests/test_access_matrix.py ACCESS): {missing}"


def _is_denial(response) -> bool:
    if response.status_code >= 400:
        return True
    if 300 <= response.status_code < 400:
        return "/login" in response.location
    return False


@pytest.mark.parametrize("actor", ACTORS)
def test_no_unexpected_success(app, world, actor):
    client = _client_for(app, world, actor)
    if client is None:
        pytest.skip("patient survey routes are not there yet")
    unexpected, errors, leaks = [], [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint == "auth.logout":
            continue
        url = sample_url(app, rule, **world["values"])
        allowed = actor in ACCESS.get(rule.endpoint, NOBODY)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={} if method == "POST" else None)
            body = response.get_data(as_text=True) if response.mimetype and "text" in response.mimetype else ""
            response.close()
            if response.status_code >= 500:
                errors.append((method, rule.endpoint, response.status_code))
            elif not allowed and not _is_denial(response):
                unexpected.append((method, rule.endpoint, response.status_code))
            elif not allowed and ("A-001" in body or CANARY_EMAIL in body):
                leaks.append((method, rule.endpoint, response.status_code))  # a refusal that shows A1's data

    assert not errors, f"{actor}: server errors {errors}"
    assert not unexpected, f"{actor} got through to {unexpected}"
    assert not leaks, f"{actor} was refused but shown patient A1's data by {leaks}"


def test_site_scoping_on_pages_that_list_patients(app, world):
    client = _client_for(app, world, "clinician_b")

    page = client.get("/clinic/patients").get_data(as_text=True)

    assert "B-001" in page and not re.search(r"A-00[12]", page)


def test_every_phi_route_writes_exactly_one_audit_row(app, world):
    """SECURITY.md G-AUD-1: each successful request to a staff PHI route adds exactly one audit row (none or one
    on a refusal); a patient's POST adds at most one (its saves are checked one by one in test_surveys_*).
    Checked for every tagged route in url_map, with the first actor allowed to use it."""
    from pro_app.models import AuditEvent
    from pro_app.policy import PHI_READ, PHI_WRITE, PATIENT, view_tag

    clients = {}
    problems = []
    for rule in app.url_map.iter_rules():
        tag = view_tag(app, rule.endpoint)
        if tag not in (PHI_READ, PHI_WRITE) and not (tag == PATIENT and "POST" in rule.methods):
            continue
        actor = next((a for a in ("clinician_a", "coordinator_a", "admin", "patient_a1")
                      if a in ACCESS.get(rule.endpoint, NOBODY)), None)
        if actor is None:
            continue
        if actor not in clients:
            clients[actor] = _client_for(app, world, actor)
        client = clients[actor]
        if client is None:
            continue
        url = sample_url(app, rule, **world["values"])
        methods = ["GET"] if "GET" in rule.methods else []
        if tag in (PHI_WRITE, PATIENT) and "POST" in rule.methods:
            methods.append("POST")
        for method in methods:
            db.session.commit()
            before = db.session.scalar(select(db.func.count(AuditEvent.id)))
            response = client.open(url, method=method, data={} if method == "POST" else None)
            response.close()
            db.session.commit()
            added = db.session.scalar(select(db.func.count(AuditEvent.id))) - before
            # A patient's POST may save (one row) or only move them on (none); staff PHI routes: exactly one.
            exact = tag != PATIENT and not _is_denial(response)
            if added > 1 or (exact and added != 1):
                problems.append((method, rule.endpoint, response.status_code, added))

    assert not problems, f"(method, endpoint, status, audit rows added): {problems}"
