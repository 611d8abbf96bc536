"""Shared set-up for the survey tests: a patient with an open visit and a link, and a full set of answers."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import SurveyResponse
from pro_app.surveys import links

# One complete visit as form posts, page by page (what a patient taps). Category scores: dressing 1, arising 2,
# eating 1 raised to 2 by the utensils, walking 0, hygiene 3, reach skipped (both items), grip 1, activities 1
# raised to 2 by help; the "other" aid never changes a score.
VISIT_FORMS = {
    "pt_global/1": {"pt_global": "6"},
    "haq/1": {"dress": "1", "shampoo": "0"},
    "haq/2": {"stand": "2", "bed": "1"},
    "haq/3": {"cut_meat": "1", "lift_cup": "0", "open_carton": "1", "aid_utensils": "1"},
    "haq/4": {"walk_outdoors": "0", "climb_steps": "0"},
    "haq/5": {"wash_body": "3", "tub_bath": "2", "toilet": "1"},
    "haq/6": {"reach_object": "skip", "bend_down": "skip"},
    "haq/7": {"car_doors": "1", "open_jars": "1", "faucets": "0"},
    "haq/8": {"errands": "1", "car_in_out": "0", "chores": "1", "help_activities": "1",
              "aid_other_text": "Kitchen trolley"},
    "haq/9": {"pain": "40"},
    "shaq/1": {"intestinal": "20"},
    "shaq/2": {"breathing": "35"},
    "shaq/3": {"raynauds-skip": "1"},
    "shaq/4": {"finger_ulcers": "0"},
    "shaq/5": {"overall": "100"},
}
# (1 + 2 + 2 + 0 + 3 + 1 + 2) / 7 answered categories (reach skipped) = 11 / 7
EXPECTED_HAQ_DI = 1.571


def make_link(visit):
    invitation, token = links.issue(visit)
    db.session.commit()
    return SimpleNamespace(visit=visit, patient=visit.patient, invitation=invitation, token=token)


@pytest.fixture
def survey(make_patient):
    """A patient whose baseline window is open today, with a fresh link."""
    patient = make_patient(anchor_days_ago=0)
    return make_link(patient.visits[0])


def open_link(client, survey):
    response = client.get(f"/s/{survey.token}")
    assert response.status_code == 302, response.status_code
    return response


def answer(client, pages=VISIT_FORMS, **query):
    for key, form in pages.items():
        response = client.post(f"/s/{key}", data=form, query_string=query)
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:3000])
    return response


def stored(visit_id) -> dict[str, dict]:
    """{instrument: {item_code: (value, skipped, text)}} as stored."""
    db.session.commit()  # a fresh snapshot
    result = {}
    for response in db.session.scalars(select(SurveyResponse).where(SurveyResponse.visit_id == visit_id)):
        result[response.instrument] = {a.item_code: (a.value, a.skipped, a.text) for a in response.answers}
    return result
