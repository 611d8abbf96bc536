"""Visit scores and two-visit comparisons, computed from the records whenever they are needed.

The one place that turns stored answers and clinician assessments into the inputs of `pro_app.scoring`;
the clinic pages, the PDF summaries, the exports and the coordinator's readiness view all read from here,
so they can never disagree. Scores are not stored (DESIGN.md: they would go stale).

Only *submitted* patient answers are scored: a draft the patient has not sent is not yet their answer.
Item codes are those stored by the survey (instruments package): `pt_global`; the 20 HAQ-DI items;
`aid_<aid code>` and `help_<category>` (1 = ticked); `pain`; the five Scleroderma-HAQ VAS items.
"""
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime

from sqlalchemy import select

from .extensions import db
from .models import ClinicianAssessment, SurveyResponse, Visit
from .scoring import (
    CORE_ITEMS, HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS, CoreSet, CrissResult, HaqResult, McidFlag, MissingInput,
    MrssResult, RevisedCrissResult, Step1, acr_criss, mcid_flags, revised_criss, score_haq_di, score_mrss,
    suggest_fvc_decline,
)

SHAQ_ITEMS = ("intestinal", "breathing", "raynauds", "finger_ulcers", "overall")
HAQ_ITEM_CODES = tuple(code for codes in HAQ_ITEMS.values() for code in codes)
CORE_LABELS = {
    "mrss": "mRSS", "fvc_pct": "FVC % predicted", "pt_global": "Patient global",
    "md_global": "Physician global", "haq_di": "HAQ-DI",
}
STEP1_LABELS = {
    "renal_crisis": "Scleroderma renal crisis", "fvc_decline": "Confirmed FVC decline (ILD)",
    "lv_failure": "Left-ventricular failure", "pah": "Pulmonary arterial hypertension",
}


@dataclass(frozen=True)
class AnswerValue:
    value: int | None
    skipped: bool = False
    text: str | None = None
    corrected: bool = False


@dataclass(frozen=True)
class VisitOutcome:
    """Everything scored at one visit, with what was used and what is missing."""

    visit_id: int
    patient_id: int
    code: str
    label: str
    target_date: date
    is_baseline: bool
    submitted_at: datetime | None
    answers: dict[str, AnswerValue]
    instruments: dict[str, tuple[str, str]]  # instrument -> (version, language) of submitted responses
    haq: HaqResult | None
    pt_global: int | None
    pain: int | None
    shaq: dict[str, int | None]
    has_assessment: bool
    mrss: MrssResult | None
    fvc_pct: float | None
    fvc_equation: str | None
    md_global: int | None
    step1: Step1
    signed: bool = False
    corrected_items: frozenset[str] = field(default_factory=frozenset)
    assessed_on: date | None = None

    @property
    def core(self) -> CoreSet:
        return CoreSet(
            mrss=self.mrss.mrss if self.mrss else None, fvc_pct=self.fvc_pct, pt_global=self.pt_global,
            md_global=self.md_global, haq_di=self.haq.haq_di if self.haq else None,
        )

    @property
    def has_patient_data(self) -> bool:
        return self.submitted_at is not None

    @property
    def has_any_data(self) -> bool:
        return self.has_patient_data or self.has_assessment


@dataclass(frozen=True)
class Missing:
    """One missing input, said the way a clinician needs it: which visit, what, and who must provide it."""

    visit_label: str
    item: str
    provider: str  # patient | clinician

    @property
    def text(self) -> str:
        label = CORE_LABELS.get(self.item) or STEP1_LABELS.get(self.item, self.item)
        who = "the patient's questionnaire" if self.provider == "patient" else "the clinician's assessment"
        if self.item in STEP1_LABELS:
            return f"{label} (Step 1) not yet adjudicated at {self.visit_label}: needs {who}"
        return f"{label} at {self.visit_label}: needs {who}"


@dataclass(frozen=True)
class Comparison:
    baseline: VisitOutcome
    followup: VisitOutcome
    criss: CrissResult
    rcriss: RevisedCrissResult
    mcid: dict[str, McidFlag]
    fvc_equation_changed: bool
    fvc_decline_suggested: bool | None
    missing: tuple[Missing, ...]

    @property
    def deltas(self) -> dict[str, float | None]:
        return self.criss.deltas


def _answers(responses) -> tuple[dict[str, AnswerValue], dict[str, tuple[str, str]], frozenset[str]]:
    answers, instruments, corrected = {}, {}, set()
    for response in responses:
        if response.status != "submitted":
            continue
        instruments[response.instrument] = (response.version, response.language)
        for answer in response.answers:
            answers[answer.item_code] = AnswerValue(answer.value, answer.skipped, answer.text,
                                                    answer.corrected_at is not None)
            if answer.corrected_at is not None:
                corrected.add(answer.item_code)
    return answers, instruments, frozenset(corrected)


