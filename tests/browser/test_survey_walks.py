"""Whole visits in real Chromium on a phone (390x844, touch): with and without JavaScript, through a network
drop, with a change from the check page, and in German. axe-core runs on every page of the walks that have
JavaScript. The stored answers and the HAQ-DI must be exactly what was tapped."""
from datetime import timedelta

import pytest
from flask import g

from pro_app.extensions import db
from pro_app.instruments import get
from pro_app.models import Visit
from pro_app.models.types import utcnow
from pro_app.outcomes import load_outcomes
from pro_app.surveys.flow import read_page
from tests.browser.conftest import axe
from tests.survey_support import EXPECTED_HAQ_DI, VISIT_FORMS, make_link, stored

WORDS = {"en": {"start": "Start now", "continue": "Continue", "send": "Send your answers"},
         "de": {"start": "Jetzt beginnen", "continue": "Weiter", "send": "Antworten senden"}}


def expected_answers(forms=VISIT_FORMS) -> dict:
    result: dict[str, dict] = {}
    for key, form in forms.items():
        code, number = key.split("/")
        answers, errors = read_page(get(code).page(int(number)), form)
        assert not errors
        result.setdefault(code, {}).update(answers.stored())
    return result


@pytest.fixture
def patient_link(live_server, make_patient):
    def make(language="en"):
        link = make_link(make_patient(language=language).visits[0])
        db.session.commit()  # the test body holds no transaction while the browser works
        return link

    return make


class Patient:
    """A patient's thumb: taps inputs (not labels), marks VAS lines, and checks accessibility on the way."""

    def __init__(self, page, base, js=True, language="en", check_axe=True):
        self.page, self.base, self.js, self.words, self.check_axe = page, base, js, WORDS[language], check_axe
        self.pages_seen = []

    def accessible(self):
        self.pages_seen.append(self.page.url)
        if self.check_axe:
            assert axe(self.page) == [], self.page.url

    def open(self, link):
        self.page.goto(f"{self.base}/s/{link.token}")
        assert self.page.url.endswith("/s/start")
        self.accessible()
        self.page.get_by_role("button", name=self.words["start"]).tap()
        self.page.wait_for_url("**/s/pt_global/1")

    def fill(self, form):
        page = self.page
        for name, value in form.items():
            if name.endswith("-skip") or name.startswith(("aid_", "help_")) and name != "aid_other_text":
                page.locator(f"#{name}").tap()
            elif name == "aid_other_text":
                page.locator("#aid_other_text").fill(value)
            elif page.locator(f"#{name}-track").count():
                self.mark(name, int(value))
            elif page.locator(f"input#{name}[type=text]").count():
                page.locator(f"#{name}").fill(value)
            else:
                page.locator(f"#{name}-{value}").tap()

    def mark(self, code, value):
        """Tap the line where the value lies, then nudge with -/+ if the finger was a pixel off."""
        track = self.page.locator(f"#{code}-track")
        box = track.bounding_box()
        x = min(max(box["width"] * value / 100, 0.5), box["width"] - 0.5)
        track.tap(position={"x": x, "y": box["height"] / 2})
        for _ in range(3):
            current = int(self.page.locator(f"#{code}").input_value())
            if current == value:
                break
            label = "Move the mark right" if current < value else "Move the mark left"
            self.page.get_by_role("button", name=label).tap()
        assert self.page.locator(f"#{code}").input_value() == str(value)

    def continue_(self, expect):
        self.page.get_by_role("button", name=self.words["continue"]).tap()
        self.page.wait_for_url(f"**{expect}")

    def answer_all(self, forms=VISIT_FORMS, on_page=None):
        keys = list(forms)
        for index, key in enumerate(keys):
            assert self.page.url.endswith(f"/s/{key}"), (self.page.url, key)
            self.accessible()
            self.fill(forms[key])
            if on_page:
                on_page(key)
            self.continue_(f"/s/{keys[index + 1]}" if index + 1 < len(keys) else "/s/check")

    def send(self):
        self.accessible()
        self.page.get_by_role("button", name=self.words["send"]).tap()
        self.page.wait_for_url("**/s/sent")
        self.accessible()


