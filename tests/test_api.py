"""The read-only JSON API: personal tokens (hashed, revocable, audited), site scoping, pagination, the OpenAPI
document against the routes, and schemathesis against that document."""
import json
import re
from pathlib import Path

import pytest
import schemathesis
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, ignored_auth, response_schema_conformance, status_code_conformance,
)
from sqlalchemy import func, select

from pro_app.api import tokens
from pro_app.extensions import db
from pro_app.models import ApiToken, AuditEvent, Patient, Visit
from tests.conftest import Auth
from tests.export_fixtures import MARKUP, add_canary, canary, demo_site  # noqa: F401  (fixtures)
from tests.pages import check_page

OPENAPI = Path(__file__).resolve().parent.parent / "pro_app" / "api" / "openapi.json"


def token_for(user) -> str:
    _, raw = tokens.create(user, "test")
    db.session.commit()
    return raw


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def audit_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count(AuditEvent.id)))


@pytest.fixture
def two_sites(app, demo_site, other_site, make_user):
    """DEMO (6 demo patients + the canary) and SITE-B (one patient), with a clinician token at DEMO and an admin."""
    add_canary(demo_site)
    other = add_canary(other_site, study_id="B-001")
    clinician = make_user("clinician", demo_site)
    admin = make_user("admin", demo_site)
    return {"clinician": token_for(clinician), "admin": token_for(admin), "clinician_user": clinician,
            "demo": demo_site, "other": other_site, "other_patient": other}


# --- authentication ---

@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Bearer ssp_not-a-real-token", "Basic dXNlcjpwYXNz",
                                    "bearer ssp_" + "x" * 43, "Token ssp_abc"])
def test_no_or_wrong_token_gets_401_with_no_data_and_no_audit(client, two_sites, header):
    before = audit_count()

    response = client.get("/api/v1/patients", headers={"Authorization": header} if header else {})

    assert response.status_code == 401
    assert response.mimetype == "application/json" and response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "DEMO-" not in response.get_data(as_text=True)
    assert audit_count() == before


def test_a_revoked_token_gets_401_from_the_next_request(client, two_sites):
    raw = two_sites["clinician"]
    assert client.get("/api/v1/patients", headers=bearer(raw)).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == raw[:12]))

    tokens.revoke(token)
    db.session.commit()

    assert client.get("/api/v1/patients", headers=bearer(raw)).status_code == 401


def test_a_disabled_users_token_gets_401(client, two_sites):
    two_sites["clinician_user"].active = False
    db.session.commit()

    assert client.get("/api/v1/patients", headers=bearer(two_sites["clinician"])).status_code == 401


def test_session_cookies_do_not_open_the_api(app, two_sites, make_user):
    browser = app.test_client()
    Auth(browser).login(make_user("admin", two_sites["demo"]))

    assert browser.get("/api/v1/patients").status_code == 401


def test_many_bad_tokens_from_one_address_get_429(make_app, two_sites):
    app = make_app(API_TOKEN_MAX_FAILURES=3)
    client = app.test_client()

    statuses = [client.get("/api/v1/sites", headers=bearer("ssp_wrong")).status_code for _ in range(5)]

    assert statuses == [401, 401, 401, 429, 429]


def test_tokens_are_stored_only_as_a_hash(two_sites):
    raw = two_sites["admin"]
    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == raw[:12]))

    assert raw.startswith("ssp_") and len(raw) >= 40
    assert row.token_hash != raw and len(row.token_hash) == 64 and raw not in (row.name, row.token_hash)


# --- scope ---

def test_a_clinician_token_reads_only_its_own_site(client, two_sites):
    headers = bearer(two_sites["clinician"])
    other = two_sites["other_patient"]
    other_visit = db.session.scalar(select(Visit).where(Visit.patient_id == other.id))

    listed = client.get("/api/v1/patients?per_page=200", headers=headers).get_json()

    assert {p["site"] for p in listed["data"]} == {"DEMO"} and listed["meta"]["total"] == 7
    for url in (f"/api/v1/patients/{other.id}", f"/api/v1/patients/{other.id}/visits",
                f"/api/v1/patients/{other.id}/comparisons", f"/api/v1/patients/{other.id}/fhir",
                f"/api/v1/visits/{other_visit.id}", f"/api/v1/visits/{other_visit.id}/responses",
                f"/api/v1/visits/{other_visit.id}/scores", "/api/v1/patients?site=SITE-B", "/api/v1/sites?site=SITE-B"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert "B-001" not in response.get_data(as_text=True)
    assert [s["code"] for s in client.get("/api/v1/sites", headers=headers).get_json()["data"]] == ["DEMO"]


def test_an_admin_token_reads_every_site_or_one(client, two_sites):
    headers = bearer(two_sites["admin"])

    every = client.get("/api/v1/patients?per_page=200", headers=headers).get_json()
    one = client.get("/api/v1/patients?site=SITE-B", headers=headers).get_json()

    assert {p["site"] for p in every["data"]} == {"DEMO", "SITE-B"}
    assert [p["study_id"] for p in one["data"]] == ["B-001"]
    assert client.get("/api/v1/patients?site=NOPE", headers=headers).status_code == 404


def test_patients_appear_by_pseudonym_only(client, two_sites):
    from tests.export_fixtures import CANARY_EMAIL, CANARY_PHONE

    headers = bearer(two_sites["admin"])
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "CANARY-1"))
    bodies = [client.get(url, headers=headers).get_data(as_text=True) for url in (
        "/api/v1/patients?per_page=200", f"/api/v1/patients/{patient.id}", f"/api/v1/patients/{patient.id}/fhir")]

    for body in bodies:
        assert CANARY_EMAIL not in body and CANARY_PHONE not in body


