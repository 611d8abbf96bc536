"""G-DATA-4 atomic saves, G-ERR-1 forced internal errors: a fault half-way through a save stores nothing of it,
keeps everything saved before, and shows a generic page without internals."""
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import SurveyResponse, Visit
from tests.test_security import assert_security_headers
from tests.survey_support import VISIT_FORMS, answer, open_link, stored, survey  # noqa: F401


class Boom(RuntimeError):
    pass


def test_a_fault_after_half_a_page_stores_none_of_it(app, client, survey, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    open_link(client, survey)
    answer(client, {"pt_global/1": VISIT_FORMS["pt_global/1"]})
    real_set_answer = SurveyResponse.set_answer
    calls = []

    def failing_set_answer(self, item_code, *args, **kwargs):
        calls.append(item_code)
        if len(calls) == 2:  # the first answer of the page is already in the session's unit of work
            raise Boom("disk on fire at /srv/secret/path")
        return real_set_answer(self, item_code, *args, **kwargs)

    monkeypatch.setattr(SurveyResponse, "set_answer", failing_set_answer)
    response = client.post("/s/haq/1", data={"dress": "2", "shampoo": "3"})

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "disk on fire" not in page and "/srv/secret" not in page
    assert_security_headers(response)  # G-SESS-3: the 500 page too
    assert response.headers["Cache-Control"] == "no-store"
    assert calls[:2] == ["dress", "shampoo"]
    saved = stored(survey.visit.id)
    assert "haq" not in saved or not saved["haq"]  # not even the first item of the failed page
    assert saved["pt_global"]["pt_global"][0] == 6  # what was saved before is intact

    monkeypatch.setattr(SurveyResponse, "set_answer", real_set_answer)
    assert client.post("/s/haq/1", data={"dress": "2", "shampoo": "3"}).status_code == 302
    assert stored(survey.visit.id)["haq"]["dress"][0] == 2


def test_a_fault_during_sending_leaves_the_visit_open_with_every_answer(app, client, survey, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    open_link(client, survey)
    answer(client)
    before = stored(survey.visit.id)

    real_refresh = db.session.refresh

    def failing_refresh(instance, *args, **kwargs):  # after submitted_at and every response were updated
        if isinstance(instance, Visit):
            raise Boom("late failure")
        return real_refresh(instance, *args, **kwargs)

    monkeypatch.setattr(db.session, "refresh", failing_refresh)
    assert client.post("/s/send").status_code == 500
    monkeypatch.undo()

    db.session.commit()
    visit = db.session.get(Visit, survey.visit.id)
    db.session.refresh(visit)
    assert visit.submitted_at is None
    statuses = set(db.session.scalars(select(SurveyResponse.status).where(SurveyResponse.visit_id == visit.id)))
    assert "submitted" not in statuses
    assert stored(survey.visit.id) == before
    assert client.post("/s/send").status_code == 302  # and the patient can simply try again


def test_extra_fields_posted_by_a_patient_change_nothing(client, survey, make_patient):
    """G-AC-2 mass assignment: only the page's own items are read from a form."""
    other = make_patient()
    open_link(client, survey)
    extra = {"patient_id": str(other.id), "visit_id": str(other.visits[0].id), "score": "0", "status": "submitted",
             "submitted_at": "2020-01-01", "finalised_at": "2020-01-01", "version": "99", "language": "de",
             "instrument": "haq", "shampoo": "3"}
    assert client.post("/s/pt_global/1", data={"pt_global": "4", **extra}).status_code == 302

    db.session.commit()
    saved = stored(survey.visit.id)
    assert saved == {"pt_global": {"pt_global": (4, False, None)}}
    response = db.session.scalar(select(SurveyResponse).where(SurveyResponse.visit_id == survey.visit.id))
    assert (response.status, response.submitted_at, response.language) == ("in_progress", None, "en")
    assert db.session.get(Visit, survey.visit.id).submitted_at is None
    assert stored(other.visits[0].id) == {}
