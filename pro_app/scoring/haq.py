"""HAQ Disability Index (HAQ-DI), standard scoring with aids and help.

Sources: Fries et al., Arthritis Rheum 1980;23:137-145; Bruce & Fries, Health Qual
Life Outcomes 2003;1:20 (doi:10.1186/1477-7525-1-20); Stanford ARAMIS HAQ
instructions (2009).  Rules as in docs/scoring-spec.md section 1:

1. A category is answered when at least one of its items is answered; its score is
   the highest answered item (0-3).
2. If the category is answered and an aid mapped to it, or help for it, is checked,
   a 0 or 1 becomes 2.  An aid or help alone never answers a category, and the aid
   "other" never changes a score.
3. HAQ-DI = mean of the answered category scores, to 3 decimals (not rounded to
   0.125 steps); not computable with fewer than 6 of the 8 categories answered.
4. The alternative "HAQ-DI without aids" applies steps 1 and 3 only.
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .checks import check_codes, check_whole_number, round_half_up
from .errors import ScoringInputError

HAQ_CATEGORIES = ("dressing", "arising", "eating", "walking", "hygiene", "reach", "grip", "activities")

# Item codes are stored with answers in the database: add new ones, never rename.
HAQ_ITEMS: dict[str, tuple[str, ...]] = {
    "dressing": ("dress", "shampoo"),
    "arising": ("stand", "bed"),
    "eating": ("cut_meat", "lift_cup", "open_carton"),
    "walking": ("walk_outdoors", "climb_steps"),
    "hygiene": ("wash_body", "tub_bath", "toilet"),
    "reach": ("reach_object", "bend_down"),
    "grip": ("car_doors", "open_jars", "faucets"),
    "activities": ("errands", "car_in_out", "chores"),
}

# None: "other" is stored and shown but belongs to no category.
HAQ_AIDS: dict[str, str | None] = {
    "dressing_devices": "dressing",
    "built_up_chair": "arising",
    "utensils": "eating",
    "cane": "walking",
    "walker": "walking",
    "crutches": "walking",
    "wheelchair": "walking",
    "raised_toilet_seat": "hygiene",
    "bathtub_seat": "hygiene",
    "bathtub_bar": "hygiene",
    "long_handled_bathroom": "hygiene",
    "long_handled_reach": "reach",
    "jar_opener": "grip",
    "other": None,
}

ITEM_CODES = tuple(code for category in HAQ_CATEGORIES for code in HAQ_ITEMS[category])
MIN_ANSWERED_CATEGORIES = 6
HELP = "help"

HAQ_CONVENTION = (
    "HAQ-DI: standard scoring (an aid or device for a category, or help from another person "
    "with it, raises that category's score of 0 or 1 to 2; an aid or help never makes an "
    "unanswered category answered; the aid 'other' never changes a score); mean of the answered "
    "categories, not computable with fewer than 6 of 8 categories answered; reported to 3 "
    "decimals, not rounded to 0.125 steps. 'HAQ-DI without aids' ignores aids and help. "
    "Fries et al. 1980; Bruce & Fries 2003."
)


@dataclass(frozen=True)
class HaqResult:
    haq_di: float | None
    haq_di_without_aids: float | None
    categories: dict[str, int | None]
    categories_without_aids: dict[str, int | None]
    categories_answered: int
    computable: bool
    missing_categories: tuple[str, ...]
    raised_by: dict[str, tuple[str, ...]]
    items_used: dict[str, int | None]
    aids_used: tuple[str, ...]
    help_used: tuple[str, ...]
    convention: str = field(default=HAQ_CONVENTION)

    def to_dict(self) -> dict:
        return {
            "haq_di": self.haq_di,
            "haq_di_without_aids": self.haq_di_without_aids,
            "categories": dict(self.categories),
            "categories_without_aids": dict(self.categories_without_aids),
            "categories_answered": self.categories_answered,
            "computable": self.computable,
            "missing_categories": list(self.missing_categories),
            "raised_by": {category: list(codes) for category, codes in self.raised_by.items()},
            "items_used": dict(self.items_used),
            "aids_used": list(self.aids_used),
            "help_used": list(self.help_used),
            "convention": self.convention,
        }


def check_items(items: Mapping[str, object]) -> dict[str, int | None]:
    """All 20 item codes in questionnaire order, each 0-3 or None (not answered)."""
    if not isinstance(items, Mapping):
        raise ScoringInputError("items", "must be an object mapping item codes to answers 0-3")
    for code in items:
        if code not in ITEM_CODES:
            raise ScoringInputError(f"items.{code}", "unknown item code")
    return {code: check_whole_number(items.get(code), f"items.{code}", 0, 3) for code in ITEM_CODES}


def _mean_3dp(scores: list[int]) -> float | None:
    if len(scores) < MIN_ANSWERED_CATEGORIES:
        return None
    # Decimal keeps 5/6 = 0.8333... exact enough to round half up at the 3rd decimal.
    return round_half_up(Decimal(sum(scores)) / Decimal(len(scores)), 3)


def score_haq_di(
    items: Mapping[str, int | None],
    aids: Iterable[str] = (),
    help: Iterable[str] = (),
) -> HaqResult:
    """Score the HAQ-DI (spec section 1; Bruce & Fries 2003, "Scoring the HAQ-DI").

    ``items`` maps item codes to 0-3 or None (not answered; absent codes are not
    answered either).  ``aids`` are aid codes from ``HAQ_AIDS``; ``help`` lists the
    categories for which the patient needs help from another person.
    Raises ScoringInputError naming the field for any value outside these rules.
    """
    answers = check_items(items)
    aids_used = check_codes(aids, "aids", tuple(HAQ_AIDS), "aid code")
    help_used = check_codes(help, HELP, HAQ_CATEGORIES, "category")

    categories: dict[str, int | None] = {}
    without_aids: dict[str, int | None] = {}
    raised_by: dict[str, tuple[str, ...]] = {}
    for category in HAQ_CATEGORIES:
        answered = [answers[code] for code in HAQ_ITEMS[category] if answers[code] is not None]
        worst = max(answered) if answered else None
        without_aids[category] = worst
        raisers = tuple(aid for aid in aids_used if HAQ_AIDS[aid] == category)
        if category in help_used:
            raisers += (HELP,)
        if worst is not None and worst < 2 and raisers:
            categories[category] = 2
            raised_by[category] = raisers
        else:
            categories[category] = worst

    scored = [score for score in categories.values() if score is not None]
    scored_without_aids = [score for score in without_aids.values() if score is not None]
    return HaqResult(
        haq_di=_mean_3dp(scored),
        haq_di_without_aids=_mean_3dp(scored_without_aids),
        categories=categories,
        categories_without_aids=without_aids,
        categories_answered=len(scored),
        computable=len(scored) >= MIN_ANSWERED_CATEGORIES,
        missing_categories=tuple(c for c in HAQ_CATEGORIES if categories[c] is None),
        raised_by=raised_by,
        items_used=answers,
        aids_used=aids_used,
        help_used=help_used,
    )
