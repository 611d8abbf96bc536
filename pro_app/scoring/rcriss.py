"""Revised CRISS (rCRISS) responder index at thresholds of 20-60 %.

Khanna, Huang, Lin, Spino, Ann Rheum Dis 2021;80:641-650; spec section 6.  A patient
is a responder at threshold X when no ACR-CRISS Step-1 event occurred, at least 3 of
the 5 core items improved and at most 1 worsened:

* mRSS, HAQ-DI, patient and physician global improve by a relative fall from
  baseline of at least X % and worsen by a relative rise of at least X %;
* FVC % predicted improves by an absolute rise of at least 5 percentage points and
  worsens by an absolute fall of at least 5 points, whatever X.

Thresholds are inclusive and compared in exact decimals, so 20 -> 14 is exactly a
30 % fall and 4 -> 3 exactly 25 %.  A baseline of 0 has no relative change: the item
cannot improve, and it worsens if it moves the wrong way at all.

The FVC rule and "no more than 1 worsened" come from a registered trial's outcome
definition (the paper's Methods could not be read), so both are parameters and the
``convention`` text of every result names the ones applied.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from .checks import exact, round_half_up
from .criss import (
    CORE_ITEMS,
    CoreSet,
    MissingInput,
    Step1,
    as_core_set,
    as_step1,
    exact_deltas,
    missing_inputs,
)
from .errors import ScoringInputError

THRESHOLDS = (20, 25, 30, 40, 50, 60)
FVC_MODES = ("absolute", "relative", "relative_points")
MIN_IMPROVED = 3

# FVC: higher is better; the other four items: lower is better.
HIGHER_IS_BETTER = {"mrss": False, "fvc_pct": True, "pt_global": False, "md_global": False, "haq_di": False}

_FVC_RULES = {
    "absolute": "FVC % predicted improves by an absolute rise of at least {points:g} percentage points "
                "and worsens by an absolute fall of at least {points:g} points, whatever the threshold "
                "(fvc_mode=absolute)",
    "relative": "FVC % predicted improves by a relative rise of at least X % and worsens by a relative "
                "fall of at least X %, like the other items (fvc_mode=relative)",
    "relative_points": "FVC % predicted improves by a relative rise of at least {points:g} % and worsens "
                       "by a relative fall of at least {points:g} %, whatever the threshold "
                       "(fvc_mode=relative_points)",
}


@lru_cache(maxsize=32)
def rcriss_convention(fvc_mode: str = "absolute", fvc_points: float = 5.0, max_worsened: int = 1) -> str:
    """The plain-words rule text printed with every revised CRISS result."""
    default = fvc_mode == "absolute" and fvc_points == 5 and max_worsened == 1
    return (
        "Revised CRISS (Khanna, Huang, Lin, Spino, Ann Rheum Dis 2021). Responder at X % when no "
        f"ACR-CRISS Step-1 event occurred, at least {MIN_IMPROVED} of the 5 items improved and at "
        f"most {max_worsened} worsened (max_worsened={max_worsened}). mRSS, HAQ-DI, patient and "
        "physician global improve by a relative fall from baseline of at least X % and worsen by a "
        f"relative rise of at least X %; {_FVC_RULES[fvc_mode].format(points=fvc_points)}. "
        "Thresholds are inclusive and compared exactly. A baseline of 0 cannot improve and counts "
        "as worsened if it moves the wrong way at all. A Step-1 event makes the patient a "
        "non-responder at every threshold, even with missing values; otherwise any missing value "
        "makes the index not computable. "
        + ("App default: the FVC rule and the worsening rule are taken from a registered trial's "
           "outcome definition." if default else "Non-default settings.")
    )


@dataclass(frozen=True)
class ItemChange:
    """One core item between the visits, judged at one threshold."""

    item: str
    baseline: float
    followup: float
    change_abs: float
    change_pct: float | None  # relative change from baseline, None when baseline is 0
    improved: bool
    worsened: bool

    def to_dict(self) -> dict:
        return {
            "item": self.item,
            "baseline": self.baseline,
            "followup": self.followup,
            "change_abs": self.change_abs,
            "change_pct": round_half_up(self.change_pct, 4),
            "improved": self.improved,
            "worsened": self.worsened,
        }


@dataclass(frozen=True)
class RevisedCrissResult:
    step1_met: bool
    computable: bool
    responder: dict[int, bool] | None
    # Per threshold, only the items with both values; counts are None unless all 5 are present.
    items: dict[int, dict[str, ItemChange]]
    improved_count: dict[int, int | None]
    worsened_count: dict[int, int | None]
    missing: tuple[MissingInput, ...]
    deltas: dict[str, float | None]
    thresholds: tuple[int, ...]
    fvc_mode: str
    fvc_points: float
    max_worsened: int
    baseline: CoreSet
    followup: CoreSet
    step1: Step1
    convention: str = field(default="")

    def to_dict(self) -> dict:
        # JSON object keys are strings: thresholds appear as "20", "25", ...
        return {
            "step1_met": self.step1_met,
            "computable": self.computable,
            "responder": None if self.responder is None
            else {_key(x): value for x, value in self.responder.items()},
            "improved_count": {_key(x): value for x, value in self.improved_count.items()},
            "worsened_count": {_key(x): value for x, value in self.worsened_count.items()},
            "items": {
                _key(x): {item: change.to_dict() for item, change in changes.items()}
                for x, changes in self.items.items()
            },
            "step1_events": list(self.step1.events),
            "missing": [missing.to_dict() for missing in self.missing],
            "deltas": dict(self.deltas),
            "fvc_mode": self.fvc_mode,
            "fvc_points": self.fvc_points,
            "max_worsened": self.max_worsened,
            "convention": self.convention,
            "baseline": self.baseline.to_dict(),
            "followup": self.followup.to_dict(),
            "step1": self.step1.to_dict(),
        }


def _key(threshold: float) -> str:
    return f"{threshold:g}"


def _judge(item: str, before: Decimal, after: Decimal, percent: Decimal, fvc_mode: str,
           fvc_points: Decimal) -> tuple[bool, bool]:
    """(improved, worsened) for one item at one threshold, in exact decimals."""
    gain = after - before if HIGHER_IS_BETTER[item] else before - after  # > 0 is better
    if item == "fvc_pct":
        if fvc_mode == "absolute":
            return gain >= fvc_points, -gain >= fvc_points
        if fvc_mode == "relative_points":
            percent = fvc_points
    if before == 0:
        # Relative change from 0 is undefined: never improved; any move the wrong way worsens.
        return False, gain < 0
    return gain * 100 >= percent * before, -gain * 100 >= percent * before


def _check_settings(thresholds, fvc_mode, fvc_points, max_worsened) -> tuple:
    if isinstance(thresholds, (str, bytes)) or not isinstance(thresholds, Iterable):
        raise ScoringInputError("thresholds", "must be a list of percentages")
    thresholds = tuple(thresholds)
    for x in thresholds:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x <= 100:
            raise ScoringInputError("thresholds", f"each must be a number above 0 and at most 100, not {x!r}")
    if fvc_mode not in FVC_MODES:
        raise ScoringInputError("fvc_mode", f"must be one of {', '.join(FVC_MODES)}")
    if isinstance(fvc_points, bool) or not isinstance(fvc_points, (int, float)) or not fvc_points > 0:
        raise ScoringInputError("fvc_points", "must be a number above 0")
    if isinstance(max_worsened, bool) or not isinstance(max_worsened, int) or not 0 <= max_worsened <= 5:
        raise ScoringInputError("max_worsened", "must be a whole number from 0 to 5")
    return thresholds, fvc_mode, fvc_points, max_worsened


def revised_criss(
    baseline: CoreSet,
    followup: CoreSet,
    step1: Step1,
    thresholds: Iterable[float] = THRESHOLDS,
    fvc_mode: str = "absolute",
    fvc_points: float = 5.0,
    max_worsened: int = 1,
) -> RevisedCrissResult:
    """Revised CRISS responder status at each threshold (ARD 2021; spec section 6).

    ``fvc_mode``: "absolute" (default, +/- ``fvc_points`` percentage points),
    "relative" (relative X % like the other items) or "relative_points" (relative
    ``fvc_points`` % whatever X).  ``max_worsened``: most items allowed to worsen.
    ``baseline``/``followup``/``step1`` may also be mappings, as for ``acr_criss``.
    """
    thresholds, fvc_mode, fvc_points, max_worsened = _check_settings(
        thresholds, fvc_mode, fvc_points, max_worsened
    )
    baseline = as_core_set(baseline, "baseline")
    followup = as_core_set(followup, "followup")
    step1 = as_step1(step1)
    missing = missing_inputs(baseline, followup, step1)
    deltas = exact_deltas(baseline, followup)
    step1_met = step1.met is True
    all_present = all(delta is not None for delta in deltas.values())

    # Exact decimals and changes per item once; only the judgement depends on X.
    present = {}
    for item in CORE_ITEMS:
        if deltas[item] is not None:
            before, after = getattr(baseline, item), getattr(followup, item)
            change_pct = None if before == 0 else float(deltas[item] * 100 / exact(before))
            present[item] = (before, after, exact(before), exact(after), float(deltas[item]), change_pct)
    points = exact(fvc_points)

    items: dict[int, dict[str, ItemChange]] = {}
    improved_count: dict[int, int | None] = {}
    worsened_count: dict[int, int | None] = {}
    for x in thresholds:
        percent = exact(x)
        changes = {}
        for item, (before, after, exact_before, exact_after, change_abs, change_pct) in present.items():
            improved, worsened = _judge(item, exact_before, exact_after, percent, fvc_mode, points)
            changes[item] = ItemChange(item, before, after, change_abs, change_pct, improved, worsened)
        items[x] = changes
        improved_count[x] = sum(c.improved for c in changes.values()) if all_present else None
        worsened_count[x] = sum(c.worsened for c in changes.values()) if all_present else None

    if step1_met:
        responder: dict[int, bool] | None = {x: False for x in thresholds}
    elif missing:
        responder = None
    else:
        responder = {
            x: improved_count[x] >= MIN_IMPROVED and worsened_count[x] <= max_worsened for x in thresholds
        }
    return RevisedCrissResult(
        step1_met=step1_met,
        computable=responder is not None,
        responder=responder,
        items=items,
        improved_count=improved_count,
        worsened_count=worsened_count,
        missing=missing,
        deltas={item: None if d is None else float(d) for item, d in deltas.items()},
        thresholds=thresholds,
        fvc_mode=fvc_mode,
        fvc_points=fvc_points,
        max_worsened=max_worsened,
        baseline=baseline,
        followup=followup,
        step1=step1,
        convention=rcriss_convention(fvc_mode, fvc_points, max_worsened),
    )
