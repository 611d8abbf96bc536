"""The patient list runs a fixed number of SQL statements per page, whatever the number of patients (no N+1)."""
from contextlib import contextmanager

from sqlalchemy import event

from bench.scale_data import seed
from pro_app.extensions import db
from pro_app.models import Site
from tests.conftest import Auth
from tests.pages import check_page


@contextmanager
def counted(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def clinician_of(app, make_user, code):
    from sqlalchemy import select

    site = db.session.scalar(select(Site).where(Site.code == code))
    client = app.test_client()
    assert Auth(client).login(make_user("clinician", site)).status_code == 302
    return client


def test_statements_per_page_do_not_grow_with_the_number_of_patients(app, make_user):
    seed(8, "SMALL")
    seed(160, "LARGE", seed_value=3)
    small, large = clinician_of(app, make_user, "SMALL"), clinician_of(app, make_user, "LARGE")
    counts = {}
    for name, client in (("small", small), ("large", large)):
        for url in ("/clinic/patients", "/clinic/patients?sort=study_id&page=2", "/clinic/patients?q=LARGE-001"):
            with counted(app) as statements:
                response = client.get(url)
            assert response.status_code == 200
            counts[name, url] = len(statements)

    # The small site's first page runs one more statement: it has fewer than a page of patients with a visit
    # to do, so the rest of the page is filled with the others. Nothing grows with the number of patients.
    first = counts["small", "/clinic/patients"]
    assert counts["large", "/clinic/patients"] <= first, counts
    assert counts["large", "/clinic/patients?sort=study_id&page=2"] <= first, counts
    assert counts["large", "/clinic/patients?q=LARGE-001"] <= first, counts
    assert first <= 15, counts


def test_a_full_page_shows_25_patients_and_links_to_the_next(app, make_user):
    seed(30, "PAGED")
    client = clinician_of(app, make_user, "PAGED")

    page = client.get("/clinic/patients?sort=study_id")
    second = client.get("/clinic/patients?sort=study_id&page=2").get_data(as_text=True)

    check_page(page)
    html = page.get_data(as_text=True)
    assert html.count('<th scope="row"><a href="/clinic/patients/') == 25
    assert "PAGED-00001" in html and "PAGED-00026" not in html and "page 1 of 2" in html
    assert 'rel="next"' in html and "PAGED-00026" in second and "PAGED-00030" in second


def test_next_visit_order_runs_across_pages_without_gaps_or_repeats(app, make_user, make_patient, site):
    """Most urgent visit to do first (earliest window close), then patients with none by study id; pages 1
    and 2 together list every patient once, whichever way each page was built."""
    import re
    from datetime import date

    patients = [make_patient(anchor_days_ago=days, study_id=f"ORD-{n:02d}")
                for n, days in enumerate([5, 400, 90, 1000, 30, 200, 1200, 60, 10, 300] * 3)]
    today = date.today()

    def due(patient):
        open_ = [v.window_close for v in patient.visits if v.window_close >= today and v.submitted_at is None]
        return (0, min(open_), patient.id) if open_ else (1, None, patient.study_id)

    expected = [p.study_id for p in sorted(patients, key=due)]
    client = app.test_client()
    assert Auth(client).login(make_user("clinician", site)).status_code == 302
    shown = []
    for page in (1, 2):
        html = client.get(f"/clinic/patients?page={page}").get_data(as_text=True)
        shown += re.findall(r">(ORD-\d\d)<", html)

    assert shown == expected
    assert len(set(shown)) == 30
