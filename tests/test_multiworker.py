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
