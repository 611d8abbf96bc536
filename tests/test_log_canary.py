"""The log canary itself (G-LOG-1): it must catch a leak, or the suite-wide check proves nothing."""
import logging

import pytest

from tests.conftest import CANARY_EMAIL, CANARY_PHONE, PASSWORD


@pytest.mark.parametrize("leak", [CANARY_EMAIL, CANARY_PHONE, PASSWORD])
def test_the_canary_catches_a_leak(no_personal_data_in_logs, leak):
    logging.getLogger("pro_app.somewhere").warning("contact %s", leak)

    assert no_personal_data_in_logs.hits
    no_personal_data_in_logs.hits.clear()  # this leak was planted; the fixture's own check must still pass


def test_patients_made_by_the_fixture_carry_the_canary(make_patient):
    patient = make_patient()
    assert (patient.email, patient.phone) == (CANARY_EMAIL, CANARY_PHONE)
