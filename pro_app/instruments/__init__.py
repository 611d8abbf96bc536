"""Questionnaire content as data: instruments, their pages and items, and their text in each language.

Pure Python (no web or database framework): the survey pages, reports and exports read it. `VISIT_ORDER` is
the default order of a visit's questionnaires; a visit lists its own in `Visit.instrument_codes`.
"""
from . import haq, pt_global, shaq
from .base import CHOICE, NRS, SKIP, VAS, Instrument, Item, Page, Translation

INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument for instrument in (pt_global.INSTRUMENT, haq.INSTRUMENT, shaq.INSTRUMENT)
}
VISIT_ORDER = tuple(INSTRUMENTS)
VERSIONS = {code: instrument.version for code, instrument in INSTRUMENTS.items()}


def get(code: str) -> Instrument | None:
    return INSTRUMENTS.get(code)


def known(codes) -> tuple[Instrument, ...]:
    """The instruments among `codes`, in the given order; unknown codes are left out."""
    return tuple(INSTRUMENTS[code] for code in codes if code in INSTRUMENTS)


__all__ = [
    "CHOICE", "INSTRUMENTS", "NRS", "SKIP", "VAS", "VERSIONS", "VISIT_ORDER", "Instrument", "Item", "Page",
    "Translation", "get", "known",
]
