"""Questionnaire content as data: codes the scoring engine reads, wording as in the spec, complete translations."""
import re
from pathlib import Path

import pytest

from pro_app.instruments import INSTRUMENTS, VERSIONS, VISIT_ORDER, get
from pro_app.outcomes import SHAQ_ITEMS
from pro_app.scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS

SPEC = (Path(__file__).resolve().parents[1] / "docs" / "scoring-spec.md").read_text(encoding="utf-8")


def spec_items() -> dict[str, str]:
    """{code: question} from the HAQ-DI table of the spec ("`dress`: dress yourself, ...?")."""
    table = SPEC.split("| category code |")[1].split("Aids and devices")[0]
    return {code: text.strip() for code, text in re.findall(r"`(\w+)`: ([^`·|]+\?)", table)}


def test_the_visit_order_is_patient_global_then_haq_then_shaq():
    assert VISIT_ORDER == ("pt_global", "haq", "shaq")
    assert VERSIONS == {"pt_global": "1.0", "haq": "1.0", "shaq": "1.0"}


def test_haq_items_are_the_twenty_scored_codes_in_spec_order():
    haq = get("haq")

    assert haq.item_codes[:-1] == tuple(code for category in HAQ_CATEGORIES for code in HAQ_ITEMS[category])
    assert haq.item_codes[-1] == "pain"
    assert [page.key for page in haq.pages] == [*HAQ_CATEGORIES, "pain"]


def test_haq_wording_is_the_spec_wording_word_for_word():
    english = get("haq").translation("en")
    items = spec_items()

    assert len(items) == 20
    for code, text in items.items():
        assert english[f"item.{code}"] == text[0].upper() + text[1:], code


def test_haq_answer_options_and_recall_period_are_those_of_the_spec():
    english = get("haq").translation("en")

    assert [english[f"option.{value}"] for value in range(4)] == [
        "Without ANY difficulty", "With SOME difficulty", "With MUCH difficulty", "UNABLE to do"]
    assert "0 = Without ANY difficulty, 1 = With SOME difficulty, 2 = With MUCH difficulty" in SPEC
    assert "OVER THE PAST WEEK" in english["intro"]


def test_each_aid_is_offered_on_its_category_page_and_other_on_the_last():
    haq = get("haq")
    offered = {f"aid_{aid}": page.key for page in haq.pages for aid in page.aids}

    assert offered == {f"aid_{aid}": category for aid, category in HAQ_AIDS.items() if category}
    assert [page.key for page in haq.pages if page.other_aid] == ["activities"]
    assert [page.help_category for page in haq.pages[:8]] == list(HAQ_CATEGORIES)


def test_pain_and_shaq_scales_are_0_to_100_with_the_spec_anchors():
    english = get("haq").translation("en")
    shaq = get("shaq")

    assert english["item.pain"] == "How much pain have you had because of your illness in the past week?"
    assert (english["item.pain.min"], english["item.pain.max"]) == ("No pain", "Severe pain")
    assert shaq.item_codes == SHAQ_ITEMS
    assert all((item.minimum, item.maximum) == (0, 100) for item in shaq.items)


def test_patient_global_is_one_0_to_10_item():
    (item,) = get("pt_global").items

    assert (item.code, item.kind, item.minimum, item.maximum) == ("pt_global", "nrs", 0, 10)


@pytest.mark.parametrize("code", VISIT_ORDER)
def test_german_has_every_english_text_and_is_marked_not_validated(code):
    instrument = INSTRUMENTS[code]
    english, german = instrument.translation("en"), instrument.translation("de")

    assert set(german.text) == set(english.text)
    assert all(value.strip() for value in german.text.values())
    assert english.validated and not german.validated
    assert "not linguistically validated" in german.source


@pytest.mark.parametrize("code", VISIT_ORDER)
def test_every_instrument_cites_its_source_and_licence(code):
    instrument = INSTRUMENTS[code]

    assert instrument.citation and instrument.licence and instrument.version


def test_every_item_has_an_error_message_and_scale_anchors_where_needed():
    for instrument in INSTRUMENTS.values():
        for language in ("en", "de"):
            text = instrument.translation(language)
            for item in instrument.items:
                assert text[f"item.{item.code}.error"]
                if item.kind != "choice":
                    assert text[f"item.{item.code}.min"] and text[f"item.{item.code}.max"]


def test_an_unknown_language_falls_back_to_english():
    assert get("haq").translation("fr").language == "en"
