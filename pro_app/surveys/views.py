"""The patient survey (blueprint "surveys", at /s: short links for text messages).

/s/<token> exchanges a link for a patient session and redirects to a token-free page. Then: the start page
(the visit's questionnaires), one page per HAQ category or single question, "Check your answers", "Send your
answers", and a confirmation. Every Continue saves its page on the server (Post/Redirect/Get); a Continue sent
by our JavaScript gets JSON instead of the redirect, so an offline draft can be retried.
"""
import logging
import re

from flask import (Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from .. import audit, throttle
from ..auth import sessions
from ..extensions import db
from ..models import Invitation, ServerSession, Visit
from ..models.types import utcnow
from ..policy import PATIENT, tag
from ..security import digest
from . import flow, links, responses
from .summary import check_groups

bp = Blueprint("surveys", __name__, url_prefix="/s")
log = logging.getLogger("pro_app.surveys")

LANG_KEY, CARRY_KEY = "plang", "pcarry"
THROTTLE_SCOPE = "survey-token"
MAX_TOKEN_LENGTH = 100
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
PROBLEMS = {  # kind -> HTTP status
    "unknown": 404, "not_yet_open": 403, "expired": 410, "revoked": 410, "session_ended": 401, "too_many": 429,
}


class RedactTokens(logging.Filter):
    """Access logs (werkzeug, gunicorn) never keep a survey token: /s/<token> becomes /s/[token]."""

    pattern = re.compile(r"/s/[A-Za-z0-9_-]{20,}")

    def _clean(self, value):
        return self.pattern.sub("/s/[token]", value) if isinstance(value, str) else value

    def filter(self, record):
        if isinstance(record.args, tuple):  # werkzeug: '%s - - "%s" %s'
            record.args = tuple(self._clean(a) for a in record.args)
        elif isinstance(record.args, dict):  # gunicorn.access: '%(r)s %(U)s %(f)s...' with a dict of atoms
            record.args = {key: self._clean(value) for key, value in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = self.pattern.sub("/s/[token]", record.msg)
        return True


@bp.record_once
def _redact_access_logs(state):
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "pro_app.errors"):
        logging.getLogger(name).addFilter(RedactTokens())


@bp.before_request
def load_patient():
    """Every page but the link itself needs a live patient session whose link still works."""
    if request.endpoint in ("surveys.open_link", None):
        return None
    row = sessions.current("patient", current_app.config["PATIENT_IDLE_TIMEOUT"], options=(
        joinedload(ServerSession.invitation).joinedload(Invitation.visit).joinedload(Visit.patient),))
    invitation = row.invitation if row else None
    if invitation is None:
        return problem("session_ended")
    visit, patient = invitation.visit, invitation.visit.patient
    _as_patient(patient)
    g.locale = session.get(LANG_KEY) or patient.language
    state = links.state(invitation)
    if state in (links.EXPIRED, links.REVOKED, links.NOT_YET_OPEN):
        sessions.forget("patient")
        return problem(state)
    g.visit, g.patient = visit, patient
    return None


def _as_patient(patient) -> None:
    g.actor = ("patient", patient.id, patient.study_id, "patient")


def problem(kind: str):
    return render_template("surveys/problem.html", kind=kind), PROBLEMS[kind]


def already_sent():
    return render_template("surveys/sent.html", confirmation=False, visit=g.visit)


def translation(instrument):
    return instrument.translation(g.locale)


@bp.route("/<string(minlength=20):token>")  # shorter paths are our own pages, never a token
@tag(PATIENT)
def open_link(token):
    config = current_app.config
    client = request.remote_addr or "unknown"
    throttle.serialize(THROTTLE_SCOPE, client)
    if throttle.count(THROTTLE_SCOPE, client, config["TOKEN_WINDOW"]) >= config["TOKEN_MAX_FAILURES"]:
        log.warning("survey link refused: too many bad tokens from this client (request %s)", g.request_id)
        return problem("too_many")
    invitation = links.find(token) if len(token) <= MAX_TOKEN_LENGTH else None
    if invitation is None:
        throttle.hit(THROTTLE_SCOPE, client)
        db.session.commit()
        log.info("unknown survey token %s (request %s)", digest(token)[:12], g.request_id)
        return problem("unknown")
    visit, patient = invitation.visit, invitation.visit.patient
    _as_patient(patient)
    g.locale = patient.language
    state = links.state(invitation)
    if state != links.OPEN:
        audit.record("open_refused", "invitation", invitation.id, patient_id=patient.id, reason=state)
        db.session.commit()
        g.visit = visit
        if state == links.SUBMITTED:
            return already_sent()
        return problem(state)
    now = utcnow()
    invitation.first_opened_at = invitation.first_opened_at or now
    invitation.last_opened_at = now
    for key in (LANG_KEY, CARRY_KEY):
        session.pop(key, None)
    sessions.start("patient", visit_id=visit.id, invitation_id=invitation.id)
    audit.record("open", "invitation", invitation.id, patient_id=patient.id)
    db.session.commit()
    return redirect(url_for(".start"))


@bp.route("/start")
@tag(PATIENT, readonly=True)
def start():
    if g.visit.submitted_at:
        return already_sent()
    answers = responses.load(g.visit)
    answered = answers.answered()
    tasks = []
    for ref in answers.pages:
        if ref.number == 1:
            status = flow.instrument_status(ref.instrument, answered.get(ref.instrument.code, set()))
            tasks.append((ref, translation(ref.instrument), status))
    resume = answers.resume_at()
    started = any(status != "not_started" for _ref, _t, status in tasks)
    return render_template("surveys/start.html", tasks=tasks, resume_url=_page_url(resume), started=started,
                           visit=g.visit, page_key="start")


@bp.route("/<instrument_code>/<int:number>", methods=["GET", "POST"])
@tag(PATIENT, readonly=True)
def question(instrument_code, number):
    if g.visit.submitted_at:
        return already_sent()
    answers = responses.load(g.visit)
    pages = answers.pages
    ref = flow.find_page(pages, instrument_code, number)
    if ref is None:
        abort(404)
    t = translation(ref.instrument)
    returning = request.values.get("return") == "check"
    errors = []
    if request.method == "POST":
        page_answers, errors = flow.read_page(ref.page, request.form)
        if not errors:
            return _save(ref, page_answers, t, pages, returning)
        values = request.form.to_dict()
    else:
        values = _carried(ref) or flow.form_values(ref.page, answers.saved(instrument_code))
    messages = {error.item: _message(error, t) for error in errors}
    previous = pages[ref.position - 1] if ref.position else None
    back = url_for(".check") if returning else (_page_url(previous) if previous else url_for(".start"))
    return render_template(
        "surveys/question.html", ref=ref, page=ref.page, t=t, values=values, messages=messages,
        error_links=[(error.target, messages[error.item]) for error in errors], page_has_errors=bool(errors),
        back_url=back, returning=returning, stamp=answers.stamp(ref), page_key=ref.key,
        draft_key=f"v{g.visit.id}:{ref.key}",
    ), 400 if errors else 200


def _save(ref, page_answers, t, pages, returning):
    try:
        response, changes = responses.save_page(g.visit, ref.instrument, ref.page, page_answers, t)
    except responses.AlreadySubmitted:
        db.session.rollback()
        return already_sent()
    if changes:
        audit.record("save", "survey_response", response.id, patient_id=g.patient.id, changes=changes)
    else:
        audit.record("save", "survey_response", response.id, patient_id=g.patient.id, new={"unchanged": ref.key})
    db.session.commit()
    following = pages[ref.position + 1] if ref.position + 1 < len(pages) else None
    target = url_for(".check") if returning or following is None else _page_url(following)
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify(saved=True, next=target)
    return redirect(target)


def _message(error: flow.FieldError, t) -> str:
    if error.kind == "missing":
        return t[f"item.{error.item}.error"]
    if error.kind == "range":
        return _("Enter a whole number from 0 to 100")
    if error.kind == "both":
        return _("Enter a number or select ‘Prefer not to answer’, not both")
    return t["aid.other.error"]


def _carried(ref) -> dict | None:
    """Answers typed on this page before a language switch (not saved: the patient has not pressed Continue)."""
    carry = session.get(CARRY_KEY)
    if not carry or carry.get("page") != ref.key:
        return None
    session.pop(CARRY_KEY)
    return carry.get("values") or None


def _page_url(ref, **args):
    if ref is None:
        return url_for(".check")
    return url_for(".question", instrument_code=ref.instrument.code, number=ref.number, **args)


@bp.route("/check")
@tag(PATIENT, readonly=True)
def check():
    if g.visit.submitted_at:
        return already_sent()
    answers = responses.load(g.visit)
    return _check_page(answers, missing=[])


def _check_page(answers, missing, status=200):
    groups = check_groups(answers, g.locale)
    error_links = [(f"row-{ref.page.items[0].code}",
                    _("Answer the questions in ‘%(page)s’", page=_page_title(ref))) for ref in missing]
    last = answers.pages[-1] if answers.pages else None
    return render_template("surveys/check.html", groups=groups, error_links=error_links,
                           page_has_errors=bool(missing), back_url=_page_url(last) if last else url_for(".start"),
                           page_key="check", incomplete=bool(responses.missing_pages(answers))), status


def _page_title(ref) -> str:
    t = translation(ref.instrument)
    if len(ref.page.items) == 1 and not ref.page.checkbox_codes:
        return t[f"item.{ref.page.items[0].code}"]
    return t[f"page.{ref.page.key}"]


@bp.route("/send", methods=["POST"])
@tag(PATIENT)
def send():
    if g.visit.submitted_at:
        return redirect(url_for(".sent"))
    try:
        sent_now = responses.submit(g.visit)
    except responses.Incomplete as incomplete:
        db.session.rollback()
        return _check_page(responses.load(g.visit), incomplete.pages, status=400)
    if sent_now:
        versions = {r.instrument: r.version for r in responses.load(g.visit).responses.values()}
        audit.record("submit", "visit", g.visit.id, patient_id=g.patient.id, new={"instruments": versions})
        db.session.commit()
    else:
        db.session.rollback()
    return redirect(url_for(".sent"))


@bp.route("/sent")
@tag(PATIENT, readonly=True)
def sent():
    if not g.visit.submitted_at:
        return redirect(url_for(".start"))
    return render_template("surveys/sent.html", confirmation=True, visit=g.visit)


@bp.route("/language", methods=["POST"])
@tag(PATIENT)
def language():
    """Switch language and come back to the same page, carrying what was typed there (nothing is saved)."""
    chosen = request.form.get("language", "")
    if chosen in current_app.config["LANGUAGES"]:
        session[LANG_KEY] = chosen
    page = request.form.get("page", "")
    returning = request.form.get("return") == "check"
    if page in ("check", "sent"):
        return redirect(url_for(f".{page}"))
    instrument_code, _slash, number = page.partition("/")
    ref = None
    if re.fullmatch(r"[0-9]{1,3}", number):  # ASCII digits only: "²".isdigit() is true but int("²") fails
        ref = flow.find_page(responses.load(g.visit).pages, instrument_code, int(number))
    if ref is None:
        return redirect(url_for(".start"))
    values = {name: request.form[name][:300] for name in flow.field_names(ref.page) if request.form.get(name)}
    if values:
        session[CARRY_KEY] = {"page": ref.key, "values": values}
    return redirect(_page_url(ref, **({"return": "check"} if returning else {})))
