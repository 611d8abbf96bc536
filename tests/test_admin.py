from sqlalchemy import select

from pro_app import audit
from pro_app.extensions import db
from pro_app.models import AuditEvent, User
from tests.conftest import Auth
from tests.pages import check_page


def test_admin_creates_an_account(client, login_as, site):
    login_as("admin")

    response = client.post("/admin/users", data={"name": "Nina Nurse", "email": "Nina@Clinic.org",
                                                 "role": "coordinator", "site": site.id,
                                                 "password": "a good long password"})

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nina@clinic.org"))
    assert user.role == "coordinator" and user.site_id == site.id
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.action == "create"))
    assert '"role": "coordinator"' in row.new_value


def test_user_form_names_every_problem(client, login_as, site):
    login_as("admin")

    response = client.post("/admin/users", data={"name": "", "email": "not-an-email", "role": "clinician",
                                                 "site": site.id, "password": "short"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "full name" in page
    assert "Enter an email address in the correct format" in page
    assert "Password must be 12 characters or more" in page
    check_page(response)


def test_duplicate_email_is_refused(client, login_as, site, make_user):
    existing = make_user(email="taken@clinic.org")
    login_as("admin")

    response = client.post("/admin/users", data={"name": "X", "email": existing.email, "role": "clinician",
                                                 "site": site.id, "password": "a good long password"})

    assert response.status_code == 400
    assert b"already exists" in response.data


def test_disabling_a_user_ends_their_sessions(app, client, login_as, make_user):
    victim = make_user("clinician")
    victim_client = app.test_client()
    Auth(victim_client).login(victim)
    assert victim_client.get("/clinic/patients").status_code == 200
    login_as("admin")

    client.post(f"/admin/users/{victim.id}/active")

    assert victim_client.get("/clinic/patients").status_code == 302
    db.session.commit()
    assert db.session.get(User, victim.id).active is False


def test_admin_cannot_disable_themselves(client, login_as):
    admin = login_as("admin")

    client.post(f"/admin/users/{admin.id}/active")

    db.session.commit()
    assert db.session.get(User, admin.id).active is True


def test_audit_trail_filters_and_escapes(client, login_as):
    audit.record("update", "assessment", 1, field="fvc_equation", old=None, new="<script>alert(1)</script>",
                 reason="{{7*7}}")
    db.session.commit()
    admin = login_as("admin")

    page = client.get("/admin/audit")
    mine = client.get(f"/admin/audit?actor={admin.email}")

    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "{{7*7}}" in html and ">49<" not in html
    check_page(page)
    assert "fvc_equation" not in mine.get_data(as_text=True)
