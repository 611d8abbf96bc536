"""Visual analogue scales and the 0-10 global assessments.

HAQ pain and the five Scleroderma-HAQ VAS (Steen & Medsger, Arthritis Rheum
1997;40:1984-1991) are collected 0-100, stored as integers and also reported on
the classic 0-3 scale (value x 0.03); they are never summed into the HAQ-DI (spec
section 2).  CRISS takes the patient and physician globals on 0-10; a value
collected on 0-100 is divided by 10 first (spec section 3).
"""
from decimal import Decimal

from .checks import check_number, check_whole_number, exact
from .errors import ScoringInputError

VAS_ITEMS = ("pain", "intestinal", "breathing", "raynauds", "finger_ulcers", "overall")


def validate_vas(value: object, field: str = "vas") -> int:
    """A stored VAS value: a whole number 0-100 (required; None is an error here)."""
    checked = check_whole_number(value, field, 0, 100)
    if checked is None:
        raise ScoringInputError(field, "is required")
    return checked


def vas_to_03(value: int, field: str = "vas") -> float:
    """The classic 0-3 reading of a 0-100 VAS: value x 0.03, to 2 decimals (exact)."""
    return float(Decimal(validate_vas(value, field)) * Decimal("0.03"))


def global_0_10(value: object, scale: int = 10, field: str = "global") -> float:
    """A patient or physician global on the 0-10 scale CRISS uses.

    ``scale`` is the scale it was collected on: 10 (kept) or 100 (divided by 10).
    """
    if scale not in (10, 100):
        raise ScoringInputError("scale", "must be 10 or 100")
    checked = check_number(value, field, 0, scale)
    if checked is None:
        raise ScoringInputError(field, "is required")
    return float(exact(checked) / scale * 10)
