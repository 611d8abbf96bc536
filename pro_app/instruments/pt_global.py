"""Patient Global Assessment: the single 0-10 numeric rating scale that ACR-CRISS uses (spec section 3).

Not the HAQ's own global VAS. The spec fixes the scale, anchors, recall period and subject; it quotes no
licensed stem, so the question below is SScore PRO's wording of exactly that (documented in README-survey).
"""
from .base import NRS, Instrument, Item, Page, Translation

CODE = "pt_global"
VERSION = "1.0"

PAGES = (Page(key="pt_global", items=(Item("pt_global", NRS, 0, 10),)),)

EN = {
    "name": "Patient Global Assessment (0-10 numeric rating scale)",
    "title": "Your scleroderma overall",
    "page.pt_global": "Your scleroderma overall",
    "item.pt_global": "Considering all the ways your scleroderma affects you, how have you been doing in the "
                      "past week?",
    "item.pt_global.hint": "Select a number from 0 (very well) to 10 (very poor).",
    "item.pt_global.min": "0: Very well",
    "item.pt_global.max": "10: Very poor",
    "item.pt_global.error": "Select a number from 0 to 10 for how you have been doing in the past week",
}

DE = {
    "name": "Globalurteil des Patienten (numerische Skala 0-10)",
    "title": "Ihre Sklerodermie insgesamt",
    "page.pt_global": "Ihre Sklerodermie insgesamt",
    "item.pt_global": "Wenn Sie alle Auswirkungen Ihrer Sklerodermie bedenken: Wie ist es Ihnen in der "
                      "vergangenen Woche gegangen?",
    "item.pt_global.hint": "Wählen Sie eine Zahl von 0 (sehr gut) bis 10 (sehr schlecht).",
    "item.pt_global.min": "0: Sehr gut",
    "item.pt_global.max": "10: Sehr schlecht",
    "item.pt_global.error": "Wählen Sie eine Zahl von 0 bis 10 dafür, wie es Ihnen in der vergangenen Woche ging",
}

INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    citation="Khanna D, Berrocal VJ, Giannini EH, et al. The American College of Rheumatology Provisional "
             "Composite Response Index for Clinical Trials in Early Diffuse Cutaneous Systemic Sclerosis. "
             "Arthritis Care Res 2016;68:167-178. doi:10.1002/acr.22804 (core item: patient global, 0-10).",
    licence="Single-item numeric rating scale; no licence needed. Wording by SScore PRO from the CRISS definition.",
    pages=PAGES,
    translations={
        "en": Translation("en", True, "SScore PRO wording of the CRISS patient global (0-10 NRS), English", EN),
        "de": Translation("de", False, "SScore PRO working translation; not linguistically validated", DE),
    },
    adaptations=("'Prefer not to answer' after an 'or' divider; stored as skipped, scored as missing.",),
)