def assert_stored_as_tapped(link, forms=VISIT_FORMS, haq_di=EXPECTED_HAQ_DI):
    assert stored(link.visit.id) == expected_answers(forms)
    outcome = load_outcomes([db.session.get(Visit, link.visit.id)])[link.visit.id]
    assert outcome.submitted_at is not None
    assert outcome.haq.haq_di == haq_di


def test_a_whole_visit_with_javascript(live_server, phone, patient_link):
    link = patient_link()
    patient = Patient(phone.new_page(), live_server)
    errors = []
    patient.page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    patient.open(link)
    patient.answer_all()
    patient.send()

    assert_stored_as_tapped(link)
    assert len(patient.pages_seen) == 18  # start, 15 question pages, check, confirmation
    patient.page.go_back()  # browser back after sending: a sensible page, nothing taken again
    assert patient.page.locator("h1").inner_text() == "Your answers have been sent"
    assert errors == []


def test_a_whole_visit_without_javascript(live_server, phone_no_js, patient_link):
    link = patient_link()
    patient = Patient(phone_no_js.new_page(), live_server, js=False, check_axe=False)

    patient.open(link)
    patient.answer_all()
    patient.send()

    assert_stored_as_tapped(link)


def test_a_network_drop_keeps_the_answers_and_sends_them_when_back_online(live_server, phone, patient_link):
    link = patient_link()
    patient = Patient(phone.new_page(), live_server, check_axe=False)
    page = patient.page
    draft_key = f"sscore-draft:v{link.visit.id}:haq/4"

    def drop_the_network(key):
        if key != "haq/4":
            return
        phone.set_offline(True)
        page.get_by_role("button", name="Continue").tap()
        banner = page.locator("[data-offline]")
        banner.wait_for(state="visible")
        assert "Not sent yet" in banner.inner_text()
        assert page.url.endswith("/s/haq/4")
        assert page.evaluate("(key) => localStorage.getItem(key)", draft_key) is not None
        assert "walk_outdoors" not in stored(link.visit.id)["haq"]  # the server has not got it yet
        assert axe(page) == []
        phone.set_offline(False)  # the browser fires "online"; the page sends the draft and moves on
        page.wait_for_url("**/s/haq/5")
        assert page.evaluate("(key) => localStorage.getItem(key)", draft_key) is None
        page.go_back()  # to carry on the walk from the page that was saved
        page.wait_for_url("**/s/haq/4")

    patient.open(link)
    patient.answer_all(on_page=drop_the_network)
    patient.send()

    assert_stored_as_tapped(link)


def test_an_old_draft_never_overwrites_newer_server_answers(live_server, phone, patient_link):
    link = patient_link()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{link.token}")
    page.goto(f"{live_server}/s/haq/1")
    draft = '{"stamp": "", "fields": [["dress", "3"], ["shampoo", "3"]]}'
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [f"sscore-draft:v{link.visit.id}:haq/1", draft])
    other = phone.browser.new_context()  # the patient answered on another device in the meantime
    other_page = other.new_page()
    other_page.goto(f"{live_server}/s/{link.token}")
    other_page.goto(f"{live_server}/s/haq/1")
    other_page.locator("#dress-0").check()
    other_page.locator("#shampoo-0").check()
    other_page.get_by_role("button", name="Continue").click()
    other_page.wait_for_url("**/s/haq/2")
    other.close()

    page.reload()

    assert page.locator("#dress-0").is_checked() and not page.locator("#dress-3").is_checked()
    assert page.locator("[data-offline]").is_hidden()
    assert page.evaluate("(key) => localStorage.getItem(key)", f"sscore-draft:v{link.visit.id}:haq/1") is None


