"""The security baseline on every route, taken from app.url_map (SECURITY.md G-CSRF-1/2, G-SESS-3, G-LINK-1)."""
import re
import pytest

from tests.routes import CSRF_EXEMPT, rules, sample_url
from tests.survey_support import open_link, survey  # noqa: F401  (fixture)

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response):
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize("role", [None, "clinician", "coordinator", "admin"])
def test_every_get_route_sends_the_security_headers(app, client, login_as, role):
    if role:
        login_as(role)
    for rule in rules(app, "GET"):
        response = client.get(sample_url(app, rule))
        response.close()
        assert_security_headers(response)
        if rule.endpoint != "main.favicon":
            assert response.headers["Cache-Control"] == "no-store", rule.endpoint


def test_static_files_are_cacheable_when_versioned(client):
    response = client.get("/static/css/app.css?v=abc")
    response.close()

    assert_security_headers(response)
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_error_pages_carry_the_headers_too(client):
    assert_security_headers(client.get("/no-such-page"))
    assert_security_headers(client.post("/healthz"))


@pytest.mark.parametrize("role", [None, "clinician", "coordinator", "admin"])
def test_every_post_route_refuses_a_missing_csrf_token(make_app, make_user, role):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    if role:
        _login_with_csrf(client, make_user(role))
    for rule in rules(app, "POST"):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        response = client.post(sample_url(app, rule), data={"anything": "1"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)


def test_a_token_from_another_session_is_refused(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user("admin")
    alice, mallory = app.test_client(), app.test_client()
    _login_with_csrf(alice, user)
    stolen = _csrf_token(mallory, "/login")

    response = alice.post("/admin/users", data={"csrf_token": stolen, "name": "x"})

    assert response.status_code == 400


def test_no_state_change_by_get(app):
    """Every endpoint that accepts POST refuses GET (405) unless it also renders a page for GET."""
    for rule in rules(app, "POST"):
        if "GET" in rule.methods:
            continue
        response = app.test_client().get(sample_url(app, rule))
        assert response.status_code == 405, rule.endpoint


def test_an_untrusted_host_header_is_refused(client):
    response = client.get("/login", headers={"Host": "attacker.example"})

    assert response.status_code == 400


def test_oversized_bodies_get_413(client):
    response = client.post("/login", data={"email": "x" * (1024 * 1024 + 10), "password": "y"})

    assert response.status_code == 413


def test_secure_cookie_settings_in_production_shape(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME=None, BASE_URL="https://localhost")
    user = make_user()
    client = app.test_client()

    response = client.post("/login", data={"email": user.email, "password": "correct horse battery staple"},
                           base_url="https://localhost")

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-sscore=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_every_response_has_a_request_id(client):
    first, second = client.get("/login"), client.get("/login")

    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def _csrf_token(client, path):
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _login_with_csrf(client, user):
    token = _csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": user.email,
                                           "password": "correct horse battery staple"})
    assert response.status_code == 302, response.data


def test_pages_and_assets_are_compressed_for_clients_that_accept_it(client, survey):
    """Issue 10: gunicorn does not compress, so the app does (brotli or gzip); the page budget is on the wire."""
    import brotli
    import gzip as gzip_module

    open_link(client, survey)
    page = client.get("/s/start", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"</html>" in gzip_module.decompress(page.data)
    css_url = re.search(r'href="(/static/css/app\.css\?v=\w+)"', gzip_module.decompress(page.data).decode()).group(1)
    with client.get(css_url, headers={"Accept-Encoding": "br, gzip"}) as css:
        assert css.headers["Content-Encoding"] == "br" and b"{" in brotli.decompress(css.data)
    plain = client.get("/s/start")
    assert "Content-Encoding" not in plain.headers and b"</html>" in plain.data
