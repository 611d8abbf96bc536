"""Words printed in the reports for codes stored in the database: instruments, items, answers, sites.

Deliberately small. When `pro_app.instruments` (questionnaire content as data) lands, `item_label` and
`translation_status` should ask it and this table shrinks to the fallbacks; every caller goes through those
two functions, so nothing else changes.
"""
INSTRUMENTS = {
    "pt_global": "Patient global assessment (0-10)",
    "haq": "HAQ-DI with pain VAS",
    "shaq": "Scleroderma-HAQ VAS",
}
LANGUAGES = {"en": "English", "de": "German"}

HAQ_CATEGORY_LABELS = {
    "dressing": "Dressing & grooming", "arising": "Arising", "eating": "Eating", "walking": "Walking",
    "hygiene": "Hygiene", "reach": "Reach", "grip": "Grip", "activities": "Activities",
}
# Short paraphrases of the HAQ-DI items (the record keeps the code; the patient saw the instrument's text).
HAQ_ITEM_LABELS = {
    "dress": "Dress yourself, including shoelaces and buttons", "shampoo": "Shampoo your hair",
    "stand": "Stand up from a straight chair", "bed": "Get in and out of bed",
    "cut_meat": "Cut your meat", "lift_cup": "Lift a full cup or glass to your mouth",
    "open_carton": "Open a new milk carton",
    "walk_outdoors": "Walk outdoors on flat ground", "climb_steps": "Climb up five steps",
    "wash_body": "Wash and dry your body", "tub_bath": "Take a tub bath", "toilet": "Get on and off the toilet",
    "reach_object": "Reach and get down a 5 lb object from above your head",
    "bend_down": "Bend down to pick up clothing from the floor",
    "car_doors": "Open car doors", "open_jars": "Open jars which have been previously opened",
    "faucets": "Turn taps on and off",
    "errands": "Run errands and shop", "car_in_out": "Get in and out of a car",
    "chores": "Do chores such as vacuuming or yard work",
}
AID_LABELS = {
    "dressing_devices": "Devices used for dressing", "built_up_chair": "Built-up or special chair",
    "utensils": "Special utensils", "cane": "Cane", "walker": "Walker", "crutches": "Crutches",
    "wheelchair": "Wheelchair", "raised_toilet_seat": "Raised toilet seat", "bathtub_seat": "Bathtub seat",
    "bathtub_bar": "Bathtub bar", "long_handled_bathroom": "Long-handled appliances in bathroom",
    "long_handled_reach": "Long-handled appliances for reach", "jar_opener": "Jar opener",
    "other": "Other aid or device",
}
VAS_LABELS = {
    "pain": "Pain", "intestinal": "Intestinal problems", "breathing": "Breathing problems",
    "raynauds": "Raynaud's", "finger_ulcers": "Finger ulcers", "overall": "Overall disease severity",
}
MRSS_SITE_LABELS = {
    "face": "Face", "chest": "Anterior chest", "abdomen": "Abdomen",
    "l_fingers": "Fingers (left)", "r_fingers": "Fingers (right)",
    "l_hand_dorsum": "Dorsum of hand (left)", "r_hand_dorsum": "Dorsum of hand (right)",
    "l_forearm": "Forearm (left)", "r_forearm": "Forearm (right)",
    "l_upper_arm": "Upper arm (left)", "r_upper_arm": "Upper arm (right)",
    "l_thigh": "Thigh (left)", "r_thigh": "Thigh (right)",
    "l_lower_leg": "Lower leg (left)", "r_lower_leg": "Lower leg (right)",
    "l_foot_dorsum": "Dorsum of foot (left)", "r_foot_dorsum": "Dorsum of foot (right)",
}
STEP1_EVENT_LABELS = {
    "renal_crisis": "Scleroderma renal crisis", "fvc_decline": "FVC decline (ILD)",
    "lv_failure": "Left-ventricular failure", "pah": "Pulmonary arterial hypertension",
}
HAQ_ANSWERS = {0: "Without any difficulty", 1: "With some difficulty", 2: "With much difficulty", 3: "Unable to do"}



def translation_validated(instrument: str, language: str) -> bool:
    """Whether the text the patient saw is the original or a validated translation. The one place to ask the
    instruments package later (it will know which translations have been validated); until then only the
    English originals count."""
    return language == "en"


def translation_status(instrument: str, language: str) -> str:
    if language == "en":
        return "original (English)"
    name = LANGUAGES.get(language, language)
    if translation_validated(instrument, language):
        return f"validated {name} translation"
    return f"{name} translation not validated"


def instrument_name(code: str) -> str:
    return INSTRUMENTS.get(code, code)


def item_label(code: str) -> str:
    """What an item asked, for the response sheet; the code itself when we have no words for it."""
    if code in HAQ_ITEM_LABELS:
        return HAQ_ITEM_LABELS[code]
    if code.startswith("aid_") and code[4:] in AID_LABELS:
        return f"Aid or device: {AID_LABELS[code[4:]]}"
    if code.startswith("help_") and code[5:] in HAQ_CATEGORY_LABELS:
        return f"Help from another person: {HAQ_CATEGORY_LABELS[code[5:]]}"
    if code in VAS_LABELS:
        return f"{VAS_LABELS[code]} (VAS 0-100)"
    if code == "pt_global":
        return "Patient global assessment (0-10)"
    return code


def answer_text(code: str, value: int | None) -> str:
    """An answer as the patient gave it, in words where the scale has them."""
    if value is None:
        return "no value"
    if code in HAQ_ITEM_LABELS:
        return f"{HAQ_ANSWERS.get(value, value)} ({value})"
    if code.startswith(("aid_", "help_")):
        return "Yes" if value == 1 else "No" if value == 0 else str(value)
    return str(value)