def _value(answers: dict[str, AnswerValue], code: str) -> int | None:
    answer = answers.get(code)
    return None if answer is None or answer.skipped else answer.value


def haq_from_answers(answers: dict[str, AnswerValue]) -> HaqResult | None:
    if not any(code in answers for code in HAQ_ITEM_CODES):
        return None
    items = {code: _value(answers, code) for code in HAQ_ITEM_CODES}
    aids = [aid for aid in HAQ_AIDS if _value(answers, f"aid_{aid}") == 1]
    helped = [category for category in HAQ_CATEGORIES if _value(answers, f"help_{category}") == 1]
    return score_haq_di(items, aids=aids, help=helped)


def visit_outcome(visit: Visit, responses, assessment: ClinicianAssessment | None, signed: bool = False) -> VisitOutcome:
    answers, instruments, corrected = _answers(responses)
    if assessment is not None:
        mrss = score_mrss(assessment.mrss_sites())
        step1 = Step1(**assessment.step1())
        fvc, equation, md = assessment.fvc_pct, assessment.fvc_equation, assessment.md_global
        assessed_on = assessment.assessed_on
    else:
        mrss, step1, fvc, equation, md, assessed_on = None, Step1(), None, None, None, None
    return VisitOutcome(
        visit_id=visit.id, patient_id=visit.patient_id, code=visit.code, label=visit.label,
        target_date=visit.target_date, is_baseline=visit.is_baseline, submitted_at=visit.submitted_at,
        answers=answers, instruments=instruments, haq=haq_from_answers(answers),
        pt_global=_value(answers, "pt_global"), pain=_value(answers, "pain"),
        shaq={code: _value(answers, code) for code in SHAQ_ITEMS},
        has_assessment=assessment is not None, mrss=mrss, fvc_pct=fvc, fvc_equation=equation, md_global=md,
        step1=step1, signed=signed, corrected_items=corrected, assessed_on=assessed_on,
    )


class _Response(NamedTuple):
    """The part of a submitted SurveyResponse that scoring reads (plain rows: no ORM objects to build)."""
    status: str
    instrument: str
    version: str
    language: str
    answers: list


class _Answer(NamedTuple):
    item_code: str
    value: int | None
    skipped: bool
    text: str | None
    corrected_at: datetime | None


def load_outcomes(visits: list[Visit]) -> dict[int, VisitOutcome]:
    """Outcomes for many visits in four queries, whatever their number (no N+1).

    Answers are read as plain rows: building ORM objects for the 20-30 answers of each visit cost most of
    the clinician patient list's time (25 patients x 10 visits)."""
    from .models import Answer, Signature

    ids = [visit.id for visit in visits]
    if not ids:
        return {}
    submitted = (SurveyResponse.visit_id.in_(ids), SurveyResponse.status == "submitted")
    by_id: dict[int, _Response] = {}
    responses: dict[int, list[_Response]] = {i: [] for i in ids}
    for row in db.session.execute(select(SurveyResponse.id, SurveyResponse.visit_id, SurveyResponse.instrument,
                                         SurveyResponse.version, SurveyResponse.language).where(*submitted)
                                  .order_by(SurveyResponse.id)):
        response = by_id[row.id] = _Response("submitted", row.instrument, row.version, row.language, [])
        responses[row.visit_id].append(response)
    if by_id:
        for row in db.session.execute(
                select(Answer.response_id, Answer.item_code, Answer.value, Answer.skipped, Answer.text,
                       Answer.corrected_at).join(SurveyResponse, SurveyResponse.id == Answer.response_id)
                .where(*submitted).order_by(Answer.id)):
            by_id[row.response_id].answers.append(
                _Answer(row.item_code, row.value, row.skipped, row.text, row.corrected_at))
    assessments = {a.visit_id: a for a in db.session.scalars(
        select(ClinicianAssessment).where(ClinicianAssessment.visit_id.in_(ids)))}
    signed = set(db.session.scalars(select(Signature.visit_id).where(
        Signature.visit_id.in_(ids), Signature.superseded_at.is_(None))))
    return {visit.id: visit_outcome(visit, responses[visit.id], assessments.get(visit.id), visit.id in signed)
            for visit in visits}


