"""The survey pages through the test client: what a patient sees, what each Continue stores, and where it goes."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from pro_app.extensions import db
from pro_app.models import AuditEvent, SurveyResponse
from tests.pages import check_page
from tests.survey_support import VISIT_FORMS, answer, open_link, stored, survey  # noqa: F401

PAGE_KEYS = list(VISIT_FORMS)


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.preset = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("radio", "checkbox") and "checked" in attrs:
            self.preset.append(attrs["id"])
        if tag == "input" and attrs.get("type") in ("text", "number") and attrs.get("value"):
            self.preset.append(attrs["id"])
        if tag == "option" and "selected" in attrs:
            self.preset.append("option")
        if attrs.get("role") == "slider" or "aria-valuenow" in attrs:
            self.preset.append("slider")


def preset_inputs(html: str) -> list[str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.preset


def test_nothing_is_preselected_on_the_first_render_of_any_page(client, survey):
    open_link(client, survey)

    for path in ["/s/start", *[f"/s/{key}" for key in PAGE_KEYS], "/s/check"]:
        response = client.get(path)
        assert response.status_code == 200, path
        check_page(response)
        assert preset_inputs(response.get_data(as_text=True)) == [], path


def test_the_start_page_lists_the_questionnaires_and_starts_at_the_first_page(client, survey):
    open_link(client, survey)

    page = client.get("/s/start").get_data(as_text=True)

    assert page.count("Not started") == 3
    assert re.search(r'href="/s/pt_global/1"[^>]*>Start now', page)


def test_statuses_follow_the_answers(client, survey):
    open_link(client, survey)
    answer(client, {key: VISIT_FORMS[key] for key in PAGE_KEYS[:3]})

    page = client.get("/s/start").get_data(as_text=True)

    assert [status for status in re.findall(r"(Completed|In progress|Not started)</strong>", page)] == [
        "Completed", "In progress", "Not started"]


def test_leaving_and_coming_back_resumes_at_the_first_unanswered_page(app, survey):
    first = app.test_client()
    open_link(first, survey)
    answer(first, {key: VISIT_FORMS[key] for key in PAGE_KEYS[:4]})

    later = app.test_client()  # another day, another browser
    open_link(later, survey)
    page = later.get("/s/start").get_data(as_text=True)

    assert re.search(r'href="/s/haq/4"[^>]*>Continue', page)
    assert 'value="2" checked' in later.get("/s/haq/2").get_data(as_text=True)  # saved answers shown again


def test_each_continue_saves_its_page_and_moves_on(client, survey):
    open_link(client, survey)

    response = client.post("/s/haq/1", data=VISIT_FORMS["haq/1"])

    assert response.location == "/s/haq/2"
    assert stored(survey.visit.id)["haq"] == {"dress": (1, False, None), "shampoo": (0, False, None),
                                              "aid_dressing_devices": (0, False, None),
                                              "help_dressing": (0, False, None)}


def test_every_save_writes_one_audit_row_by_the_patient(client, survey):
    open_link(client, survey)
    before = db.session.scalar(select(func.count(AuditEvent.id)))

    answer(client, {"haq/1": VISIT_FORMS["haq/1"]})
    answer(client, {"haq/1": {"dress": "3", "shampoo": "0"}})
    answer(client, {"haq/1": {"dress": "3", "shampoo": "0"}})

    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).offset(before)).all()
    assert [(r.action, r.actor_type, r.patient_id) for r in rows] == [("save", "patient", survey.patient.id)] * 3
    assert rows[1].field == "dress" and rows[1].old_value == '{"dress": 1}' and rows[1].new_value == '{"dress": 3}'
    assert rows[2].field is None  # nothing changed, but the save is on record


def test_prefer_not_to_answer_is_stored_apart_from_not_shown(client, survey):
    open_link(client, survey)
    answer(client, {"haq/6": VISIT_FORMS["haq/6"], "shaq/3": VISIT_FORMS["shaq/3"]})

    saved = stored(survey.visit.id)

    assert saved["haq"]["reach_object"] == (None, True, None)
    assert saved["shaq"] == {"raynauds": (None, True, None)}
    assert "dress" not in saved["haq"]  # never shown: no row at all


def test_a_page_with_missing_answers_lists_each_one_and_keeps_what_was_chosen(client, survey):
    open_link(client, survey)

    response = client.post("/s/haq/3", data={"lift_cup": "2", "aid_utensils": "1"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert check_page(response).title.startswith("Error: Eating")
    assert '<a href="#cut_meat-0">Select how much difficulty you have cutting your meat</a>' in page
    assert '<a href="#open_carton-0">' in page and 'href="#lift_cup-0"' not in page
    assert 'value="2" checked' in page and 'id="aid_utensils" name="aid_utensils" type="checkbox" value="1" checked' in page
    assert "haq" not in stored(survey.visit.id)


def test_a_vas_number_out_of_range_gets_a_specific_message(client, survey):
    open_link(client, survey)

    response = client.post("/s/haq/9", data={"pain": "250"})

    assert response.status_code == 400
    assert '<a href="#pain">Enter a whole number from 0 to 100</a>' in response.get_data(as_text=True)


def test_back_links_go_to_the_previous_page(client, survey):
    open_link(client, survey)

    assert 'href="/s/start" class="back-link"' in client.get("/s/pt_global/1").get_data(as_text=True)
    assert 'href="/s/pt_global/1" class="back-link"' in client.get("/s/haq/1").get_data(as_text=True)
    assert 'href="/s/shaq/5" class="back-link"' in client.get("/s/check").get_data(as_text=True)


def test_the_last_page_leads_to_check_your_answers(client, survey):
    open_link(client, survey)

    assert answer(client).location == "/s/check"


def test_check_your_answers_shows_every_answer_with_a_change_link(client, survey):
    open_link(client, survey)
    answer(client)

    response = client.get("/s/check")

    page = response.get_data(as_text=True)
    check_page(response)
    assert page.count(">Change<") == 1 + 21 + 5 + 8  # 27 questions, plus one aids-and-help row per HAQ category
    assert "6 out of 10" in page and "40 out of 100" in page and "UNABLE to do" in page
    assert "Built-up or special utensils" in page and "Other: Kitchen trolley; Help from another person" in page
    assert page.count("Prefer not to answer") == 3
    assert 'href="/s/haq/5?return=check#wash_body-group"' in page


def test_a_change_from_the_check_page_returns_to_it(client, survey):
    open_link(client, survey)
    answer(client)

    form = client.get("/s/haq/5?return=check").get_data(as_text=True)
    response = client.post("/s/haq/5?return=check", data={"wash_body": "0", "tub_bath": "0", "toilet": "0"})

    assert 'href="/s/check" class="back-link"' in form
    assert response.location == "/s/check"
    assert stored(survey.visit.id)["haq"]["wash_body"] == (0, False, None)


def test_a_continue_sent_by_our_script_gets_json_instead_of_a_redirect(client, survey):
    open_link(client, survey)

    response = client.post("/s/pt_global/1", data={"pt_global": "3"}, headers={"X-Requested-With": "fetch"})

    assert response.status_code == 200
    assert response.json == {"saved": True, "next": "/s/haq/1"}


def test_the_draft_stamp_changes_when_the_server_saves_the_page(client, survey):
    open_link(client, survey)
    stamp = re.compile(r'data-stamp="([^"]*)"')

    before = stamp.search(client.get("/s/haq/1").get_data(as_text=True)).group(1)
    answer(client, {"haq/1": VISIT_FORMS["haq/1"]})
    after = stamp.search(client.get("/s/haq/1").get_data(as_text=True)).group(1)

    assert before == "" and after != ""


def test_a_page_outside_the_visit_is_not_found(client, survey):
    open_link(client, survey)

    assert client.get("/s/haq/10").status_code == 404
    assert client.get("/s/nope/1").status_code == 404


def test_switching_language_keeps_saved_answers_and_carries_unsaved_ones(client, survey):
    open_link(client, survey)
    answer(client, {"pt_global/1": {"pt_global": "7"}})

    response = client.post("/s/language", data={"language": "de", "page": "haq/1", "dress": "2"})
    german = client.get("/s/haq/1")

    assert response.location == "/s/haq/1"
    page = german.get_data(as_text=True)
    assert '<html lang="de">' in page and "Sich selbst anziehen" in page and "Weiter" in page
    assert 'id="dress-2" name="dress" type="radio" value="2" checked' in page  # carried, not yet saved
    assert "dress" not in stored(survey.visit.id).get("haq", {})
    assert 'value="7" checked' in client.get("/s/pt_global/1").get_data(as_text=True)
    assert 'id="dress-2" name="dress" type="radio" value="2" checked' not in client.get("/s/haq/1").get_data(
        as_text=True)  # carried once only


def test_the_patients_own_language_is_the_default(client, make_patient):
    from tests.survey_support import make_link

    link = make_link(make_patient(language="de").visits[0])
    open_link(client, link)

    page = client.get("/s/start").get_data(as_text=True)

    assert '<html lang="de">' in page and "Ihre Fragebögen" in page


def test_a_response_records_the_unvalidated_translation_it_was_answered_in(client, survey):
    open_link(client, survey)
    answer(client, {"haq/1": VISIT_FORMS["haq/1"]})
    client.post("/s/language", data={"language": "de", "page": "haq/2"})
    answer(client, {"haq/2": VISIT_FORMS["haq/2"]})

    response = db.session.scalar(select(SurveyResponse).where(SurveyResponse.instrument == "haq"))

    assert (response.language, response.version) == ("de", "1.0")


@pytest.mark.parametrize("key", ["haq/1", "haq/8", "haq/9", "pt_global/1"])
def test_the_language_switch_posts_with_the_page_form(client, survey, key):
    open_link(client, survey)

    page = client.get(f"/s/{key}").get_data(as_text=True)

    assert 'formaction="/s/language"' in page and 'name="page" value="%s"' % key in page


def test_each_page_type_stays_within_10_kb_compressed_and_requests_nothing_elsewhere(app, client, survey):
    import gzip
    from pathlib import Path

    static = Path(app.static_folder)
    assets = sum(len(gzip.compress((static / name).read_bytes(), 9)) for name in ("css/app.css", "js/app.js"))
    open_link(client, survey)
    answer(client)
    for path in ("/s/start", "/s/pt_global/1", "/s/haq/1", "/s/haq/8", "/s/haq/9", "/s/check"):
        html = client.get(path).get_data()
        assert len(gzip.compress(html, 9)) + assets <= 10 * 1024, path
        assert not re.search(rb'(src|href|action)="(https?:)?//', html), path
    for name in ("css/app.css", "js/app.js"):
        assert not re.search(rb"https?://|url\(", (static / name).read_bytes()), name


@pytest.mark.parametrize("page", ["haq/²", "haq/٣", "haq/99999999999999999999", "haq/-1", "haq/", "/", "pt_global/1/2"])
def test_the_language_switch_copes_with_any_page_value(client, survey, page):
    open_link(client, survey)
    response = client.post("/s/language", data={"language": "de", "page": page})
    assert response.status_code == 302 and response.headers["Location"].endswith("/s/start")
