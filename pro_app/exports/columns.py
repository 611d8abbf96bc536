"""The column dictionary of the CSV export: every file, every column, its type, unit and meaning.

The README's dictionary is printed from here (`python -m pro_app.exports.columns`), and a test checks that the
README and the files agree, so the documentation cannot drift from what is written.
"""
from dataclasses import dataclass

from ..scoring import HAQ_CATEGORIES, THRESHOLDS
from ..scoring.criss import CORE_ITEMS, STEP1_EVENTS

SHAQ_ITEMS = ("intestinal", "breathing", "raynauds", "finger_ulcers", "overall")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | integer | decimal | boolean (1/0) | date | datetime | list
    unit: str
    meaning: str


def _c(name, type_, unit, meaning):
    return Column(name, type_, unit, meaning)


PATIENT_KEY = (
    _c("study_id", "text", "", "The patient's pseudonym (study id); the key that links every file."),
    _c("site", "text", "", "Code of the patient's site."),
)
VISIT_KEY = (
    _c("visit_code", "text", "", "Visit code from the visit plan, e.g. baseline, m3, m6."),
    _c("visit_label", "text", "", "Visit name as shown to staff, e.g. Month 3."),
)

PATIENTS = PATIENT_KEY + (
    _c("language", "text", "ISO 639-1", "Language the patient answers in."),
    _c("plan", "text", "", "Name of the visit plan the patient is enrolled on (empty: not enrolled)."),
    _c("anchor_date", "date", "", "Day 0 of the visit plan (usually the baseline date)."),
    _c("enrolled_at", "datetime", "UTC", "When the patient was enrolled."),
    _c("withdrawn_at", "datetime", "UTC", "When the patient withdrew (empty: not withdrawn)."),
)

ANSWERS = PATIENT_KEY + VISIT_KEY + (
    _c("visit_date", "date", "", "Target date of the visit (patient's calendar)."),
    _c("instrument", "text", "", "Questionnaire code: pt_global, haq or shaq."),
    _c("instrument_version", "text", "", "Version of the on-screen questionnaire that was answered."),
    _c("language", "text", "ISO 639-1", "Language the questionnaire was answered in."),
    _c("translation_validated", "boolean", "1/0", "1 when that language version is linguistically validated, "
       "0 when it is a working translation (empty: unknown instrument or language)."),
    _c("submitted_at", "datetime", "UTC", "When the patient sent the questionnaire."),
    _c("item", "text", "", "Item code: a HAQ-DI item (dress, shampoo, ...), aid_<aid> and help_<category> "
       "(1 ticked, 0 not ticked), pain, pt_global, or a SHAQ VAS (intestinal, breathing, raynauds, "
       "finger_ulcers, overall)."),
    _c("value", "integer", "item scale", "The answer: HAQ-DI items 0-3, tick boxes 1/0, VAS 0-100, Patient "
       "Global 0-10. Empty when skipped."),
    _c("skipped", "boolean", "1/0", "1 when the patient chose 'Prefer not to answer' (scored as missing). An "
       "item never shown has no row at all."),
    _c("text", "text", "", "Free text of the 'other' aid or device (aid_other); cells starting with = + - @ or a "
       "tab/return are prefixed with ' so spreadsheets do not run them as formulas."),
    _c("answered_at", "datetime", "UTC", "When the answer was last saved."),
    _c("corrected", "boolean", "1/0", "1 when staff corrected this answer (the audit trail has the reason)."),
    _c("corrected_at", "datetime", "UTC", "When it was corrected."),
    _c("original_value", "integer", "item scale", "The patient's own answer before the correction."),
    _c("original_skipped", "boolean", "1/0", "1 when the patient had skipped the item before the correction."),
)

_HAQ_CATEGORY_COLUMNS = tuple(
    _c(f"haq_{category}", "integer", "0-3", f"HAQ-DI category score '{category}' (highest item, raised to 2 by an "
       "aid or help); empty when the category is unanswered.")
    for category in HAQ_CATEGORIES
)
_VAS_COLUMNS = (
    _c("pain_vas", "integer", "0-100 mm", "HAQ pain visual analogue scale (0 no pain, 100 severe pain)."),
    _c("pain_03", "decimal", "0-3", "The same on the classic HAQ 0-3 scale (value x 0.03)."),
) + tuple(
    column for item in SHAQ_ITEMS for column in (
        _c(f"shaq_{item}_vas", "integer", "0-100 mm", f"Scleroderma-HAQ visual analogue scale '{item}'."),
        _c(f"shaq_{item}_03", "decimal", "0-3", "The same on the 0-3 scale (value x 0.03)."),
    )
)

