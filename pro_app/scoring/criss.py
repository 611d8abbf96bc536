"""ACR Composite Response Index in Systemic Sclerosis (ACR-CRISS).

Khanna et al., Arthritis Care Res 2016;68:167-178 (doi:10.1002/acr.22804), Table 4;
spec section 5.  Computed between a baseline and a follow-up visit:

* Step 1: a new, SSc-attributable renal crisis, FVC decline, left-ventricular
  failure or PAH (clinician-adjudicated yes/no) gives CRISS 0.0, whatever else is
  missing.
* Step 2: with deltas = follow-up - baseline,
  L = -5.54 - 0.81 dmRSS + 0.21 dFVC%pred - 0.40 dPtGlobal - 0.44 dMDGlobal - 3.41 dHAQ-DI,
  p = 1 / (1 + e^-L); improved when p >= 0.60.

This module also holds the inputs shared with the revised CRISS and the MCID flags:
the five core items of one visit (:class:`CoreSet`) and the Step-1 answers
(:class:`Step1`).
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .checks import check_bool, check_number, exact, round_half_up
from .errors import ScoringInputError

CORE_ITEMS = ("mrss", "fvc_pct", "pt_global", "md_global", "haq_di")
STEP1_EVENTS = ("renal_crisis", "fvc_decline", "lv_failure", "pah")

# Ranges of the five core items: mRSS 0-51 (17 sites x 3), FVC % predicted, globals
# on the 0-10 scale CRISS uses (divide a 0-100 value by 10 first), HAQ-DI 0-3.
CORE_RANGES: dict[str, tuple[float, float]] = {
    "mrss": (0, 51),
    "fvc_pct": (0, 200),
    "pt_global": (0, 10),
    "md_global": (0, 10),
    "haq_di": (0, 3),
}

# Who supplies each value, so a "not computable" report says whom to ask.
PROVIDERS = {
    "mrss": "clinician",
    "fvc_pct": "clinician",
    "pt_global": "patient",
    "md_global": "clinician",
    "haq_di": "patient",
}

# Table 4 of Khanna et al. 2016, as decimals so that L is exact for exact deltas.
INTERCEPT = Decimal("-5.54")
COEFFICIENTS = {
    "mrss": Decimal("-0.81"),
    "fvc_pct": Decimal("0.21"),
    "pt_global": Decimal("-0.40"),
    "md_global": Decimal("-0.44"),
    "haq_di": Decimal("-3.41"),
}
IMPROVED_AT = 0.60

CRISS_CONVENTION = (
    "ACR-CRISS (Khanna et al., Arthritis Care Res 2016, Table 4). Step 1: a new renal crisis, "
    "FVC decline, left-ventricular failure or PAH attributable to SSc between the two visits "
    "gives CRISS 0.0 (not improved), whatever else is missing. Step 2: with changes = "
    "follow-up minus baseline, L = -5.54 - 0.81 x change in mRSS + 0.21 x change in FVC % "
    "predicted - 0.40 x change in patient global - 0.44 x change in physician global - "
    "3.41 x change in HAQ-DI (globals on 0-10); probability = 1/(1 + e^-L); improved when the "
    "unrounded probability is 0.60 or more. Not computable when any of the ten values is "
    "missing, or when a Step-1 question is unanswered and no Step-1 event is recorded "
    "(app convention)."
)


def _check_keys(data: object, allowed: tuple[str, ...], where: str) -> Mapping:
    if not isinstance(data, Mapping):
        raise ScoringInputError(where, f"must be an object with {', '.join(allowed)}")
    for key in data:
        # A misspelt key would otherwise read as a missing value and silently change the result.
        if key not in allowed:
            raise ScoringInputError(f"{where}.{key}", f"unknown field (expected one of {', '.join(allowed)})")
    return data


@dataclass(frozen=True)
class CoreSet:
    """The five CRISS core items of one visit; None is a missing value."""

    mrss: float | None = None
    fvc_pct: float | None = None
    pt_global: float | None = None
    md_global: float | None = None
    haq_di: float | None = None

    def __post_init__(self) -> None:
        for item in CORE_ITEMS:
            low, high = CORE_RANGES[item]
            object.__setattr__(self, item, check_number(getattr(self, item), item, low, high))

    @classmethod
    def from_dict(cls, data: Mapping[str, object], visit: str | None = None) -> "CoreSet":
        """Build from a mapping; absent keys are missing values, unknown keys are errors.

        ``visit`` ("baseline" or "followup") prefixes the field in error messages.
        """
        where = visit or "core_set"
        _check_keys(data, CORE_ITEMS, where)
        try:
            return cls(**{item: data.get(item) for item in CORE_ITEMS})
        except ScoringInputError as error:
            raise (error.within(visit) if visit else error) from None

    def to_dict(self) -> dict:
        return {item: getattr(self, item) for item in CORE_ITEMS}


@dataclass(frozen=True)
class Step1:
    """Clinician-adjudicated Step-1 events between the two visits; None is unanswered."""

    renal_crisis: bool | None = None
    fvc_decline: bool | None = None
    lv_failure: bool | None = None
    pah: bool | None = None

    def __post_init__(self) -> None:
        for event in STEP1_EVENTS:
            check_bool(getattr(self, event), event)

    @classmethod
    def from_dict(cls, data: Mapping[str, object], prefix: str | None = "step1") -> "Step1":
        where = prefix or "step1"
        _check_keys(data, STEP1_EVENTS, where)
        try:
            return cls(**{event: data.get(event) for event in STEP1_EVENTS})
        except ScoringInputError as error:
            raise (error.within(prefix) if prefix else error) from None

    @property
    def met(self) -> bool | None:
        """True if any event is recorded, None if none is but one is unanswered, else False."""
        answers = [getattr(self, event) for event in STEP1_EVENTS]
        if any(answer is True for answer in answers):
            return True
        if any(answer is None for answer in answers):
            return None
        return False

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(event for event in STEP1_EVENTS if getattr(self, event) is True)

    def to_dict(self) -> dict:
        return {event: getattr(self, event) for event in STEP1_EVENTS}


@dataclass(frozen=True)
class MissingInput:
    """One value that prevented a score: which visit, which field, and who provides it."""

    visit: str  # "baseline", "followup" or "step1"
    field: str
    provider: str  # "patient" or "clinician"

    def to_dict(self) -> dict:
        return {"visit": self.visit, "field": self.field, "provider": self.provider}

    def __str__(self) -> str:
        return f"{self.visit}.{self.field} ({self.provider})"


def as_core_set(value: object, visit: str) -> CoreSet:
    """Accept a CoreSet or a mapping (as from JSON or a database row)."""
    if isinstance(value, CoreSet):
        return value
    if value is None:
        raise ScoringInputError(visit, "is required")
    return CoreSet.from_dict(value, visit=visit)


def as_step1(value: object) -> Step1:
    if isinstance(value, Step1):
        return value
    if value is None:
        raise ScoringInputError("step1", "is required")
    return Step1.from_dict(value)


def missing_inputs(baseline: CoreSet, followup: CoreSet, step1: Step1) -> tuple[MissingInput, ...]:
    """Every missing value, baseline then follow-up (core item order), then Step 1."""
    missing = [
        MissingInput(visit, item, PROVIDERS[item])
        for visit, core_set in (("baseline", baseline), ("followup", followup))
        for item in CORE_ITEMS
        if getattr(core_set, item) is None
    ]
    missing += [
        MissingInput("step1", event, "clinician") for event in STEP1_EVENTS if getattr(step1, event) is None
    ]
    return tuple(missing)


def exact_deltas(baseline: CoreSet, followup: CoreSet) -> dict[str, Decimal | None]:
    """Follow-up minus baseline per item, in exact decimals (70.3 - 70.1 is 0.2)."""
    deltas: dict[str, Decimal | None] = {}
    for item in CORE_ITEMS:
        before, after = getattr(baseline, item), getattr(followup, item)
        deltas[item] = None if before is None or after is None else exact(after) - exact(before)
    return deltas


def _as_floats(deltas: Mapping[str, Decimal | None]) -> dict[str, float | None]:
    return {item: None if delta is None else float(delta) for item, delta in deltas.items()}


def _logistic(linear_predictor: float) -> float:
    # Written two ways so neither branch can overflow math.exp.
    if linear_predictor >= 0:
        return 1.0 / (1.0 + math.exp(-linear_predictor))
    odds = math.exp(linear_predictor)
    return odds / (1.0 + odds)


@dataclass(frozen=True)
class CrissResult:
    criss: float | None
    linear_predictor: float | None
    step1_met: bool
    improved: bool | None
    computable: bool
    missing: tuple[MissingInput, ...]
    deltas: dict[str, float | None]
    rule: str  # "step1", "step2" or "not_computable"
    baseline: CoreSet
    followup: CoreSet
    step1: Step1
    convention: str = field(default=CRISS_CONVENTION)

    def to_dict(self) -> dict:
        return {
            "criss": round_half_up(self.criss, 4),
            "linear_predictor": round_half_up(self.linear_predictor, 4),
            "step1_met": self.step1_met,
            "improved": self.improved,
            "computable": self.computable,
            "rule": self.rule,
            "step1_events": list(self.step1.events),
            "missing": [missing.to_dict() for missing in self.missing],
            "deltas": dict(self.deltas),
            "convention": self.convention,
            "baseline": self.baseline.to_dict(),
            "followup": self.followup.to_dict(),
            "step1": self.step1.to_dict(),
        }


def acr_criss(baseline: CoreSet, followup: CoreSet, step1: Step1) -> CrissResult:
    """ACR-CRISS between two visits (Khanna et al. 2016, Table 4; spec section 5).

    ``baseline`` and ``followup`` may also be mappings of the core items and ``step1``
    a mapping of the Step-1 events.  A Step-1 event that is True decides the result
    (0.0) even when values are missing; ``missing`` still lists them for the record.
    """
    baseline = as_core_set(baseline, "baseline")
    followup = as_core_set(followup, "followup")
    step1 = as_step1(step1)
    missing = missing_inputs(baseline, followup, step1)
    deltas = exact_deltas(baseline, followup)
    common = dict(
        missing=missing, deltas=_as_floats(deltas), baseline=baseline, followup=followup, step1=step1
    )

    if step1.met:
        return CrissResult(
            criss=0.0, linear_predictor=None, step1_met=True, improved=False, computable=True,
            rule="step1", **common,
        )
    if missing:
        return CrissResult(
            criss=None, linear_predictor=None, step1_met=False, improved=None, computable=False,
            rule="not_computable", **common,
        )
    linear = INTERCEPT + sum(COEFFICIENTS[item] * deltas[item] for item in CORE_ITEMS)
    probability = _logistic(float(linear))
    return CrissResult(
        criss=probability, linear_predictor=float(linear), step1_met=False,
        improved=probability >= IMPROVED_AT, computable=True, rule="step2", **common,
    )


def suggest_fvc_decline(baseline_fvc: float | None, followup_fvc: float | None) -> bool | None:
    """Suggest the Step-1 ``fvc_decline`` answer from the numbers alone (spec section 5).

    True when FVC % predicted fell by 15 % or more relative to baseline AND the
    follow-up is below 80 % predicted; None when either value is missing.  Only a
    suggestion: confirmation within a month, ILD on HRCT and attribution to SSc are
    for the clinician, and ``acr_criss`` never uses this.  A baseline of 0 cannot
    decline (False).
    """
    before = check_number(baseline_fvc, "baseline_fvc", *CORE_RANGES["fvc_pct"])
    after = check_number(followup_fvc, "followup_fvc", *CORE_RANGES["fvc_pct"])
    if before is None or after is None:
        return None
    if before == 0:
        return False
    fall = exact(before) - exact(after)
    return fall * 100 >= 15 * exact(before) and after < 80