# --- pagination ---

def test_pages_link_to_the_next_until_the_last(client, two_sites):
    headers = bearer(two_sites["admin"])
    seen, url, pages = [], "/api/v1/patients?per_page=3", 0

    while url:
        body = client.get(url, headers=headers).get_json()
        seen += [p["study_id"] for p in body["data"]]
        url = body["links"]["next"]
        pages += 1

    assert pages == 3 and len(seen) == len(set(seen)) == 8
    assert body["meta"] == {"page": 3, "per_page": 3, "total": 8}
    assert body["links"]["prev"].endswith("page=2&per_page=3")


@pytest.mark.parametrize("query", ["per_page=0", "per_page=201", "per_page=abc", "page=0", "page=-1", "page=1.5",
                                   "per_page=%EF%BC%91"])
def test_out_of_range_paging_is_400_with_a_reason(client, two_sites, query):
    response = client.get(f"/api/v1/patients?{query}", headers=bearer(two_sites["admin"]))

    assert response.status_code == 400
    assert "whole number" in response.get_json()["detail"]


def test_a_page_past_the_end_is_empty_not_an_error(client, two_sites):
    body = client.get("/api/v1/patients?page=99", headers=bearer(two_sites["admin"])).get_json()

    assert body["data"] == [] and body["links"]["next"] is None


# --- content ---

def test_every_call_is_audited_once_as_the_token_user(client, two_sites):
    raw = two_sites["clinician"]
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "CANARY-1"))
    before = audit_count()

    client.get(f"/api/v1/patients/{patient.id}/comparisons", headers=bearer(raw))

    assert audit_count() == before + 1
    row = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (row.actor_type, row.actor_id, row.role, row.patient_id) == (
        "api", two_sites["clinician_user"].id, "clinician", patient.id)
    assert row.actor == two_sites["clinician_user"].email
    assert json.loads(row.new_value)["token"] == raw[:12] and raw not in row.new_value
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == raw[:12]))
    assert token.uses == 1 and token.last_used_at is not None


def test_a_list_audit_row_names_the_patients_returned(client, two_sites):
    body = client.get("/api/v1/patients?per_page=2", headers=bearer(two_sites["admin"])).get_json()

    row = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert json.loads(row.new_value)["patient_ids"] == [p["id"] for p in body["data"]]


def test_free_text_markup_stays_inert_json(client, two_sites):
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "CANARY-1"))
    m3 = db.session.scalar(select(Visit).where(Visit.patient_id == patient.id, Visit.code == "m3"))

    response = client.get(f"/api/v1/visits/{m3.id}/responses", headers=bearer(two_sites["admin"]))

    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    texts = [a["text"] for r in response.get_json()["data"] for a in r["answers"] if a["text"]]
    assert texts == [MARKUP]


def test_scores_and_comparisons_come_from_the_scoring_engine(client, two_sites):
    from pro_app.outcomes import compare, load_outcomes, patient_visits

    patient = db.session.scalar(select(Patient).where(Patient.study_id == "DEMO-003"))
    headers = bearer(two_sites["admin"])

    comparisons = client.get(f"/api/v1/patients/{patient.id}/comparisons", headers=headers).get_json()["data"]
    visits = client.get(f"/api/v1/patients/{patient.id}/visits", headers=headers).get_json()["data"]
    m6 = next(v for v in visits if v["code"] == "m6")
    scores = client.get(m6["links"]["scores"].removeprefix("http://localhost"), headers=headers).get_json()["data"]

    outcomes = load_outcomes(patient_visits(patient.id))
    by_code = {o.code: o for o in outcomes.values()}
    expected = compare(by_code["baseline"], by_code["m6"]).criss.to_dict()
    assert comparisons[-1]["criss"] == expected and comparisons[-1]["criss"]["rule"] == "step1"
    assert scores["haq"] == by_code["m6"].haq.to_dict() and scores["values"]["step1_renal_crisis"] is True


def test_patient_fhir_bundle_parses(client, two_sites):
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "CANARY-1"))

    response = client.get(f"/api/v1/patients/{patient.id}/fhir", headers=bearer(two_sites["admin"]))

    assert response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate(response.get_json())
    kinds = {entry.resource.__class__.__name__ for entry in bundle.entry}
    assert kinds == {"Patient", "QuestionnaireResponse", "Observation"}