VISIT_SCORES = PATIENT_KEY + VISIT_KEY + (
    _c("visit_position", "integer", "", "Order of the visit in the plan (0 = first)."),
    _c("is_baseline", "boolean", "1/0", "1 for the plan's baseline visit."),
    _c("target_date", "date", "", "Target date of the visit."),
    _c("window_open", "date", "", "First day the questionnaires could be answered."),
    _c("window_close", "date", "", "Last day the questionnaires could be answered."),
    _c("submitted_at", "datetime", "UTC", "When the patient sent the visit's questionnaires (empty: no answers)."),
    _c("has_assessment", "boolean", "1/0", "1 when a clinician assessment was recorded for the visit."),
    _c("assessed_on", "date", "", "Date of the clinician assessment."),
    _c("signed", "boolean", "1/0", "1 when a clinician has signed the visit (and the signature is current)."),
    _c("corrected_items", "list", "", "Item codes corrected by staff, separated by ';'."),
    _c("haq_di", "decimal", "0-3", "HAQ Disability Index, standard scoring with aids and help, 3 decimals; empty "
       "when fewer than 6 of 8 categories are answered (see conventions.csv, haq-di)."),
    _c("haq_di_without_aids", "decimal", "0-3", "HAQ-DI ignoring aids and help."),
    _c("haq_computable", "boolean", "1/0", "1 when at least 6 of the 8 categories are answered (empty: no HAQ)."),
    _c("haq_categories_answered", "integer", "0-8", "Number of HAQ-DI categories with at least one answered item."),
) + _HAQ_CATEGORY_COLUMNS + (
    _c("pt_global", "integer", "0-10", "Patient global assessment (numeric rating scale, 0 very well, 10 very "
       "poor)."),
) + _VAS_COLUMNS + (
    _c("mrss", "integer", "0-51", "Modified Rodnan skin score; empty unless all 17 sites are scored."),
    _c("mrss_sites_scored", "integer", "0-17", "Number of the 17 mRSS sites scored."),
    _c("fvc_pct", "decimal", "% predicted", "Forced vital capacity, % of predicted."),
    _c("fvc_equation", "text", "", "Reference equation of the predicted FVC, e.g. GLI-2012."),
    _c("md_global", "integer", "0-10", "Physician global assessment (0-10)."),
) + tuple(
    _c(f"step1_{event}", "boolean", "1/0", f"ACR-CRISS Step-1 event '{event}' since baseline, adjudicated by the "
       "clinician at this visit (empty: not adjudicated).")
    for event in STEP1_EVENTS
)

COMPARISONS = PATIENT_KEY + (
    _c("baseline_visit", "text", "", "Visit code of the baseline (the plan's baseline, else the first visit)."),
    _c("baseline_date", "date", "", "Target date of the baseline visit."),
    _c("followup_visit", "text", "", "Visit code of the follow-up: every later visit with any data."),
    _c("followup_date", "date", "", "Target date of the follow-up visit."),
    _c("criss", "decimal", "probability 0-1", "ACR-CRISS predicted probability of improvement, 4 decimals "
       "(0.0 when a Step-1 event occurred); empty when not computable."),
    _c("linear_predictor", "decimal", "", "ACR-CRISS linear predictor L, 4 decimals (empty after Step 1)."),
    _c("improved", "boolean", "1/0", "1 when CRISS >= 0.60 (unrounded)."),
    _c("step1_met", "boolean", "1/0", "1 when a Step-1 event makes the patient not improved."),
    _c("step1_events", "list", "", "Step-1 events recorded at the follow-up, separated by ';'."),
    _c("computable", "boolean", "1/0", "1 when ACR-CRISS could be computed."),
    _c("rule", "text", "", "Which rule decided: step1, step2 or not_computable."),
    _c("missing", "list", "", "Missing inputs as visit.field (who provides it), separated by ';': baseline and "
       "followup core items, step1 events."),
    _c("rcriss_computable", "boolean", "1/0", "1 when the revised CRISS could be computed."),
) + tuple(
    _c(f"rcriss_{x}", "boolean", "1/0", f"Revised CRISS responder at the {x} % threshold.") for x in THRESHOLDS
) + tuple(
    _c(f"delta_{item}", "decimal", "item unit", f"Follow-up minus baseline of {item}.") for item in CORE_ITEMS
) + (
    _c("fvc_equation_changed", "boolean", "1/0", "1 when the FVC reference equation differs between the visits "
       "(the change in FVC may then be an artefact)."),
    _c("fvc_decline_suggested", "boolean", "1/0", "1 when the numbers alone suggest the Step-1 FVC decline (a "
       "suggestion only; CRISS uses the clinician's adjudication)."),
    _c("criss_convention", "text", "", "Key of the ACR-CRISS rules applied, explained in conventions.csv."),
    _c("rcriss_convention", "text", "", "Key of the revised CRISS rules applied, explained in conventions.csv."),
)

CONVENTIONS = (
    _c("key", "text", "", "Key used in the other files (haq-di, mrss, acr-criss, revised-criss)."),
    _c("text", "text", "", "The scoring rules in plain words, with their sources."),
)

CONTACTS = (
    _c("study_id", "text", "", "The patient's pseudonym."),
    _c("email", "text", "", "E-mail address for survey invitations."),
    _c("phone", "text", "E.164", "Mobile number for SMS invitations."),
    _c("preferred_channel", "text", "", "email, sms or none."),
    _c("email_opt_out_at", "datetime", "UTC", "When the patient opted out of e-mail."),
    _c("sms_opt_out_at", "datetime", "UTC", "When the patient opted out of SMS."),
)

FILES: dict[str, tuple[Column, ...]] = {
    "patients.csv": PATIENTS,
    "answers.csv": ANSWERS,
    "visit_scores.csv": VISIT_SCORES,
    "comparisons.csv": COMPARISONS,
    "conventions.csv": CONVENTIONS,
    "contacts.csv": CONTACTS,
}
DESCRIPTIONS = {
    "patients.csv": "one row per patient",
    "answers.csv": "one row per answer of a submitted questionnaire",
    "visit_scores.csv": "one row per planned visit, with every score of that visit",
    "comparisons.csv": "one row per pair baseline / later visit with data",
    "conventions.csv": "the scoring rules the keys in the other files refer to",
    "contacts.csv": "only when an administrator includes contact details",
}


def names(file: str) -> tuple[str, ...]:
    return tuple(column.name for column in FILES[file])


def markdown() -> str:
    """The dictionary as Markdown tables, for README.md, section Getting data out."""
    lines = []
    for file, columns in FILES.items():
        lines += [f"#### `{file}`: {DESCRIPTIONS[file]}", "", "| column | type | unit | meaning |",
                  "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {c.unit} | {c.meaning} |" for c in columns]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
