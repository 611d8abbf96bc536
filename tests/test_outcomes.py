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
