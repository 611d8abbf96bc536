"""Decisions behind the clinician pages, with no web framework and no database: where a visit stands on the
timeline, what an assessment save changes (and whether it is a correction needing a reason), the FVC-decline
suggestion, the range of a correctable patient answer, and the canonical content a signature covers.

The views only load records, call these and render; tests call them directly.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import date

from ..instruments import INSTRUMENTS
from ..scoring import suggest_fvc_decline

# Clinician fields of an assessment, in form order (the 17 mRSS sites are `mrss_<site>`).
MRSS_FIELDS = (
    "mrss_face", "mrss_chest", "mrss_abdomen",
    "mrss_l_fingers", "mrss_r_fingers", "mrss_l_hand_dorsum", "mrss_r_hand_dorsum", "mrss_l_forearm",
    "mrss_r_forearm", "mrss_l_upper_arm", "mrss_r_upper_arm", "mrss_l_thigh", "mrss_r_thigh",
    "mrss_l_lower_leg", "mrss_r_lower_leg", "mrss_l_foot_dorsum", "mrss_r_foot_dorsum",
)
STEP1_FIELDS = ("renal_crisis", "fvc_decline", "lv_failure", "pah")
ASSESSMENT_FIELDS = MRSS_FIELDS + ("fvc_pct", "fvc_equation", "md_global") + STEP1_FIELDS
# The mRSS form as a front view, read row by row on a 4-column grid (face, chest and abdomen span the middle
# two; the template adds spacers beside the face and the feet). The patient's right is on the viewer's left,
# as on the standard chart. Also the keyboard and screen-reader order.
BODY_ORDER = (
    "face", "r_upper_arm", "chest", "l_upper_arm", "r_forearm", "abdomen", "l_forearm",
    "r_hand_dorsum", "r_thigh", "l_thigh", "l_hand_dorsum", "r_fingers", "r_lower_leg", "l_lower_leg",
    "l_fingers", "r_foot_dorsum", "l_foot_dorsum",
)


def timeline_state(window_open: date, window_close: date, today: date, has_data: bool) -> str:
    """completed (any answers sent or assessment entered) | missed | window (open today) | planned."""
    if has_data:
        return "completed"
    if today > window_close:
        return "missed"
    if today >= window_open:
        return "window"
    return "planned"


@dataclass(frozen=True)
class AssessmentChange:
    """What a save would do: every changed field as (old, new), and which of them overwrite a saved value."""

    changes: dict
    corrected: tuple[str, ...]

    @property
    def needs_reason(self) -> bool:
        return bool(self.corrected)


def assessment_change(saved: dict, submitted: dict) -> AssessmentChange:
    """Compare saved values with the form's. Filling an empty field is an entry; changing or clearing a value
    that was saved is a correction (it needs a reason, and the page marks the value as corrected)."""
    changes, corrected = {}, []
    for name in ASSESSMENT_FIELDS:
        old, new = saved.get(name), submitted.get(name)
        if old != new:
            changes[name] = (old, new)
            if old is not None:
                corrected.append(name)
    return AssessmentChange(changes, tuple(corrected))


def fvc_decline_hint(baseline_fvc: float | None, visit_fvc: float | None) -> bool | None:
    """The scoring engine's suggestion for the Step-1 FVC-decline answer; never applied by the app."""
    try:
        return suggest_fvc_decline(baseline_fvc, visit_fvc)
    except ValueError:
        return None


def answer_range(item_code: str) -> tuple[int, int] | None:
    """(minimum, maximum) a corrected answer may take; None for a code no instrument stores (or free text)."""
    for instrument in INSTRUMENTS.values():
        for item in instrument.items:
            if item.code == item_code:
                return item.minimum, item.maximum
        for page in instrument.pages:
            if item_code in page.checkbox_codes and item_code != "aid_other":
                return 0, 1
    return None


def signed_content(visit_code: str, answers: dict, assessment: dict | None) -> tuple[str, str]:
    """(canonical JSON, SHA-256) of what a sign-off covers: the visit's submitted answers and assessment."""
    content = json.dumps({"visit": visit_code, "answers": answers, "assessment": assessment}, sort_keys=True,
                         default=str, separators=(",", ":"))
    return content, hashlib.sha256(content.encode()).hexdigest()
