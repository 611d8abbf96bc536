"""The order of a visit's survey pages and the reading of one page's answers: pure rules, no Flask, no database.

A visit's pages are its instruments' pages in `Visit.instrument_codes` order. A page is complete when each of
its items has an answer row (a value or an explicit "prefer not to answer"); tick boxes never make a page
incomplete (unticked means "no"). The survey resumes at the first incomplete page.
"""
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..instruments import CHOICE, SKIP, VAS, Instrument, Page, known
from ..instruments.haq import OTHER_AID_MAX_LENGTH

NUMBER = re.compile(r"^\s*([0-9]{1,3})\s*%?\s*$", re.ASCII)
JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiner: needed to write some scripts and emoji


def clean_text(raw: str) -> str:
    """Free text as staff will read it: NFC, one space between words, no control or format characters
    (bidi overrides and isolates, zero-width spaces, soft hyphens) that could hide or reorder what was typed."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if ch.isspace() or ch in JOINERS
                   or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))
    return " ".join(text.split())


@dataclass(frozen=True)
class PageRef:
    instrument: Instrument
    number: int  # 1-based within the instrument, as in /s/<instrument>/<number>
    position: int  # 0-based within the visit

    @property
    def page(self) -> Page:
        return self.instrument.page(self.number)

    @property
    def key(self) -> str:
        return f"{self.instrument.code}/{self.number}"

    @property
    def progress(self) -> tuple[str, int, int] | None:
        """("section", 3, 8) on HAQ category pages, ("question", 2, 5) among an instrument's single-question
        pages when it has several, else None (the caption is then the instrument's title alone)."""
        kind = self.page.caption
        group = [page for page in self.instrument.pages if page.caption == kind]
        if kind == "question" and len(group) == 1:
            return None
        return kind, group.index(self.page) + 1, len(group)


def visit_pages(instrument_codes) -> list[PageRef]:
    refs = []
    for instrument in known(instrument_codes):
        for number in range(1, len(instrument.pages) + 1):
            refs.append(PageRef(instrument, number, len(refs)))
    return refs


def find_page(pages: list[PageRef], instrument_code: str, number: int) -> PageRef | None:
    return next((ref for ref in pages if ref.instrument.code == instrument_code and ref.number == number), None)


def page_complete(page: Page, answered: set[str]) -> bool:
    return all(code in answered for code in page.item_codes)


def first_incomplete(pages: list[PageRef], answered: Mapping[str, set[str]]) -> PageRef | None:
    """Where the patient resumes: the first page with an item not yet answered (None: all answered)."""
    return next((ref for ref in pages if not page_complete(ref.page, answered.get(ref.instrument.code, set()))), None)


def instrument_status(instrument: Instrument, answered: set[str]) -> str:
    """not_started | in_progress | completed, for the start page's task list."""
    done = [code in answered for code in instrument.item_codes]
    if all(done):
        return "completed"
    return "in_progress" if any(done) else "not_started"


@dataclass
class PageAnswers:
    """One page's answers as read from a form: what will be stored."""

    items: dict[str, int | None] = field(default_factory=dict)  # None = "prefer not to answer"
    checkboxes: dict[str, int] = field(default_factory=dict)  # aid_<code> / help_<category> / aid_other: 1 or 0
    other_text: str | None = None

    def stored(self) -> dict[str, tuple[int | None, bool, str | None]]:
        """{item_code: (value, skipped, text)} for every row this page writes."""
        rows = {code: (value, value is None, None) for code, value in self.items.items()}
        for code, ticked in self.checkboxes.items():
            rows[code] = (ticked, False, self.other_text if code == "aid_other" and ticked else None)
        return rows


@dataclass(frozen=True)
class FieldError:
    target: str  # the id the error summary links to
    item: str  # item code (or "aid_other")
    kind: str  # missing | range | both | too_long


def read_page(page: Page, form: Mapping[str, str]) -> tuple[PageAnswers, list[FieldError]]:
    """Validate one page's submitted values (GOV.UK: every error names its field; nothing is guessed)."""
    answers, errors = PageAnswers(), []
    for item in page.items:
        raw = (form.get(item.code) or "").strip()
        if item.kind == VAS:
            skipped = form.get(f"{item.code}-skip") == "1" and item.allow_skip
            match = NUMBER.match(raw)
            if raw and skipped:
                errors.append(FieldError(item.code, item.code, "both"))
            elif skipped:
                answers.items[item.code] = None
            elif not raw:
                errors.append(FieldError(item.code, item.code, "missing"))
            elif not match or int(match.group(1)) not in item.values:
                errors.append(FieldError(item.code, item.code, "range"))
            else:
                answers.items[item.code] = int(match.group(1))
            continue
        if raw == SKIP and item.allow_skip:
            answers.items[item.code] = None
        elif raw in {str(value) for value in item.values}:  # only what the page offered (ASCII digits)
            answers.items[item.code] = int(raw)
        else:  # nothing chosen (or a value the page never offered)
            errors.append(FieldError(f"{item.code}-{item.minimum}", item.code, "missing"))
    for code in page.checkbox_codes:
        answers.checkboxes[code] = 1 if form.get(code) == "1" else 0
    if page.other_aid:
        text = clean_text(form.get("aid_other_text") or "")
        if len(text) > OTHER_AID_MAX_LENGTH:
            errors.append(FieldError("aid_other_text", "aid_other", "too_long"))
        elif text:
            answers.checkboxes["aid_other"] = 1  # a described aid is a used aid
            answers.other_text = text
    return answers, errors


def form_values(page: Page, saved: Mapping[str, tuple[int | None, bool, str | None]]) -> dict[str, str]:
    """The form values that show saved answers again ({item_code: (value, skipped, text)} in)."""
    values = {}
    for item in page.items:
        if item.code not in saved:
            continue
        value, skipped, _text = saved[item.code]
        if item.kind == VAS:
            values[f"{item.code}-skip" if skipped else item.code] = "1" if skipped else str(value)
        else:
            values[item.code] = SKIP if skipped else str(value)
    for code in page.checkbox_codes:
        if code in saved and saved[code][0] == 1:
            values[code] = "1"
    if page.other_aid and "aid_other" in saved and saved["aid_other"][2]:
        values["aid_other_text"] = saved["aid_other"][2]
    return values


def field_names(page: Page) -> tuple[str, ...]:
    """Every form field a page posts (what a language switch may carry over)."""
    names = []
    for item in page.items:
        names.append(item.code)
        if item.kind == VAS:
            names.append(f"{item.code}-skip")
    names += page.checkbox_codes
    if page.other_aid:
        names.append("aid_other_text")
    return tuple(names)


__all__ = ["CHOICE", "FieldError", "PageAnswers", "PageRef", "field_names", "find_page", "first_incomplete",
           "form_values", "instrument_status", "page_complete", "read_page", "visit_pages"]
