"""The read-only JSON API (blueprint "api", /api/v1) for administrators and data managers.

- Authentication: `Authorization: Bearer <token>` with a personal API token (pro_app/api/tokens.py); no cookies,
  so no CSRF (and the blueprint is GET-only). No, wrong, revoked token or a disabled user: 401. Too many bad
  tokens from one address: 429.
- Scope: a token acts with its user's role and site. Administrators see every site (narrow with `?site=CODE`);
  coordinators and clinicians only their own. Another site's patient or visit is 404, never 403.
- Audit: every authenticated call writes exactly one audit row (actor type "api", the user and the token prefix).
- Lists are paginated: `?page=` (from 1) and `?per_page=` (1-API_MAX_PAGE_SIZE), with `links.next`.
The routes and their JSON are documented in pro_app/api/openapi.json, served at /api/v1/openapi.json.
"""
import json
import logging
from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit, throttle
from ..exports import fhir as fhir_resources
from ..exports import fhir_builder, iter_batches
from ..exports.batches import Enrolment, response_record
from ..extensions import csrf, db
from ..models import Enrollment, Patient, Site, SurveyResponse, Visit, VisitPlan
from ..outcomes import load_outcomes
from ..policy import NO_PHI, PHI_READ, no_phi, tag
from ..security import external_url
from . import serialize, tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated and GET-only: no cookie session, so no cross-site request to forge
log = logging.getLogger("pro_app.api")
OPENAPI = Path(__file__).with_name("openapi.json")
MAX_ID = 2**31 - 1  # larger ids cannot exist (and PostgreSQL would refuse to compare them)
FHIR_JSON = "application/fhir+json"