def compare(baseline: VisitOutcome, followup: VisitOutcome) -> Comparison:
    """ACR-CRISS, revised CRISS and MCID flags from `baseline` to `followup` (Step-1 events from the follow-up)."""
    criss = acr_criss(baseline.core, followup.core, followup.step1)
    rcriss = revised_criss(baseline.core, followup.core, followup.step1)
    labels = {"baseline": baseline.label, "followup": followup.label, "step1": followup.label}
    missing = tuple(Missing(labels[m.visit], m.field, m.provider) for m in criss.missing)
    return Comparison(
        baseline=baseline, followup=followup, criss=criss, rcriss=rcriss,
        mcid=mcid_flags(baseline.core, followup.core),
        fvc_equation_changed=bool(baseline.fvc_equation and followup.fvc_equation
                                  and baseline.fvc_equation != followup.fvc_equation),
        fvc_decline_suggested=suggest_fvc_decline(baseline.fvc_pct, followup.fvc_pct),
        missing=missing,
    )


def missing_inputs(outcome: VisitOutcome, as_followup: bool = True) -> list[Missing]:
    """What this visit still lacks for a CRISS comparison (readiness), by provider."""
    core = outcome.core
    missing = [Missing(outcome.label, item, "patient" if item in ("pt_global", "haq_di") else "clinician")
               for item in CORE_ITEMS if getattr(core, item) is None]
    if as_followup and not outcome.is_baseline:
        missing += [Missing(outcome.label, event, "clinician") for event, value in outcome.step1.to_dict().items()
                    if value is None]
    return missing


def baseline_outcome(outcomes: list[VisitOutcome]) -> VisitOutcome | None:
    """The visit marked as baseline, else the earliest one."""
    ordered = sorted(outcomes, key=lambda o: o.target_date)
    return next((o for o in ordered if o.is_baseline), ordered[0] if ordered else None)


def default_pair(outcomes: list[VisitOutcome]) -> tuple[VisitOutcome, VisitOutcome] | None:
    """Baseline versus the latest later visit with any data: the comparison a clinician asks for first."""
    baseline = baseline_outcome(outcomes)
    if baseline is None:
        return None
    later = [o for o in sorted(outcomes, key=lambda o: o.target_date)
             if o.target_date > baseline.target_date and o.has_any_data]
    return (baseline, later[-1]) if later else None


def chosen_pair(outcomes: list[VisitOutcome], followup_code: str | None) -> tuple[VisitOutcome, VisitOutcome] | None:
    """Baseline versus the visit `followup_code` (any later visit, with data or not), else `default_pair`.

    Raises LookupError when the code is not one of these visits, ValueError when it is not after the baseline.
    """
    if not followup_code:
        return default_pair(outcomes)
    followup = next((o for o in outcomes if o.code == followup_code), None)
    if followup is None:
        raise LookupError(followup_code)
    baseline = baseline_outcome(outcomes)
    if followup.target_date <= baseline.target_date:
        raise ValueError(f"{followup.label} is not after the baseline")
    return baseline, followup


def why_missing(outcome: VisitOutcome, item: str) -> str:
    """Why a core item or a Step-1 answer of this visit has no value, in words a clinician can act on."""
    if item in ("pt_global", "haq_di"):
        if not outcome.has_patient_data:
            return "the patient has not sent this visit's questionnaires"
        if item == "pt_global":
            answer = outcome.answers.get("pt_global")
            if answer is not None and answer.skipped:
                return "the patient chose not to answer"
            if "pt_global" not in outcome.instruments:
                return "the patient global questionnaire was not sent at this visit"
            return "not answered"
        if outcome.haq is None:
            return "the HAQ-DI was not answered at this visit"
        return (f"only {outcome.haq.categories_answered} of 8 HAQ-DI categories answered "
                "(at least 6 are needed)")
    if not outcome.has_assessment:
        return "no clinician assessment has been entered for this visit"
    if item == "mrss":
        unscored = len(outcome.mrss.missing_sites) if outcome.mrss else 17
        return f"{unscored} of 17 skin sites not scored"
    if item == "fvc_pct":
        return "FVC % predicted not entered (pulmonary function test not done or not recorded)"
    if item == "md_global":
        return "physician global assessment not entered"
    if item in STEP1_LABELS:
        return "not yet adjudicated by the clinician"
    raise KeyError(item)


def explained_missing(comparison: Comparison) -> list[tuple[Missing, str]]:
    """Each input the comparison lacks, with `why_missing` for it."""
    visits = {"baseline": comparison.baseline, "followup": comparison.followup, "step1": comparison.followup}
    # comparison.missing is built from criss.missing in the same order; the latter knows which visit.
    return [(missing, why_missing(visits[raw.visit], missing.item))
            for raw, missing in zip(comparison.criss.missing, comparison.missing)]


def patient_visits(patient_id: int) -> list[Visit]:
    return list(db.session.scalars(select(Visit).where(Visit.patient_id == patient_id).order_by(Visit.target_date)))
