"""Promises that only hold if they hold across processes: tested through gunicorn with 3 workers."""
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import AuditEvent
from tests.conftest import PASSWORD
from tests.server import Gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app, database_uri):
    db.session.commit()
    with Gunicorn(database_uri, workers=3) as running:
        yield running


def _post_login(base, email, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    try:
        with opener.open(urllib.request.Request(f"{base}/login", data=data), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_lockout_holds_across_workers(server, make_user):
    email = make_user().email

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda i: _post_login(server.url, email, f"wrong {i}"), range(20)))

    db.session.commit()
    checked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert len(checked) <= 5, "more than 5 attempts reached the password check"
    assert statuses.count(429) >= 15 and set(statuses) <= {400, 429}
    assert _post_login(server.url, email, PASSWORD) == 429  # still locked, even with the right password


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_bad_survey_links_are_rate_limited_across_workers(server, make_patient):
    """G-TOKEN-3 as deployed: the failure count lives in the database, so 3 workers share one limit."""
    from tests.survey_support import make_link

    good = make_link(make_patient().visits[0])
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda i: _status(f"{server.url}/s/{'bad%02d' % i}{'x' * 30}"), range(30)))

    assert statuses.count(404) <= 10 and statuses.count(429) >= 20 and set(statuses) <= {404, 429}, statuses
    assert _status(f"{server.url}/s/{good.token}") == 429  # this client is blocked, even with a good link


def test_no_survey_token_reaches_the_gunicorn_access_log(app, database_uri, make_patient, tmp_path):
    """G-TOKEN-4 with gunicorn's own access log on, as README's production command runs it."""
    from tests.survey_support import make_link

    good = make_link(make_patient().visits[0])
    log = tmp_path / "access.log"
    db.session.commit()
    with Gunicorn(database_uri, workers=2, extra_env={
        "GUNICORN_CMD_ARGS": f"--access-logfile {log} --access-logformat "
                             "'%(h)s \"%(r)s\" %(s)s \"%(f)s\" \"%(a)s\" %(U)s %(q)s'"}) as running:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(f"{running.url}/s/{good.token}", timeout=30) as response:
            assert response.status == 200 and response.url.endswith("/s/start")
        assert _status(f"{running.url}/s/{'z' * 43}") == 404
    text = log.read_text()

    assert good.token not in text and "z" * 43 not in text
    assert text.count("/s/[token]") >= 4  # the request line and the path of both requests, redacted


def test_twenty_concurrent_sends_through_gunicorn_store_one_submission(server, make_patient):
    """G-DATA-3 as deployed (3 worker processes, one database): 20 identical POSTs of "Send" at once give one
    submission and one "submit" audit row; every reply is a redirect to the confirmation."""
    from pro_app.models import Visit
    from tests.survey_support import VISIT_FORMS, make_link

    link = make_link(make_patient().visits[0])
    jar = http.cookiejar.CookieJar()
    no_redirect = type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                       {"redirect_request": lambda *args, **kwargs: None})
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), no_redirect)

    def post(path, form):
        data = urllib.parse.urlencode({"csrf_token": csrf, **form}).encode()
        try:
            with opener.open(urllib.request.Request(f"{server.url}{path}", data=data), timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert _status_with(opener, f"{server.url}/s/{link.token}") == 302
    with opener.open(f"{server.url}/s/pt_global/1", timeout=30) as page:
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    for key, form in VISIT_FORMS.items():
        assert post(f"/s/{key}", form) == 302, key

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: post("/s/send", {}), range(20)))

    assert set(statuses) <= {302, 409} and statuses.count(302) >= 1, statuses
    db.session.commit()
    assert db.session.get(Visit, link.visit.id).submitted_at is not None
    submits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submit",
                                                         AuditEvent.entity_id == str(link.visit.id))).all()
    assert len(submits) == 1


def _status_with(opener, url):
    try:
        with opener.open(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
