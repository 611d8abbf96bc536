"""The five Scleroderma-HAQ visual analogue scales (Steen & Medsger 1997; spec section 2), one per screen.

Each is a 0-100 line with its two anchors and no preset mark; stored as the integer 0-100.
"""
from .base import VAS, Instrument, Item, Page, Translation

CODE = "shaq"
VERSION = "1.0"
ITEM_CODES = ("intestinal", "breathing", "raynauds", "finger_ulcers", "overall")

PAGES = tuple(Page(key=code, items=(Item(code, VAS, 0, 100),)) for code in ITEM_CODES)

EN = {
    "name": "Scleroderma Health Assessment Questionnaire (SHAQ) visual analogue scales",
    "title": "Scleroderma symptoms",
    "page.intestinal": "Intestinal problems",
    "page.breathing": "Breathing problems",
    "page.raynauds": "Raynaud's",
    "page.finger_ulcers": "Finger ulcers",
    "page.overall": "Overall severity",
    "item.intestinal": "In the past week, how much have your intestinal problems interfered with your activities?",
    "item.breathing": "In the past week, how much have your breathing problems interfered with your activities?",
    "item.raynauds": "In the past week, how much has your Raynaud's interfered with your activities?",
    "item.finger_ulcers": "In the past week, how much have your finger ulcers interfered with your activities?",
    "item.overall": "In the past week, how severe would you rate your disease overall?",
    "item.intestinal.min": "Does not interfere",
    "item.intestinal.max": "Very severe limitation",
    "item.breathing.min": "Does not interfere",
    "item.breathing.max": "Very severe limitation",
    "item.raynauds.min": "Does not interfere",
    "item.raynauds.max": "Very severe limitation",
    "item.finger_ulcers.min": "Does not interfere",
    "item.finger_ulcers.max": "Very severe limitation",
    "item.overall.min": "No disease",
    "item.overall.max": "Very severe disease",
    "item.intestinal.error": "Show how much your intestinal problems interfered with your activities",
    "item.breathing.error": "Show how much your breathing problems interfered with your activities",
    "item.raynauds.error": "Show how much your Raynaud's interfered with your activities",
    "item.finger_ulcers.error": "Show how much your finger ulcers interfered with your activities",
    "item.overall.error": "Show how severe your disease was in the past week",
}

DE = {
    "name": "Scleroderma Health Assessment Questionnaire (SHAQ), visuelle Analogskalen",
    "title": "Beschwerden durch die Sklerodermie",
    "page.intestinal": "Darmprobleme",
    "page.breathing": "Atemprobleme",
    "page.raynauds": "Raynaud-Syndrom",
    "page.finger_ulcers": "Geschwüre an den Fingern",
    "page.overall": "Schwere der Erkrankung insgesamt",
    "item.intestinal": "Wie sehr haben Ihre Darmprobleme Sie in der vergangenen Woche bei Ihren Tätigkeiten "
                       "beeinträchtigt?",
    "item.breathing": "Wie sehr haben Ihre Atemprobleme Sie in der vergangenen Woche bei Ihren Tätigkeiten "
                      "beeinträchtigt?",
    "item.raynauds": "Wie sehr hat Ihr Raynaud-Syndrom Sie in der vergangenen Woche bei Ihren Tätigkeiten "
                     "beeinträchtigt?",
    "item.finger_ulcers": "Wie sehr haben Ihre Fingergeschwüre Sie in der vergangenen Woche bei Ihren Tätigkeiten "
                          "beeinträchtigt?",
    "item.overall": "Wie schwer würden Sie Ihre Erkrankung in der vergangenen Woche insgesamt einschätzen?",
    "item.intestinal.min": "Keine Beeinträchtigung",
    "item.intestinal.max": "Sehr starke Einschränkung",
    "item.breathing.min": "Keine Beeinträchtigung",
    "item.breathing.max": "Sehr starke Einschränkung",
    "item.raynauds.min": "Keine Beeinträchtigung",
    "item.raynauds.max": "Sehr starke Einschränkung",
    "item.finger_ulcers.min": "Keine Beeinträchtigung",
    "item.finger_ulcers.max": "Sehr starke Einschränkung",
    "item.overall.min": "Keine Erkrankung",
    "item.overall.max": "Sehr schwere Erkrankung",
    "item.intestinal.error": "Geben Sie an, wie sehr Ihre Darmprobleme Sie beeinträchtigt haben",
    "item.breathing.error": "Geben Sie an, wie sehr Ihre Atemprobleme Sie beeinträchtigt haben",
    "item.raynauds.error": "Geben Sie an, wie sehr Ihr Raynaud-Syndrom Sie beeinträchtigt hat",
    "item.finger_ulcers.error": "Geben Sie an, wie sehr Ihre Fingergeschwüre Sie beeinträchtigt haben",
    "item.overall.error": "Geben Sie an, wie schwer Ihre Erkrankung in der vergangenen Woche war",
}

INSTRUMENT = Instrument(
    code=CODE,
    version=VERSION,
    citation="Steen VD, Medsger TA Jr. The value of the Health Assessment Questionnaire and special patient-"
             "generated scales to demonstrate change in systemic sclerosis patients over time. Arthritis Rheum "
             "1997;40:1984-1991.",
    licence="Published visual analogue scales; free to use with citation.",
    pages=PAGES,
    translations={
        "en": Translation("en", True, "Steen & Medsger 1997, English", EN),
        "de": Translation("de", False, "SScore PRO working translation; not linguistically validated", DE),
    },
    adaptations=(
        "A 0-100 line tapped to place a mark (a number 0-100 without JavaScript) instead of a 15 cm paper line.",
        "'Prefer not to answer' after an 'or' divider; stored as skipped.",
    ),
)
