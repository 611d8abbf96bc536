"""`flask demo`: a demo site with one user per role and patients in every state a new user should see.

Patients (dates relative to today, so the demo always looks current):
- DEMO-001: four visits over a year, improving (ACR-CRISS computable and improved);
- DEMO-002: month 3 missed, month 6 without FVC (CRISS not computable: the clinician must add FVC);
- DEMO-003: renal crisis at month 6 (Step 1 met: CRISS 0.0);
- DEMO-004: month 3 window open today, not started, an invitation due now (its link is printed);
- DEMO-005: baseline open, questionnaire half done;
- DEMO-006: enrolled, baseline window not open yet.
Running it again keeps the data and prints new staff passwords and a new survey link.
"""
import secrets
from datetime import date, timedelta

import click
from flask import current_app
from sqlalchemy import select

from . import audit
from .auth.passwords import hash_password
from .coordinator.plans import enrol, ensure_default_plan
from .extensions import db
from .instruments import VERSIONS
from .models import Answer, ClinicianAssessment, MRSS_SITE_CODES, Patient, Site, SurveyResponse, User, Visit
from .models.types import utcnow
from .scheduling import local_midnight

STAFF = (("admin", "Ada Admin"), ("clinician", "Dr Clara Clinician"), ("coordinator", "Colin Coordinator"))
HAQ_ITEMS = {
    "dressing": ("dress", "shampoo"), "arising": ("stand", "bed"),
    "eating": ("cut_meat", "lift_cup", "open_carton"), "walking": ("walk_outdoors", "climb_steps"),
    "hygiene": ("wash_body", "tub_bath", "toilet"), "reach": ("reach_object", "bend_down"),
    "grip": ("car_doors", "open_jars", "faucets"), "activities": ("errands", "car_in_out", "chores"),
}
SPREAD_ORDER = ("l_fingers", "r_fingers", "l_hand_dorsum", "r_hand_dorsum", "l_forearm", "r_forearm", "face",
                "l_upper_arm", "r_upper_arm", "l_lower_leg", "r_lower_leg", "l_foot_dorsum", "r_foot_dorsum",
                "chest", "abdomen", "l_thigh", "r_thigh")


@click.command("demo")
@click.option("--password", help="Use this password for every demo staff account instead of random ones.")
def demo(password):
    """Load demo data (site DEMO, staff, patients DEMO-001...) and print how to sign in."""
    today = date.today()
    site = db.session.scalar(select(Site).where(Site.code == "DEMO"))
    created = site is None
    if created:
        site = Site(code="DEMO", name="Demo Scleroderma Clinic", timezone="Europe/London")
        db.session.add(site)
        db.session.flush()
    passwords = {}
    for role, name in STAFF:
        email = f"{role}@demo.example"
        pw = password or f"demo-{secrets.token_urlsafe(9)}"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=role, site=site, password_hash=hash_password(pw))
            db.session.add(user)
            db.session.flush()
            audit.record("create", "user", user.id, new={"email": email, "role": role, "site": "DEMO"})
        else:
            user.password_hash = hash_password(pw)
            audit.record("reset_password", "user", user.id, reason="flask demo")
        passwords[email] = pw
    if created:
        _patients(site, today)
    db.session.commit()

    click.echo("Demo data " + ("loaded." if created else "already present; staff passwords reset."))
    for email, pw in passwords.items():
        click.echo(f"  {email:28} {pw}")
    link = _open_link()
    click.echo(f"Sign in at {current_app.config['BASE_URL'].rstrip('/')}/login")
    if link:
        click.echo("Open survey link (patient DEMO-004, month 3):")
        click.echo(link)


def _open_link():
    if "surveys.open_link" not in current_app.view_functions:
        return None
    from .surveys.links import issue, link_url

    visit = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == "DEMO-004", Visit.code == "m3"))
    if visit is None:
        return None
    invitation, token = issue(visit)
    db.session.flush()
    audit.record("create", "invitation", invitation.id, patient_id=visit.patient_id, new={"visit": visit.code},
                 reason="flask demo")
    db.session.commit()
    return link_url(token)