def problem(status: int, detail: str, headers: dict | None = None):
    """Stop the request with a JSON error body."""
    response = jsonify({"error": _REASONS[status], "status": status, "detail": detail})
    response.status_code = status
    response.headers.update(headers or {})
    abort(response)


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    token = tokens.find(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        config = current_app.config
        ip = request.remote_addr or "unknown"
        throttle.hit("api-token", ip)
        too_many = throttle.count("api-token", ip, config["API_TOKEN_WINDOW"]) > config["API_TOKEN_MAX_FAILURES"]
        db.session.commit()
        log.warning("api: %s token refused (%s)", "missing" if not raw else "bad", "rate limit" if too_many else "401")
        if too_many:
            problem(429, "Too many requests with a missing or wrong token. Wait, then try again.",
                    {"Retry-After": str(config["API_TOKEN_WINDOW"])})
        problem(401, "Send a valid API token: Authorization: Bearer <token>.",
                {"WWW-Authenticate": 'Bearer realm="sscore-api", error="invalid_token"'})
    tokens.record_use(token)
    user = token.user
    g.api_user, g.api_token = user, token
    # The actor is the person (so "everything Y touched" finds API reads too); the token is named in each row.
    g.actor = ("api", user.id, user.email, user.role)
    log.info("api: user %s token %s %s", user.id, token.token_hash[:12], request.endpoint)
    return None


# --- scope ---

def _sites() -> list[Site]:
    """Sites this token may read, narrowed by ?site=CODE."""
    user = g.api_user
    code = request.args.get("site")
    if user.role == "admin":
        query = select(Site).order_by(Site.code)
        if code is not None:
            query = query.where(Site.code == code)
        sites = db.session.scalars(query).all()
    else:
        sites = [user.site] if code is None or code == user.site.code else []
    if code is not None and not sites:
        problem(404, "No such site.")
    return sites


def _allowed(site_id: int) -> bool:
    return g.api_user.role == "admin" or site_id == g.api_user.site_id


def _patient(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id) if 0 < patient_id <= MAX_ID else None
    if patient is None or not _allowed(patient.site_id):
        problem(404, "No such patient.")
    return patient


def _visit(visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id) if 0 < visit_id <= MAX_ID else None
    if visit is None or not _allowed(visit.patient.site_id):
        problem(404, "No such visit.")
    return visit


def _page_args() -> tuple[int, int]:
    config = current_app.config

    def number(name, default, high):
        text = request.args.get(name)
        if text is None:
            return default
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= high:
            problem(400, f"{name} must be a whole number from 1 to {high}.")
        return int(text)

    return number("page", 1, 10**6), number("per_page", config["API_PAGE_SIZE"], config["API_MAX_PAGE_SIZE"])


def _page_links(endpoint: str, page: int, per_page: int, total: int, **values) -> dict:
    args = {k: v for k, v in values.items() if v is not None}
    last = max((total + per_page - 1) // per_page, 1)
    return {
        "self": external_url(endpoint, page=page, per_page=per_page, **args),
        "next": external_url(endpoint, page=page + 1, per_page=per_page, **args) if page < last else None,
        "prev": external_url(endpoint, page=page - 1, per_page=per_page, **args) if page > 1 else None,
    }


def _record(entity: str, entity_id, patient_id: int | None = None, **details) -> None:
    audit.record("view", entity, entity_id, patient_id=patient_id,
                 new={"via": "api", "token": g.api_token.prefix, "endpoint": request.endpoint, **details})


def _done(payload, action_entity: tuple[str, object], patient_id: int | None = None, **details):
    """Audit this call (one row), commit, answer with JSON."""
    entity, entity_id = action_entity
    _record(entity, entity_id, patient_id, **details)
    db.session.commit()
    return jsonify(payload)


# --- routes ---

@bp.route("/openapi.json")
@no_phi
def openapi():
    """The API description (OpenAPI 3.1); public, it holds no data."""
    return current_app.response_class(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


@bp.route("/sites")
@tag(NO_PHI)
def sites():
    rows = _sites()
    counts = dict(db.session.execute(select(Patient.site_id, func.count(Patient.id))
                                     .where(Patient.site_id.in_([s.id for s in rows])).group_by(Patient.site_id))
                  .all())
    data = [{"code": s.code, "name": s.name, "timezone": s.timezone, "patients": counts.get(s.id, 0)} for s in rows]
    return _done({"data": data}, ("site_list", None), sites=[s.code for s in rows])


@bp.route("/patients")
@tag(PHI_READ)
def patients():
    page, per_page = _page_args()
    site_rows = _sites()
    codes = {s.id: s.code for s in site_rows}
    query = select(Patient).where(Patient.site_id.in_(list(codes)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Patient.id).limit(per_page).offset((page - 1) * per_page)).all()
    enrolments = {r.patient_id: Enrolment(r.name, r.anchor_date, r.enrolled_at) for r in db.session.execute(
        select(Enrollment.patient_id, VisitPlan.name, Enrollment.anchor_date, Enrollment.enrolled_at)
        .join(VisitPlan, VisitPlan.id == Enrollment.plan_id).where(Enrollment.patient_id.in_([p.id for p in rows])))}
    payload = {
        "data": [serialize.patient(p, codes[p.site_id], enrolments.get(p.id)) for p in rows],
        "meta": {"page": page, "per_page": per_page, "total": total},
        "links": _page_links("api.patients", page, per_page, total, site=request.args.get("site")),
    }
    return _done(payload, ("patient_list", None), patient_ids=[p.id for p in rows], page=page)


@bp.route("/patients/<int:patient_id>")
@tag(PHI_READ)
def patient(patient_id):
    row = _patient(patient_id)
    enrolment = db.session.execute(
        select(VisitPlan.name, Enrollment.anchor_date, Enrollment.enrolled_at)
        .join(VisitPlan, VisitPlan.id == Enrollment.plan_id).where(Enrollment.patient_id == row.id)).first()
    data = serialize.patient(row, row.site.code, Enrolment(*enrolment) if enrolment else None)
    return _done({"data": data}, ("patient", row.id), patient_id=row.id)


def _outcomes(row: Patient):
    visits = db.session.scalars(select(Visit).where(Visit.patient_id == row.id)
                                .order_by(Visit.target_date, Visit.position, Visit.id)).all()
    return visits, load_outcomes(visits)


@bp.route("/patients/<int:patient_id>/visits")
@tag(PHI_READ)
def patient_visits(patient_id):
    row = _patient(patient_id)
    visits, outcomes = _outcomes(row)
    data = [serialize.visit(v, row.study_id, outcomes[v.id]) for v in visits]
    return _done({"data": data}, ("patient_visits", row.id), patient_id=row.id)


@bp.route("/patients/<int:patient_id>/comparisons")
@tag(PHI_READ)
def patient_comparisons(patient_id):
    row = _patient(patient_id)
    visits, outcomes = _outcomes(row)
    data = serialize.comparisons([outcomes[v.id] for v in visits])
    return _done({"data": data}, ("patient_comparisons", row.id), patient_id=row.id)


@bp.route("/patients/<int:patient_id>/fhir")
@tag(PHI_READ)
def patient_fhir(patient_id):
    """The patient as a FHIR R4 transaction Bundle (Patient, QuestionnaireResponses, Observations)."""
    row = _patient(patient_id)
    builder = fhir_builder()
    batches = iter_batches([row.site], 1, patient_ids=[row.id])
    bundle = {**fhir_resources.bundle_header(False),
              "entry": [builder.entry(r) for batch in batches for r in builder.batch_resources(batch)]}
    _record("patient_fhir", row.id, row.id)
    db.session.commit()
    return current_app.response_class(json.dumps(bundle, ensure_ascii=False), mimetype=FHIR_JSON)


@bp.route("/visits/<int:visit_id>")
@tag(PHI_READ)
def visit(visit_id):
    row = _visit(visit_id)
    outcome = load_outcomes([row])[row.id]
    return _done({"data": serialize.visit(row, row.patient.study_id, outcome)}, ("visit", row.id),
                 patient_id=row.patient_id)


@bp.route("/visits/<int:visit_id>/responses")
@tag(PHI_READ)
def visit_responses(visit_id):
    row = _visit(visit_id)
    responses = db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.visit_id == row.id, SurveyResponse.status == "submitted")
        .options(selectinload(SurveyResponse.answers)).order_by(SurveyResponse.id)).all()
    data = [serialize.response(response_record(r)) for r in responses]
    return _done({"data": data}, ("visit_responses", row.id), patient_id=row.patient_id)


@bp.route("/visits/<int:visit_id>/scores")
@tag(PHI_READ)
def visit_scores(visit_id):
    row = _visit(visit_id)
    outcome = load_outcomes([row])[row.id]
    return _done({"data": serialize.scores(row, outcome)}, ("visit_scores", row.id), patient_id=row.patient_id)


@bp.route("/fhir/Questionnaire")
@tag(NO_PHI)
def fhir_definitions():
    """Our Questionnaires and CodeSystems as a FHIR collection Bundle."""
    builder = fhir_builder()
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in builder.definitions()]}
    _record("fhir_definitions", None)
    db.session.commit()
    return current_app.response_class(json.dumps(bundle, ensure_ascii=False), mimetype=FHIR_JSON)
