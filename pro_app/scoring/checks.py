"""Input checks and rounding shared by the scoring modules.

Scores feed clinical decisions, so inputs are checked strictly rather than coerced:
``True`` is not 1, ``"2"`` is not 2 and ``2.5`` is not a HAQ answer.  Each check
returns the cleaned value or raises :class:`ScoringInputError` naming the field.
"""
import math
from decimal import ROUND_HALF_UP, Decimal

from .errors import ScoringInputError


def _type_name(value: object) -> str:
    # Named as in JSON, because most bad values arrive from JSON or CSV.
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_number(value: object, field: str, low: float, high: float) -> int | float | None:
    """A finite number within ``low..high`` (inclusive), or None when missing.

    Decimal values (as a database Numeric column returns them) become floats.
    """
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScoringInputError(field, f"must be a number, not {_type_name(value)}")
    # Only floats can be infinite or NaN; a huge JSON integer would overflow isfinite().
    if isinstance(value, float) and not math.isfinite(value):
        raise ScoringInputError(field, "must be a finite number")
    if not low <= value <= high:
        raise ScoringInputError(field, f"must be between {low:g} and {high:g}")
    return value


def check_whole_number(value: object, field: str, low: int, high: int) -> int | None:
    """A whole number within ``low..high``; ``2.0`` is accepted as 2, ``2.5`` is not."""
    number = check_number(value, field, -math.inf, math.inf)
    if number is None:
        return None
    if isinstance(number, float) and not number.is_integer():
        raise ScoringInputError(field, f"must be a whole number from {low} to {high}")
    number = int(number)
    if not low <= number <= high:
        raise ScoringInputError(field, f"must be between {low} and {high}")
    return number


def check_bool(value: object, field: str) -> bool | None:
    """True, False, or None when unanswered; 1/0 and "yes"/"no" are not accepted here."""
    if value is None or isinstance(value, bool):
        return value
    raise ScoringInputError(field, f"must be true or false, not {_type_name(value)}")


def check_codes(values: object, field: str, allowed, what: str) -> tuple[str, ...]:
    """A list of codes from ``allowed``, returned de-duplicated in the order of ``allowed``."""
    if values is None:
        return ()
    # A bare string is iterable: "cane" would otherwise read as the codes c, a, n, e.
    if isinstance(values, (str, bytes, dict)):
        raise ScoringInputError(field, f"must be a list of {what}s, not {_type_name(values)}")
    try:
        given = list(values)
    except TypeError:
        raise ScoringInputError(field, f"must be a list of {what}s") from None
    for code in given:
        if not isinstance(code, str):
            raise ScoringInputError(field, f"must contain {what}s as text, not {_type_name(code)}")
        if code not in allowed:
            raise ScoringInputError(field, f"unknown {what} '{code}'")
    return tuple(code for code in allowed if code in given)


def exact(value: int | float) -> Decimal:
    """The decimal a clinician typed: 70.1 is 70.1, not 70.099999999999994315658."""
    return Decimal(str(value))


def round_half_up(value: float | Decimal | None, places: int) -> float | None:
    """Round for reporting, halves away from zero (0.0625 -> 0.063), as people expect."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(repr(value))
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