def test_a_change_from_the_check_page(live_server, phone, patient_link):
    link = patient_link()
    patient = Patient(phone.new_page(), live_server, check_axe=False)
    page = patient.page
    patient.open(link)
    patient.answer_all()

    page.locator("#row-wash_body a").tap()
    page.wait_for_url("**/s/haq/5?return=check*")
    assert page.locator("#wash_body-3").is_checked()
    page.locator("#wash_body-0").tap()
    patient.continue_("/s/check")
    assert page.locator("#row-wash_body dd").first.inner_text() == "Without ANY difficulty"
    patient.send()

    changed = {**VISIT_FORMS, "haq/5": {**VISIT_FORMS["haq/5"], "wash_body": "0"}}
    # hygiene falls from 3 to 2 (tub bath): (1 + 2 + 2 + 0 + 2 + 1 + 2) / 7
    assert_stored_as_tapped(link, changed, haq_di=1.429)


def test_a_whole_visit_in_german(live_server, phone, patient_link):
    link = patient_link(language="de")
    patient = Patient(phone.new_page(), live_server, language="de")

    patient.open(link)
    assert patient.page.locator("html").get_attribute("lang") == "de"
    assert "Ihre Sklerodermie insgesamt" in patient.page.locator(".caption").inner_text()
    patient.answer_all()
    assert "Prüfen Sie Ihre Antworten" in patient.page.locator("h1").inner_text()
    patient.send()

    assert_stored_as_tapped(link)
    assert {r for r in db.session.scalars(db.select(db.text("language")).select_from(db.text("survey_response")))} \
        == {"de"}


def test_error_and_link_pages_are_accessible(live_server, phone, patient_link):
    link = patient_link()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{link.token}")
    page.goto(f"{live_server}/s/haq/9")
    page.get_by_role("button", name="Continue").tap()
    page.wait_for_selector(".error-summary")

    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert axe(page) == []
    page.locator(".error-summary a").first.tap()
    assert page.evaluate("document.activeElement.id") == "pain-track"  # the line, since the number field is hidden

    g.db_readonly = False
    link.invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page.goto(f"{live_server}/s/{link.token}")
    assert page.locator("h1").inner_text() == "This link has expired"
    assert axe(page) == []
    page.goto(f"{live_server}/s/{'x' * 43}")
    assert axe(page) == []


def test_the_vas_has_no_mark_until_tapped_and_works_with_keys(live_server, phone, patient_link):
    link = patient_link()
    page = phone.new_page()
    page.goto(f"{live_server}/s/{link.token}")
    page.goto(f"{live_server}/s/shaq/1")
    track = page.locator("#intestinal-track")

    assert page.locator(".vas__mark").is_hidden()
    assert track.get_attribute("aria-valuetext") == "Tap the line to mark your answer"
    assert page.locator("#intestinal").input_value() == ""
    track.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    assert page.locator("#intestinal").input_value() == "99" and page.locator(".vas__mark").is_visible()
    page.locator("#intestinal-skip").tap()
    assert page.locator("#intestinal").input_value() == "" and page.locator(".vas__mark").is_hidden()


def test_tap_targets_and_text_size_on_the_smallest_phone(live_server, browser, patient_link):
    link = patient_link()
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/s/{link.token}")
    for path in ("/s/start", "/s/pt_global/1", "/s/haq/4", "/s/shaq/2", "/s/check"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        small = page.evaluate("""() => [...document.querySelectorAll(
            'main input:not([type=hidden]), main button, .nrs__label, .vas__track')]
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.width < 43.5 || r.height < 43.5); })
            .map(e => e.id || e.className)""")
        assert small == [], path
        sizes = page.evaluate("[...document.querySelectorAll('main p, main legend, main label, main dt, main dd, "
                              ".anchors span, .tag, .hint, .caption, .footer p')]"
                              ".map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 19, path
    context.close()


def test_the_pages_our_script_would_enhance_are_accessible_without_it(live_server, phone, patient_link):
    link = patient_link()
    page = phone.new_page()
    page.route("**/static/js/app.js*", lambda route: route.abort())  # as without JavaScript; axe still runs
    page.goto(f"{live_server}/s/{link.token}")
    for path in ("/s/pt_global/1", "/s/haq/8", "/s/haq/9", "/s/check"):
        page.goto(live_server + path)
        assert page.locator(".vas__track").count() == 0
        assert axe(page) == [], path
    page.goto(live_server + "/s/haq/9")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector(".error-summary")
    assert axe(page) == []
