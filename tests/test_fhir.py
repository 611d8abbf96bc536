"""The FHIR export: every resource parses with `fhir.resources`, the bundle is a self-consistent R4 transaction,
codes are the checked LOINC codes or our own documented CodeSystem, and Patients carry only a pseudonym.

`fhir.resources` 8.3 ships R5 (default), R4B and STU3 models but no R4 package. R4B (4.3.0) changed none of the
resources we emit (Bundle, Patient, Questionnaire, QuestionnaireResponse, Observation, CodeSystem: see
https://hl7.org/fhir/R4B/diff.html), so the R4B models are the R4 check; the required code bindings, which the
models do not enforce, are checked here against the R4 value sets.
"""
import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from pro_app.exports import csv_files, fhir_bundle
from pro_app.exports.fhir import LOINC, LOINC_FVC_PCT, LOINC_HAQ_DI, LOINC_HAQ_PANEL, SCORE_CODES
from tests.export_fixtures import CANARY_EMAIL, CANARY_PHONE, canary, demo_site  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
# Required bindings in R4 (4.0.1) for the elements we fill.
R4_CODES = {
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                         "history", "searchset", "collection"},
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("CodeSystem", "status"): {"draft", "active", "retired", "unknown"},
    ("CodeSystem", "content"): {"not-present", "example", "fragment", "complete", "supplement"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                                "entered-in-error", "unknown"},
}
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text",
              "url", "choice", "open-choice", "attachment", "reference", "quantity"}


@pytest.fixture
def bundle(app, canary):
    return fhir_bundle([canary.site])


def resources(bundle, kind=None):
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def walk(items):
    for item in items or ():
        yield item
        yield from walk(item.get("item"))
        for answer in item.get("answer", ()):
            yield from walk(answer.get("item"))


def all_values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from all_values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from all_values(v, key)


def test_every_resource_parses_with_fhir_resources(bundle):
    parsed = Bundle.model_validate(bundle)

    kinds = {entry.resource.__class__.__name__ for entry in parsed.entry}
    assert kinds == {"CodeSystem", "Questionnaire", "Patient", "QuestionnaireResponse", "Observation"}
    for resource in resources(bundle):  # and each on its own, by its declared type
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_required_codes_use_the_r4_value_sets(bundle):
    assert bundle["type"] in R4_CODES["Bundle", "type"]
    for resource in resources(bundle):
        for (kind, element), allowed in R4_CODES.items():
            if resource["resourceType"] == kind:
                assert resource[element] in allowed, (kind, element, resource[element])
        if resource["resourceType"] == "Questionnaire":
            assert {item["type"] for item in walk(resource["item"])} <= ITEM_TYPES


