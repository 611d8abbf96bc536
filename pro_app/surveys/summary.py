"""The rows of "Check your answers": one group per questionnaire, one row per question (and one per page for
its aids, devices and help), each with the words the patient chose and a Change link to its page."""
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from ..instruments import CHOICE, NRS
from .flow import PageRef


@dataclass(frozen=True)
class Row:
    id: str
    key: str
    value: str
    change_url: str
    answered: bool
    change_label: str


@dataclass(frozen=True)
class Group:
    title: str
    rows: list[Row]


def check_groups(answers, language: str) -> list[Group]:
    groups: dict[str, Group] = {}
    for ref in answers.pages:
        t = ref.instrument.translation(language)
        group = groups.setdefault(ref.instrument.code, Group(t["title"], []))
        group.rows.extend(page_rows(ref, answers.saved(ref.instrument.code), t))
    return list(groups.values())


def page_rows(ref: PageRef, saved: dict, t) -> list[Row]:
    url = url_for("surveys.question", instrument_code=ref.instrument.code, number=ref.number, **{"return": "check"})
    rows = []
    for item in ref.page.items:
        question = t[f"item.{item.code}"]
        rows.append(Row(f"row-{item.code}", question, item_text(item, saved.get(item.code), t), f"{url}#{item.code}-group",
                        item.code in saved, question))
    page = ref.page
    if page.checkbox_codes:
        # One row per category for its aids, devices and help: short enough to read on a phone.
        key = _("Aids, devices or help")
        label = f"{key} ({t[f'page.{page.key}']})"
        url_aids = f"{url}#aids-{page.key}" if page.aids or page.other_aid else f"{url}#help-{page.key}"
        if not any(code in saved for code in page.checkbox_codes):
            rows.append(Row(f"row-aids-{page.key}", label, _("Not answered"), url_aids, False, label))
        else:
            used = [t[f"aid.{code.removeprefix('aid_')}"] for code in page.checkbox_codes
                    if code.startswith("aid_") and code != "aid_other" and _ticked(saved, code)]
            if _ticked(saved, "aid_other"):
                other = saved["aid_other"][2]
                used.append(f"{t['aid.other']}: {other}" if other else t["aid.other"])
            if page.help_category and _ticked(saved, f"help_{page.help_category}"):
                used.append(_("Help from another person"))
            rows.append(Row(f"row-aids-{page.key}", label, "; ".join(used) or _("None"), url_aids, True, label))
    return rows


def _ticked(saved: dict, code: str) -> bool:
    return code in saved and saved[code][0] == 1


def item_text(item, stored, t) -> str:
    if stored is None:
        return _("Not answered")
    value, skipped, _text = stored
    if skipped:
        return _("Prefer not to answer")
    if item.kind == CHOICE:
        return t[f"option.{value}"]
    if item.kind == NRS:
        return _("%(value)s out of 10", value=value)
    return _("%(value)s out of 100", value=value)
