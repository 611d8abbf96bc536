"""Issue 10: every list page runs the same number of SQL statements at 8 and at 80 patients (no N+1), for
coordinators and administrators (the clinician's list: tests/test_clinic_scale.py)."""
import pytest
from sqlalchemy import select

from bench.scale_data import seed
from pro_app.extensions import db
from pro_app.models import Site
from tests.conftest import Auth
from tests.test_clinic_scale import counted

PAGES = {
    "coordinator": ("/coordinator/", "/coordinator/patients", "/coordinator/patients?page=2",
                    "/coordinator/readiness", "/coordinator/messages"),
    "admin": ("/admin/audit", "/admin/users"),
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_list_pages_run_as_many_statements_at_80_patients_as_at_8(app, make_user, role):
    seed(8, "SMALL")
    seed(80, "LARGE", seed_value=3)
    counts = {}
    for code in ("SMALL", "LARGE"):
        site = db.session.scalar(select(Site).where(Site.code == code))
        client = app.test_client()
        assert Auth(client).login(make_user(role, site)).status_code == 302
        for url in PAGES[role]:
            with counted(app) as statements:
                response = client.get(url)
            assert response.status_code == 200, (code, url)
            counts[code, url] = len(statements)

    for url in PAGES[role]:
        assert counts["LARGE", url] <= counts["SMALL", url], (url, counts)
