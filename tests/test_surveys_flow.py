"""The pure survey rules: page order, resuming, progress captions and reading one page's answers."""
import pytest

from pro_app.instruments import get
from pro_app.surveys.flow import (
    FieldError, field_names, find_page, first_incomplete, form_values, instrument_status, read_page, visit_pages,
)

PAGES = visit_pages(("pt_global", "haq", "shaq"))


def page(key):
    code, number = key.split("/")
    return find_page(PAGES, code, int(number)).page


def test_a_full_visit_has_fifteen_question_pages_in_instrument_order():
    assert [ref.key for ref in PAGES] == ["pt_global/1", *[f"haq/{n}" for n in range(1, 10)],
                                          *[f"shaq/{n}" for n in range(1, 6)]]
    assert [ref.position for ref in PAGES] == list(range(15))


def test_unknown_instrument_codes_are_left_out():
    assert [ref.key for ref in visit_pages(("nope", "pt_global"))] == ["pt_global/1"]


def test_captions_count_haq_sections_and_shaq_questions():
    assert find_page(PAGES, "haq", 3).progress == ("section", 3, 8)
    assert find_page(PAGES, "shaq", 2).progress == ("question", 2, 5)
    assert find_page(PAGES, "haq", 9).progress is None
    assert find_page(PAGES, "pt_global", 1).progress is None


def test_the_survey_resumes_at_the_first_page_with_an_unanswered_item():
    answered = {"pt_global": {"pt_global"}, "haq": {"dress", "shampoo", "stand"}}

    assert first_incomplete(PAGES, answered).key == "haq/2"
    assert first_incomplete(PAGES, {}).key == "pt_global/1"


def test_ticked_boxes_alone_do_not_complete_a_page():
    answered = {"pt_global": {"pt_global"}, "haq": {"aid_dressing_devices", "help_dressing"}}

    assert first_incomplete(PAGES, answered).key == "haq/1"


def test_a_visit_with_every_item_answered_has_nothing_left():
    answered = {ref.instrument.code: set(ref.instrument.item_codes) for ref in PAGES}

    assert first_incomplete(PAGES, answered) is None


@pytest.mark.parametrize("answered, status", [
    (set(), "not_started"), ({"pt_global"}, "completed"),
])
def test_instrument_status_for_the_start_page(answered, status):
    assert instrument_status(get("pt_global"), answered) == status


def test_haq_status_is_in_progress_until_pain_is_answered():
    haq = get("haq")

    assert instrument_status(haq, set(haq.item_codes[:-1])) == "in_progress"


def test_a_complete_category_page_is_read_with_unticked_boxes_as_no():
    answers, errors = read_page(page("haq/1"), {"dress": "2", "shampoo": "skip", "help_dressing": "1"})

    assert errors == []
    assert answers.stored() == {"dress": (2, False, None), "shampoo": (None, True, None),
                                "aid_dressing_devices": (0, False, None), "help_dressing": (1, False, None)}


def test_each_unanswered_item_is_named_and_linked_to_its_first_radio():
    _answers, errors = read_page(page("haq/3"), {"lift_cup": "1"})

    assert errors == [FieldError("cut_meat-0", "cut_meat", "missing"), FieldError("open_carton-0", "open_carton",
                                                                                  "missing")]


@pytest.mark.parametrize("value", ["4", "-1", "1.5", "x", "skipped", "٣"])
def test_a_value_the_page_never_offered_is_not_stored(value):
    _answers, errors = read_page(page("haq/1"), {"dress": value, "shampoo": "0"})

    assert [error.item for error in errors] == ["dress"]


@pytest.mark.parametrize("raw, stored", [("0", 0), ("007", 7), ("100", 100), (" 37 ", 37), ("37%", 37)])
def test_a_vas_number_is_read_as_a_whole_number_0_to_100(raw, stored):
    answers, errors = read_page(page("haq/9"), {"pain": raw})

    assert errors == [] and answers.items == {"pain": stored}


@pytest.mark.parametrize("form, kind", [
    ({}, "missing"), ({"pain": "101"}, "range"), ({"pain": "4.5"}, "range"), ({"pain": "abc"}, "range"), ({"pain": "٣٣"}, "range"),
    ({"pain": "20", "pain-skip": "1"}, "both"),
])
def test_vas_errors_say_what_is_wrong(form, kind):
    _answers, errors = read_page(page("haq/9"), form)

    assert errors == [FieldError("pain", "pain", kind)]


def test_vas_prefer_not_to_answer_is_stored_as_skipped():
    answers, errors = read_page(page("shaq/3"), {"raynauds-skip": "1"})

    assert errors == [] and answers.stored() == {"raynauds": (None, True, None)}


def test_describing_another_aid_counts_as_using_it():
    form = {"errands": "0", "car_in_out": "0", "chores": "0", "aid_other_text": "  Kitchen   trolley "}

    answers, errors = read_page(page("haq/8"), form)

    assert errors == []
    assert answers.stored()["aid_other"] == (1, False, "Kitchen trolley")


def test_an_overlong_other_aid_is_refused():
    form = {"errands": "0", "car_in_out": "0", "chores": "0", "aid_other_text": "x" * 201}

    _answers, errors = read_page(page("haq/8"), form)

    assert errors == [FieldError("aid_other_text", "aid_other", "too_long")]


def test_saved_answers_fill_the_form_again():
    saved = {"dress": (2, False, None), "shampoo": (None, True, None), "help_dressing": (1, False, None),
             "aid_dressing_devices": (0, False, None)}

    assert form_values(page("haq/1"), saved) == {"dress": "2", "shampoo": "skip", "help_dressing": "1"}
    assert form_values(page("shaq/3"), {"raynauds": (None, True, None)}) == {"raynauds-skip": "1"}
    assert form_values(page("haq/8"), {"aid_other": (1, False, "Trolley")}) == {"aid_other": "1",
                                                                                "aid_other_text": "Trolley"}


def test_field_names_cover_everything_a_page_posts():
    assert field_names(page("haq/8")) == ("errands", "car_in_out", "chores", "aid_other", "help_activities",
                                          "aid_other_text")
    assert field_names(page("haq/9")) == ("pain", "pain-skip")


@pytest.mark.parametrize("typed, kept", [
    ("Kitchen\u202etrolley", "Kitchentrolley"),  # a bidi override would show staff reversed text
    ("walk\u200bing\u00adstick", "walkingstick"),  # zero-width space, soft hyphen
    ("\u2067evil\u2069 stick", "evil stick"),  # isolates
    ("tab\there\r\nnew\x00line", "tab here newline"),
    ("Gehstock mit Gummifu\u0308\u00df", "Gehstock mit Gummif\u00fc\u00df"),  # NFC: u + combining diaeresis -> ü
    ("\U0001F468\u200d\U0001F9BD wheelchair", "\U0001F468\u200d\U0001F9BD wheelchair"),  # ZWJ kept
    ("عصا المشي", "عصا المشي"),  # right-to-left text itself is fine
])
def test_free_text_keeps_what_was_typed_without_hidden_characters(typed, kept):
    form = {"errands": "0", "car_in_out": "0", "chores": "0", "aid_other_text": typed}

    answers, errors = read_page(page("haq/8"), form)

    assert not errors and answers.stored()["aid_other"] == (1, False, kept)
