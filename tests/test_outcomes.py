"""Visit outcomes and comparisons read from the records must equal pro_app.scoring on the same inputs."""
import pytest
from sqlalchemy import select

from pro_app import outcomes
from pro_app.extensions import db
from pro_app.models import Patient, Visit
from pro_app.scoring import CoreSet, Step1, acr_criss, revised_criss, score_haq_di


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", "demo-password-123"])
    assert result.exit_code == 0, result.output


def _outcomes(study_id):
    patient = db.session.scalar(select(Patient).where(Patient.study_id == study_id))
    visits = outcomes.patient_visits(patient.id)
    return {o.code: o for o in outcomes.load_outcomes(visits).values()}


def test_improved_demo_patient(demo):
    by_code = _outcomes("DEMO-001")
    pair = outcomes.default_pair(list(by_code.values()))

    comparison = outcomes.compare(*pair)

    assert (pair[0].code, pair[1].code) == ("baseline", "m12")
    expected = acr_criss(CoreSet(24, 70.0, 6, 6, 1.5), CoreSet(15, 73.0, 3, 3, 1.0),
                         Step1(False, False, False, False))
    assert comparison.criss.criss == pytest.approx(expected.criss)
    assert comparison.criss.improved is True
    assert comparison.missing == ()


def test_demo_patient_without_fvc_is_not_computable_and_says_who_must_act(demo):
    by_code = _outcomes("DEMO-002")

    comparison = outcomes.compare(by_code["baseline"], by_code["m6"])

    assert comparison.criss.computable is False
    assert [(m.item, m.provider, m.visit_label) for m in comparison.missing] == [("fvc_pct", "clinician", "Month 6")]
    assert "FVC % predicted at Month 6: needs the clinician's assessment" in comparison.missing[0].text


def test_demo_patient_with_renal_crisis_scores_zero(demo):
    by_code = _outcomes("DEMO-003")

    comparison = outcomes.compare(by_code["baseline"], by_code["m6"])

    assert comparison.criss.step1_met and comparison.criss.criss == 0.0
    assert not any(comparison.rcriss.responder.values())


def test_haq_from_answers_uses_aids_and_help(demo):
    baseline = _outcomes("DEMO-001")["baseline"]
    items = {code: baseline.answers[code].value for code in outcomes.HAQ_ITEM_CODES}

    assert baseline.haq.haq_di == score_haq_di(items, aids=["cane"]).haq_di == 1.5
    assert baseline.pt_global == 6 and baseline.pain == 50


def test_drafts_are_not_scored(demo):
    baseline = _outcomes("DEMO-005")["baseline"]

    assert baseline.haq is None and baseline.pt_global is None
    assert [m.item for m in outcomes.missing_inputs(baseline)] == list(("mrss", "fvc_pct", "pt_global", "md_global",
                                                                        "haq_di"))


def test_rcriss_matches_the_scorer(demo):
    by_code = _outcomes("DEMO-001")

    comparison = outcomes.compare(by_code["baseline"], by_code["m6"])

    direct = revised_criss(by_code["baseline"].core, by_code["m6"].core, by_code["m6"].step1)
    assert comparison.rcriss.responder == direct.responder


def test_load_outcomes_query_count_does_not_grow_with_visits(app, demo):
    from sqlalchemy import event

    visits = list(db.session.scalars(select(Visit)))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        outcomes.load_outcomes(visits)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert len(visits) > 20 and len(statements) <= 4


def test_chosen_pair_takes_the_named_follow_up_or_the_default(demo):
    by_code = _outcomes("DEMO-001")
    visits = list(by_code.values())

    assert [o.code for o in outcomes.chosen_pair(visits, "m3")] == ["baseline", "m3"]
    assert [o.code for o in outcomes.chosen_pair(visits, None)] == ["baseline", "m12"]
    with pytest.raises(LookupError):
        outcomes.chosen_pair(visits, "m99")
    with pytest.raises(ValueError, match="not after the baseline"):
        outcomes.chosen_pair(visits, "baseline")


def test_a_chosen_follow_up_without_data_is_still_compared_and_says_what_is_missing(demo):
    by_code = _outcomes("DEMO-004")

    baseline, followup = outcomes.chosen_pair(list(by_code.values()), "m3")
    comparison = outcomes.compare(baseline, followup)

    assert comparison.criss.computable is False
    reasons = dict((m.item, why) for m, why in outcomes.explained_missing(comparison) if m.visit_label == "Month 3")
    assert reasons["haq_di"] == "the patient has not sent this visit's questionnaires"
    assert reasons["mrss"] == "no clinician assessment has been entered for this visit"
    assert reasons["renal_crisis"] == "no clinician assessment has been entered for this visit"


def test_why_missing_names_the_reason_for_each_kind_of_gap(demo):
    by_code = _outcomes("DEMO-002")
    month6 = by_code["m6"]

    assert outcomes.why_missing(month6, "fvc_pct").startswith("FVC % predicted not entered")
    assert month6.assessed_on == month6.target_date


def test_why_missing_explains_skips_and_too_few_haq_categories():
    from dataclasses import replace
    from datetime import UTC, date, datetime

    from pro_app.scoring import Step1

    answers = {"pt_global": outcomes.AnswerValue(None, skipped=True),
               "dress": outcomes.AnswerValue(1), "stand": outcomes.AnswerValue(2)}
    outcome = outcomes.VisitOutcome(
        visit_id=1, patient_id=1, code="m3", label="Month 3", target_date=date(2026, 1, 1), is_baseline=False,
        submitted_at=datetime(2026, 1, 1, tzinfo=UTC), answers=answers,
        instruments={"pt_global": ("1.0", "en"), "haq": ("1.0", "en")}, haq=outcomes.haq_from_answers(answers),
        pt_global=None, pain=None, shaq={}, has_assessment=False, mrss=None, fvc_pct=None, fvc_equation=None,
        md_global=None, step1=Step1())

    assert outcomes.why_missing(outcome, "pt_global") == "the patient chose not to answer"
    assert outcomes.why_missing(outcome, "haq_di") == "only 2 of 8 HAQ-DI categories answered (at least 6 are needed)"
    assert outcomes.why_missing(replace(outcome, answers={}), "pt_global") == "not answered"
    assert outcomes.why_missing(replace(outcome, answers={}, instruments={}), "pt_global") == \
        "the patient global questionnaire was not sent at this visit"
    assert outcomes.why_missing(outcome, "md_global") == "no clinician assessment has been entered for this visit"