def test_fhir_definitions_parse(client, two_sites):
    response = client.get("/api/v1/fhir/Questionnaire", headers=bearer(two_sites["clinician"]))

    bundle = Bundle.model_validate(response.get_json())
    assert bundle.type == "collection"
    assert {e.resource.__class__.__name__ for e in bundle.entry} == {"Questionnaire", "CodeSystem"}


# --- the OpenAPI document ---

def _route_paths(app) -> set[str]:
    return {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1")}


def test_openapi_document_and_routes_agree(app, client):
    document = client.get("/api/v1/openapi.json").get_json()

    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == _route_paths(app)
    for path, operations in document["paths"].items():
        rule = next(r for r in app.url_map.iter_rules() if re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) == path)
        assert set(operations) == {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}, path
    assert json.loads(OPENAPI.read_text()) == document


def test_the_api_accepts_only_get(client, two_sites):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/patients", headers=bearer(two_sites["admin"]))
        assert response.status_code == 405 and response.mimetype == "application/json"


def test_schemathesis_finds_no_server_error_and_no_unenforced_auth(make_app, two_sites):
    """Every documented operation, a few dozen generated requests each (positive data, plus the real ids of both
    sites), with an admin token: no 5xx, statuses, content types and bodies as documented, and auth enforced."""
    app = make_app(API_TOKEN_MAX_FAILURES=10**6)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Schemathesis' WSGI transport asks for gzip but does not decompress; compression is tested in test_security.
    headers = {**bearer(two_sites["admin"]), "Accept-Encoding": "identity"}
    ids = {"patient_id": [p.id for p in db.session.scalars(select(Patient))],
           "visit_id": [v.id for v in db.session.scalars(select(Visit))][:12]}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
              ignored_auth]
    statuses: dict[str, set[int]] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        names = [p.name for p in operation.path_parameters]
        strategy = operation.as_strategy()
        if names:
            strategy = st.one_of(strategy, *[operation.as_strategy(path_parameters={names[0]: value})
                                             for value in ids[names[0]]])

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=strategy)
        def call(case):
            response = case.call(headers=headers)
            statuses.setdefault(operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=checks, headers=headers)

        call()

    assert len(statuses) == 10
    assert all(200 in seen for seen in statuses.values()), statuses


# --- token administration ---

def _admin_client(app, make_user, site):
    client = app.test_client()
    assert Auth(client).login(make_user("admin", site)).status_code == 302
    return client


def test_admin_creates_a_token_shown_once_that_works(app, make_user, demo_site):
    client = _admin_client(app, make_user, demo_site)
    reader = make_user("coordinator", demo_site, email="reader@example.org")

    page = client.post("/admin/api-tokens", data={"user": str(reader.id), "name": "Trial statistics"})

    check_page(page)
    raw = re.search(r'<code id="token-value">(ssp_[^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert app.test_client().get("/api/v1/sites", headers=bearer(raw)).status_code == 200
    listing = client.get("/admin/api-tokens")
    check_page(listing)
    text = listing.get_data(as_text=True)
    assert raw[:12] in text and raw not in text and "Trial statistics" in text
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "api_token"))
    assert row.action == "create" and raw not in (row.new_value or "")


def test_admin_revokes_a_token(app, make_user, demo_site):
    client = _admin_client(app, make_user, demo_site)
    raw = token_for(make_user("clinician", demo_site))
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == raw[:12]))

    response = client.post(f"/admin/api-tokens/{token.id}/revoke")

    assert response.status_code == 302
    assert app.test_client().get("/api/v1/sites", headers=bearer(raw)).status_code == 401
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revoke")).entity_id == str(token.id)


def test_token_form_names_each_problem(app, make_user, demo_site):
    client = _admin_client(app, make_user, demo_site)

    response = client.post("/admin/api-tokens", data={"user": "", "name": ""})

    assert response.status_code == 400
    check_page(response)
    text = response.get_data(as_text=True)
    assert "Select the person the token reads as" in text and "Enter what the token is for" in text


@pytest.mark.parametrize("role", ["clinician", "coordinator"])
def test_only_admins_manage_tokens(app, make_user, demo_site, role):
    client = app.test_client()
    Auth(client).login(make_user(role, demo_site))

    assert client.get("/admin/api-tokens").status_code == 403


def test_cli_creates_prints_once_and_revokes(app, runner, make_user, demo_site):
    user = make_user("admin", demo_site, email="cli@example.org")

    created = runner.invoke(args=["api-token", "create", "--email", user.email, "--name", "nightly"])
    raw = created.stdout.strip().splitlines()[-1]
    listed = runner.invoke(args=["api-token", "list"])
    revoked = runner.invoke(args=["api-token", "revoke", raw[:12]])

    assert created.exit_code == 0 and raw.startswith("ssp_")
    assert raw[:12] in listed.output and raw not in listed.output
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert app.test_client().get("/api/v1/sites", headers=bearer(raw)).status_code == 401
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "api_token")).all()
    assert actions == ["create", "revoke"]


def test_cli_refuses_an_unknown_user(runner, demo_site):
    result = runner.invoke(args=["api-token", "create", "--email", "nobody@example.org", "--name", "x"])

    assert result.exit_code == 2 and "No active user" in result.output
