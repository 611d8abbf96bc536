"""Minimal clinically important differences (MCID): flags only, never a score.

Spec section 8.  Thresholds are inclusive (a change of exactly -5 mRSS points is
flagged), compared on exact decimal changes with a 1e-9 tolerance.

* mRSS: improvement -5 points (the estimate in diffuse SSc; 3-4 overall), worsening
  +5.  Khanna et al., Arthritis Res Ther 2019 (doi:10.1186/s13075-019-1809-y);
  Khanna et al., Ann Rheum Dis 2006;65:1325-1329.
* HAQ-DI: -0.14 (published range 0.10-0.14) / +0.14.  Khanna et al., Ann Rheum Dis
  2006;65:1325-1329.
* FVC % predicted: +3.0 percentage points (3.0-5.3) / -3.0 (3.0-3.3).  Kafaja et
  al., Am J Respir Crit Care Med 2018;197:644-652.
* Patient and physician global: none published for SSc, so no flag.
"""
from dataclasses import dataclass
from decimal import Decimal

from .criss import CORE_ITEMS, CoreSet, as_core_set, exact_deltas

TOLERANCE = Decimal("1e-9")


@dataclass(frozen=True)
class McidFlag:
    item: str
    delta: float | None  # follow-up minus baseline
    improved: bool | None  # None: a value is missing, or no MCID is published
    worsened: bool | None
    threshold_improve: float | None  # signed change, e.g. -5.0 for mRSS
    threshold_worsen: float | None
    source: str
    note: str = ""

    def to_dict(self) -> dict:
        return {
            "item": self.item,
            "delta": self.delta,
            "improved": self.improved,
            "worsened": self.worsened,
            "threshold_improve": self.threshold_improve,
            "threshold_worsen": self.threshold_worsen,
            "source": self.source,
            "note": self.note,
        }


# item -> (improvement change, worsening change, source, note)
MCID_TABLE: dict[str, tuple[str | None, str | None, str, str]] = {
    "mrss": (
        "-5", "5",
        "Khanna et al., Arthritis Res Ther 2019 (doi:10.1186/s13075-019-1809-y); "
        "Khanna et al., Ann Rheum Dis 2006;65:1325-1329",
        "-5 points is the estimate in diffuse SSc; 3-4 points overall",
    ),
    "fvc_pct": (
        "3.0", "-3.0",
        "Kafaja et al., Am J Respir Crit Care Med 2018;197:644-652",
        "percentage points; published ranges 3.0-5.3 (improvement) and 3.0-3.3 (worsening)",
    ),
    "pt_global": (None, None, "none published for SSc: no flag", ""),
    "md_global": (None, None, "none published for SSc: no flag", ""),
    "haq_di": (
        "-0.14", "0.14",
        "Khanna et al., Ann Rheum Dis 2006;65:1325-1329",
        "published range 0.10-0.14",
    ),
}


def _reached(delta: Decimal, threshold: Decimal) -> bool:
    # Reached when the change goes at least as far as the threshold, in its direction.
    if threshold < 0:
        return delta <= threshold + TOLERANCE
    return delta >= threshold - TOLERANCE


def mcid_flags(baseline: CoreSet, followup: CoreSet) -> dict[str, McidFlag]:
    """MCID flags per core item between two visits (spec section 8); scores are unchanged."""
    deltas = exact_deltas(as_core_set(baseline, "baseline"), as_core_set(followup, "followup"))
    flags = {}
    for item in CORE_ITEMS:
        improve, worsen, source, note = MCID_TABLE[item]
        delta = deltas[item]
        known = delta is not None and improve is not None
        flags[item] = McidFlag(
            item=item,
            delta=None if delta is None else float(delta),
            improved=_reached(delta, Decimal(improve)) if known else None,
            worsened=_reached(delta, Decimal(worsen)) if known else None,
            threshold_improve=None if improve is None else float(improve),
            threshold_worsen=None if worsen is None else float(worsen),
            source=source,
            note=note,
        )
    return flags
