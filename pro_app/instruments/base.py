"""The shapes of questionnaire content: instruments, pages, items and their per-language text.

Plain frozen dataclasses, no framework (tests/test_architecture.py). The survey pages, the check-your-answers
page, the reports and the exports all read the same objects, so wording, order and answer options live here
once. Texts are looked up by key in a `Translation`; every language of an instrument has the same keys
(a test checks it), and a translation that has not been through linguistic validation says so.
"""
from collections.abc import Mapping
from dataclasses import dataclass, field

CHOICE, NRS, VAS = "choice", "nrs", "vas"
SKIP = "skip"  # the form value of "Prefer not to answer"


@dataclass(frozen=True)
class Item:
    """One question. Its answer is stored as `Answer(item_code=code)`: an integer in [minimum, maximum]."""

    code: str
    kind: str  # choice | nrs | vas
    minimum: int
    maximum: int
    allow_skip: bool = True  # ISPOR ePRO: respondents may decline; shown as "Prefer not to answer"

    @property
    def values(self) -> range:
        return range(self.minimum, self.maximum + 1)


@dataclass(frozen=True)
class Page:
    """One screen. HAQ-DI: a category with its items, its aids and devices and its help question."""

    key: str
    items: tuple[Item, ...]
    aids: tuple[str, ...] = ()  # aid codes offered on this page (stored as aid_<code> 1/0)
    help_category: str | None = None  # stored as help_<category> 1/0
    other_aid: bool = False  # the free-text "other" aid (aid_other, text in Answer.text)
    caption: str = "question"  # "section": "Section n of N" over the instrument's section pages

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    @property
    def checkbox_codes(self) -> tuple[str, ...]:
        """Stored codes of this page's tick boxes (unticked = 0, stored when the page is saved)."""
        codes = [f"aid_{aid}" for aid in self.aids]
        if self.other_aid:
            codes.append("aid_other")
        if self.help_category:
            codes.append(f"help_{self.help_category}")
        return tuple(codes)


@dataclass(frozen=True)
class Translation:
    """An instrument's text in one language. `validated` is False until a linguistic validation is done."""

    language: str
    validated: bool
    source: str  # where the text comes from (publication, or who translated it)
    text: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.text[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.text.get(key, default)


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str  # version of this on-screen rendition; stored with every response
    citation: str
    licence: str
    pages: tuple[Page, ...]
    translations: Mapping[str, Translation]
    loinc: Mapping[str, str] = field(default_factory=dict)
    adaptations: tuple[str, ...] = ()  # documented differences from the paper original

    def translation(self, language: str | None) -> Translation:
        """The text in `language`, else English (every instrument has English)."""
        return self.translations.get(language or "en") or self.translations["en"]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for page in self.pages for item in page.items)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    @property
    def stored_codes(self) -> tuple[str, ...]:
        """Every Answer.item_code this instrument can store, in page order."""
        return tuple(code for page in self.pages for code in page.item_codes + page.checkbox_codes)

    @property
    def section_count(self) -> int:
        return sum(1 for page in self.pages if page.caption == "section")

    def page(self, number: int) -> Page:
        """1-based, as in the page URLs."""
        return self.pages[number - 1]