def test_bundle_is_a_transaction_of_idempotent_puts_whose_references_resolve(bundle):
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}

    assert bundle["type"] == "transaction" and len(full_urls) == len(bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["request"] == {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    references = list(all_values(bundle, "reference"))
    assert references and set(references) <= full_urls


def test_ids_are_stable_so_a_second_import_updates(app, canary):
    first = [e["fullUrl"] for e in fhir_bundle([canary.site])["entry"]]

    assert [e["fullUrl"] for e in fhir_bundle([canary.site])["entry"]] == first


def test_questionnaires_carry_items_options_loinc_and_translation_status(bundle):
    questionnaires = {q["url"].rsplit("/", 1)[1]: q for q in resources(bundle, "Questionnaire")}
    code_systems = {c["url"]: c for c in resources(bundle, "CodeSystem")}

    assert set(questionnaires) == {"pt_global", "haq", "shaq"}
    haq = questionnaires["haq"]
    assert haq["code"] == [{"system": LOINC, "code": LOINC_HAQ_PANEL[0], "display": LOINC_HAQ_PANEL[1]}]
    assert haq["version"] == "1.0" and haq["url"].endswith("/fhir/Questionnaire/haq")
    items = {item["linkId"]: item for item in walk(haq["item"])}
    dress = items["dress"]
    assert dress["type"] == "choice" and [o["valueCoding"]["code"] for o in dress["answerOption"]] == [
        "0", "1", "2", "3"]
    assert dress["answerOption"][0]["valueCoding"]["system"] in code_systems
    assert items["aid_cane"]["type"] == items["help_walking"]["type"] == "boolean"
    assert items["aid_other_text"]["enableWhen"][0]["question"] == "aid_other"
    pain = items["pain"]
    assert pain["type"] == "integer" and {e["url"].rsplit("/", 1)[1]: e.get("valueInteger") for e in pain[
        "extension"] if "valueInteger" in e} == {"minValue": 0, "maxValue": 100, "questionnaire-sliderStepValue": 1}
    german = dress["_text"]["extension"][0]["extension"]
    assert german[0] == {"url": "lang", "valueCode": "de"} and german[1]["valueString"].startswith("Sich selbst")
    status = {e["extension"][0]["valueCode"]: e["extension"][1]["valueBoolean"] for e in haq["extension"]}
    assert status == {"en": True, "de": False}


def test_responses_follow_their_questionnaire_and_say_what_was_skipped(bundle, canary):
    questionnaires = {q["url"]: q for q in resources(bundle, "Questionnaire")}
    patient_ref = next(f"urn:uuid:{p['id']}" for p in resources(bundle, "Patient")
                       if p["identifier"][0]["value"] == "CANARY-1")
    mine = [r for r in resources(bundle, "QuestionnaireResponse") if r["subject"]["reference"] == patient_ref]

    assert len(mine) == 5
    for response in mine:
        url, version = response["questionnaire"].split("|")
        link_ids = {item["linkId"] for item in walk(questionnaires[url]["item"])}
        assert {item["linkId"] for item in walk(response["item"])} <= link_ids
        assert response["authored"].endswith("Z") and response["language"] == "de"
    baseline_haq = next(r for r in mine if r["questionnaire"].split("|")[0].endswith("/haq")
                        and r["status"] == "completed")
    dress = next(i for i in walk(baseline_haq["item"]) if i["linkId"] == "dress")
    assert "answer" not in dress
    assert dress["extension"] == [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                                   "valueCode": "asked-declined"}]
    shampoo = next(i for i in walk(baseline_haq["item"]) if i["linkId"] == "shampoo")
    assert shampoo["answer"][0]["valueCoding"]["code"] == "1"
    corrected = next(r for r in mine if r["status"] == "amended")
    original = corrected["item"][0]["extension"][0]
    assert original["url"].endswith("/original-answer") and {"url": "value", "valueInteger": 6} in original[
        "extension"]


def test_observations_use_checked_loinc_codes_and_our_code_system(bundle):
    score_system = next(c for c in resources(bundle, "CodeSystem") if c["url"].endswith("/sscore-scores"))
    defined = {concept["code"] for concept in score_system["concept"]}
    observations = resources(bundle, "Observation")

    assert defined == SCORE_CODES
    loinc = {c["code"] for o in observations for c in o["code"]["coding"] if c["system"] == LOINC}
    assert loinc == {LOINC_HAQ_DI[0], LOINC_FVC_PCT[0]}
    assert "19926-5" not in json.dumps(bundle)  # FEV1/FVC: not our measure
    for coding in all_values(bundle, "coding"):
        for code in coding:
            if code["system"] == score_system["url"]:
                assert code["code"] in defined


def test_haq_di_observations_equal_the_csv_scores(app, bundle, canary):
    csv_scores = {(r["study_id"], r["visit_code"]): r["haq_di"] for r in csv_files([canary.site])["visit_scores.csv"]}
    patients = {f"urn:uuid:{p['id']}": p["identifier"][0]["value"] for p in resources(bundle, "Patient")}
    seen = 0

    for observation in resources(bundle, "Observation"):
        if observation["code"]["coding"][0]["code"] != LOINC_HAQ_DI[0]:
            continue
        visit = next(e["valueString"] for e in observation["extension"] if e["url"].endswith("/visit"))
        key = (patients[observation["subject"]["reference"]], visit)
        assert observation["valueQuantity"]["value"] == csv_scores[key]
        seen += 1

    assert seen == sum(1 for value in csv_scores.values() if value is not None)


def test_criss_not_computable_is_said_with_what_is_missing(bundle):
    observations = resources(bundle, "Observation")
    criss = [o for o in observations if o["code"]["coding"][0]["code"] == "acr-criss"]

    missing = [o for o in criss if "dataAbsentReason" in o]
    assert missing and all("valueQuantity" not in o for o in missing)
    assert any("FVC % predicted at Month 6" in o["note"][0]["text"] for o in missing)
    step1 = [o for o in criss if o.get("valueQuantity", {}).get("value") == 0.0]
    assert step1
    for observation in step1:
        met = {c["code"]["coding"][0]["code"]: c["valueBoolean"] for c in observation["component"]}
        assert met["criss-step1-met"] is True and met["criss-improved"] is False


def test_patients_carry_only_the_pseudonym_unless_contacts_are_included(app, canary):
    plain = fhir_bundle([canary.site])
    full = fhir_bundle([canary.site], include_contacts=True)

    text = json.dumps(plain)
    assert CANARY_EMAIL not in text and CANARY_PHONE not in text
    for patient in resources(plain, "Patient"):
        assert set(patient) == {"resourceType", "id", "identifier"}
    assert plain["meta"]["security"][0]["code"] == "PSEUDED"
    canary_patient = next(p for p in resources(full, "Patient") if p["identifier"][0]["value"] == "CANARY-1")
    assert {t["value"] for t in canary_patient["telecom"]} == {CANARY_EMAIL, CANARY_PHONE}
    assert "meta" not in full


def test_cli_writes_a_bundle_that_parses(app, runner, canary, tmp_path):
    result = runner.invoke(args=["export", "fhir", "--site", "DEMO", "-o", str(tmp_path / "bundle.json")])

    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    assert len(Bundle.model_validate(data).entry) == len(fhir_bundle([canary.site])["entry"])


def test_the_readme_lists_every_code_of_our_code_system():
    from pro_app.exports.fhir import code_system_markdown

    assert code_system_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
