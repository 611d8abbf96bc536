"""SScore PRO scoring engine: pure functions, no web framework, no database.

The rules and their sources are in docs/scoring-spec.md; each module cites the
section it implements.
"""
from .criss import (
    CORE_ITEMS,
    STEP1_EVENTS,
    CoreSet,
    CrissResult,
    MissingInput,
    Step1,
    acr_criss,
    suggest_fvc_decline,
)
from .errors import ScoringInputError
from .haq import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS, HaqResult, score_haq_di
from .mcid import McidFlag, mcid_flags
from .mrss import MRSS_SITES, MrssResult, score_mrss
from .rcriss import THRESHOLDS, ItemChange, RevisedCrissResult, revised_criss
from .vas import VAS_ITEMS, global_0_10, validate_vas, vas_to_03

__all__ = [
    "CORE_ITEMS",
    "HAQ_AIDS",
    "HAQ_CATEGORIES",
    "HAQ_ITEMS",
    "MRSS_SITES",
    "STEP1_EVENTS",
    "THRESHOLDS",
    "VAS_ITEMS",
    "CoreSet",
    "CrissResult",
    "HaqResult",
    "ItemChange",
    "McidFlag",
    "MissingInput",
    "MrssResult",
    "RevisedCrissResult",
    "ScoringInputError",
    "Step1",
    "acr_criss",
    "global_0_10",
    "mcid_flags",
    "revised_criss",
    "score_haq_di",
    "score_mrss",
    "suggest_fvc_decline",
    "validate_vas",
    "vas_to_03",
]