def _patients(site: Site, today: date) -> None:
    plan = ensure_default_plan()
    clinician = db.session.scalar(select(User).where(User.email == "clinician@demo.example"))

    def patient(number, anchor_days_ago, language="en", **contact):
        p = Patient(site=site, study_id=f"DEMO-{number:03d}", language=language, timezone=site.timezone,
                    email=contact.get("email", f"patient{number}@demo.example"), phone=contact.get("phone"),
                    preferred_channel=contact.get("channel", "email"))
        db.session.add(p)
        enrol(p, plan, today - timedelta(days=anchor_days_ago))
        db.session.flush()
        audit.record("create", "patient", p.id, patient_id=p.id, reason="flask demo")
        return {v.code: v for v in p.visits}

    # DEMO-001: improving over a year.
    v = patient(1, 380)
    for code, core, haq_scores in (
        ("baseline", (24, 70.0, 6, 6), (2, 2, 2, 2, 1, 1, 1, 1)),
        ("m3", (21, 70.5, 5, 5), (2, 2, 2, 1, 1, 1, 1, 1)),
        ("m6", (18, 71.5, 4, 4), (2, 2, 1, 1, 1, 1, 1, 1)),
        ("m12", (15, 73.0, 3, 3), (2, 1, 1, 1, 1, 1, 1, 0)),
    ):
        _answer(v[code], core[2], haq_scores, pain=50 - 8 * list(v).index(code))
        _assess(v[code], clinician, mrss=core[0], fvc=core[1], md=core[3])
    v["baseline"].baseline_locked_at = utcnow()

    # DEMO-002: month 3 missed; month 6 assessed without FVC.
    v = patient(2, 190, language="de")
    _answer(v["baseline"], 7, (2, 2, 2, 2, 2, 1, 1, 1), pain=65)
    _assess(v["baseline"], clinician, mrss=30, fvc=62.0, md=7)
    _answer(v["m6"], 6, (2, 2, 2, 2, 1, 1, 1, 1), pain=55)
    _assess(v["m6"], clinician, mrss=27, fvc=None, md=6)

    # DEMO-003: renal crisis by month 6.
    v = patient(3, 195, channel="sms", phone="+447700900003", email=None)
    _answer(v["baseline"], 5, (1, 1, 1, 1, 1, 1, 1, 1), pain=40)
    _assess(v["baseline"], clinician, mrss=20, fvc=80.0, md=5)
    _answer(v["m3"], 5, (1, 1, 1, 1, 1, 1, 1, 1), pain=40)
    _assess(v["m3"], clinician, mrss=19, fvc=79.0, md=5)
    _answer(v["m6"], 8, (2, 2, 2, 2, 2, 2, 1, 1), pain=70)
    _assess(v["m6"], clinician, mrss=22, fvc=74.0, md=8, renal_crisis=True)

    # DEMO-004: baseline done; month 3 open today, not started.
    v = patient(4, 91)
    _answer(v["baseline"], 4, (1, 1, 1, 1, 1, 1, 0, 0), pain=30)
    _assess(v["baseline"], clinician, mrss=16, fvc=88.0, md=4)

    # DEMO-005: baseline half answered.
    v = patient(5, 3)
    _answer(v["baseline"], 6, (2, 1, 1, 2, None, None, None, None), pain=None, submit=False)

    # DEMO-006: baseline window opens in a few days.
    patient(6, -20)


def _answer(visit: Visit, pt_global, haq_scores, pain, submit=True) -> None:
    """Patient answers: Patient Global, HAQ-DI items (worst item per category = the given score), VAS."""
    opened = local_midnight(visit.target_date, visit.patient.timezone) + timedelta(hours=10)
    sent = opened + timedelta(minutes=9)
    status = "submitted" if submit else "in_progress"
    items = {}
    for (category, codes), score in zip(HAQ_ITEMS.items(), haq_scores):
        if score is None:
            continue
        items[codes[0]] = score
        for code in codes[1:]:
            items[code] = max(score - 1, 0)
    items.update({f"help_{category}": 0 for category, score in zip(HAQ_ITEMS, haq_scores) if score is not None})
    if haq_scores[3] == 2:
        items["aid_cane"] = 1
    answers = {"pt_global": {"pt_global": pt_global}, "haq": items}
    if pain is not None:
        answers["haq"]["pain"] = pain
        answers["shaq"] = {"intestinal": pain // 3, "breathing": pain // 2, "raynauds": pain,
                           "finger_ulcers": pain // 4, "overall": pain}
    for instrument, values in answers.items():
        response = SurveyResponse(visit=visit, instrument=instrument, version=VERSIONS[instrument],
                                  language=visit.patient.language, status=status, started_at=opened,
                                  updated_at=sent, submitted_at=sent if submit else None)
        for code, value in values.items():
            response.answers.append(Answer(item_code=code, value=value, answered_at=opened))
        db.session.add(response)
    if submit:
        visit.submitted_at = sent


def _assess(visit: Visit, clinician: User, mrss, fvc, md, **step1) -> None:
    sites = {f"mrss_{site}": 0 for site in MRSS_SITE_CODES}
    remaining = mrss
    for depth in (17, 11, 7):  # distal sites thicken first, as in diffuse SSc
        for site in SPREAD_ORDER[:depth]:
            if remaining:
                sites[f"mrss_{site}"] += 1
                remaining -= 1
    events = {"renal_crisis": False, "fvc_decline": False, "lv_failure": False, "pah": False, **step1}
    at = local_midnight(visit.target_date, visit.patient.timezone) + timedelta(hours=11)
    assessment = ClinicianAssessment(
        visit=visit, assessed_on=visit.target_date, fvc_pct=fvc, fvc_equation="GLI-2012" if fvc else None,
        md_global=md, updated_by_id=clinician.id, created_at=at, updated_at=at, **sites, **events,
    )
    db.session.add(assessment)
