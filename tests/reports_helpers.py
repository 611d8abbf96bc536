"""Patients for the report tests and the PDF benchmark: many visits, every field filled, hostile free text."""
from datetime import date, timedelta

from pro_app.demo import _answer, _assess
from pro_app.extensions import db
from pro_app.models import Answer, Patient, Signature, User, Visit
from pro_app.models.types import utcnow


def hostile_texts(port: int) -> list[str]:
    """What a patient or a member of staff might type into a free-text field that reaches a PDF: URLs the
    renderer must never fetch, markup that must stay text, a template expression that must not run."""
    return [
        f"http://127.0.0.1:{port}/x",
        f"@import url(http://127.0.0.1:{port}/a.css);",
        '<link rel=attachment href="file:///etc/passwd">',
        '<img src="file:///etc/hostname">',
        "<script>alert(1)</script>",
        "SSTI{{7*7}}",
        f"<style>@font-face{{font-family:x;src:url(http://127.0.0.1:{port}/f.ttf)}}</style>",
    ]


def _fit(texts: list[str], limit: int, offset: int = 0) -> str:
    """As many of `texts` as fit in `limit` characters, starting at `offset` (a short column gets a few)."""
    chosen = []
    for text in texts[offset:] + texts[:offset]:
        if len(" ".join(chosen + [text])) <= limit:
            chosen.append(text)
    return " ".join(chosen)


def make_long_patient(site, clinician: User, visits: int = 12, study_id: str = "LONG-012",
                      start: date | None = None) -> Patient:
    """A patient seen every 3 months (`visits` visits, the first is baseline), all data entered, last visit signed."""
    start = start or date.today() - timedelta(days=91 * (visits - 1) + 5)
    patient = Patient(site=site, study_id=study_id, timezone=site.timezone, email="long@example.org")
    db.session.add(patient)
    for index in range(visits):
        day = start + timedelta(days=91 * index)
        code = "baseline" if index == 0 else f"m{3 * index}"
        visit = Visit(patient=patient, code=code, label="Baseline" if index == 0 else f"Month {3 * index}",
                      position=index, target_date=day, window_open=day - timedelta(days=14),
                      window_close=day + timedelta(days=14), instruments="pt_global,haq,shaq",
                      is_baseline=index == 0)
        db.session.add(visit)
        db.session.flush()
        trend = max(0, 3 - index // 3)
        _answer(visit, pt_global=max(1, 7 - index // 2), pain=max(5, 60 - 4 * index),
                haq_scores=tuple(min(3, max(0, trend - (i % 2))) for i in range(8)))
        _assess(visit, clinician, mrss=max(4, 28 - 2 * index), fvc=round(68.0 + 0.7 * index, 1),
                md=max(1, 7 - index // 2))
    db.session.add(Signature(visit_id=visit.id, user_id=clinician.id, printed_name=clinician.name,
                             meaning="Reviewed and approved", content_hash="0" * 64, signed_at=utcnow()))
    db.session.flush()
    return patient


def inject_free_text(patient: Patient, texts: list[str], corrector: User) -> None:
    """Put `texts` into every free-text field that reaches a report: the "other" aid (patient), the FVC
    equation, a correction reason (audit trail), the site name and the signature's name and meaning (staff).
    Columns with a length limit get as many as fit, rotating so that each text is in some short field too."""
    from pro_app import audit

    joined = " ".join(texts)
    patient.site.name = _fit(texts, 120)
    visits = sorted(patient.visits, key=lambda v: v.target_date)
    for number, visit in enumerate(visits[:1] + visits[-1:]):
        haq = next(r for r in visit.responses if r.instrument == "haq")
        haq.answers.append(Answer(item_code="aid_other", value=1, text=joined, answered_at=utcnow()))
        visit.assessment.fvc_equation = _fit(texts, 40, offset=3 + number)
        answer = next(a for a in haq.answers if a.item_code == "dress")
        answer.original_value, answer.original_skipped = answer.value, False
        answer.value = min(3, (answer.value or 0) + 1)
        answer.corrected_at, answer.corrected_by_id = utcnow(), corrector.id
        db.session.flush()
        audit.record("correct", "answer", answer.id, patient_id=patient.id, old=answer.original_value,
                     new=answer.value, reason=joined)
    db.session.add(Signature(visit_id=visits[-1].id, user_id=corrector.id, printed_name=_fit(texts, 120, 2),
                             meaning=_fit(texts, 120, 4), content_hash="1" * 64, signed_at=utcnow()))
    db.session.flush()
