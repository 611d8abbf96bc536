"""Modified Rodnan skin score (mRSS).

17 sites, each scored 0-3 by the clinician; the total (0-51) is reported only when
all 17 sites are scored.  Khanna et al., J Scleroderma Relat Disord 2017;2:11-18
(spec section 4).
"""
from collections.abc import Mapping
from dataclasses import dataclass, field

from .checks import check_whole_number
from .errors import ScoringInputError

MRSS_SITES = (
    "face", "chest", "abdomen",
    "l_fingers", "r_fingers", "l_hand_dorsum", "r_hand_dorsum",
    "l_forearm", "r_forearm", "l_upper_arm", "r_upper_arm",
    "l_thigh", "r_thigh", "l_lower_leg", "r_lower_leg",
    "l_foot_dorsum", "r_foot_dorsum",
)

MRSS_CONVENTION = (
    "mRSS: sum of 17 sites each scored 0-3 (total 0-51); no total unless all 17 sites are "
    "scored. Khanna et al. 2017."
)


@dataclass(frozen=True)
class MrssResult:
    mrss: int | None
    computable: bool
    missing_sites: tuple[str, ...]
    sites: dict[str, int | None]
    convention: str = field(default=MRSS_CONVENTION)

    def to_dict(self) -> dict:
        return {
            "mrss": self.mrss,
            "computable": self.computable,
            "missing_sites": list(self.missing_sites),
            "sites": dict(self.sites),
            "convention": self.convention,
        }


def score_mrss(sites: Mapping[str, int | None]) -> MrssResult:
    """Total the 17 sites (spec section 4); None for a site, or an absent site, is unscored."""
    if not isinstance(sites, Mapping):
        raise ScoringInputError("sites", "must be an object mapping site codes to scores 0-3")
    for code in sites:
        if code not in MRSS_SITES:
            raise ScoringInputError(f"sites.{code}", "unknown site code")
    scores = {code: check_whole_number(sites.get(code), f"sites.{code}", 0, 3) for code in MRSS_SITES}
    missing = tuple(code for code in MRSS_SITES if scores[code] is None)
    return MrssResult(
        mrss=None if missing else sum(scores.values()),
        computable=not missing,
        missing_sites=missing,
        sites=scores,
    )
