"""Hypothesis-driven fuzzing of every POST route (SECURITY.md G-ERR-1, §6.3): no input gives a 5xx.

For each POST route in url_map, as an actor allowed to use it, forms are generated from the field names the
route's own GET page renders (plus stray fields such as `patient_id` or `status`, which must change nothing
they should not) and filled with hostile values: empty, huge, negative, non-numeric, unicode, markup.
"""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.routes import sample_url
from tests.test_access_matrix import ACCESS, NOBODY, _client_for, world  # noqa: F401  (fixture)

NASTY = st.one_of(
    st.just(""), st.just("0"), st.just("-1"), st.just("4"), st.just("101"), st.just("3.5"), st.just("1e309"),
    st.just("NaN"), st.just("9" * 40), st.just("<script>alert(1)</script>"), st.just("{{7*7}}"),
    st.just("' OR 1=1 --"), st.just("a\r\nBcc: x@evil.example"), st.just("\u202e\u200b"), st.just("x" * 5000),
    st.text(max_size=30),
)
STRAY = ("patient_id", "visit_id", "status", "score", "submitted_at", "site_id", "role", "version")


def _field_names(client, url):
    page = client.get(url)
    page.close()
    if page.status_code != 200 or page.mimetype != "text/html":
        return []
    html = page.get_data(as_text=True)
    return sorted(set(re.findall(r'name="([^"]+)"', html)) - {"csrf_token"})


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in ("auth.logout", "static"):
            yield rule


def test_no_post_route_gives_a_server_error(app, world):  # noqa: F811
    clients = {}
    for rule in _post_routes(app):
        actor = next((a for a in ("clinician_a", "coordinator_a", "admin", "patient_a1", "anonymous")
                      if a in ACCESS.get(rule.endpoint, NOBODY)), None)
        if actor is None:
            continue
        if actor not in clients:
            clients[actor] = _client_for(app, world, actor)
        client = clients[actor]
        if client is None:
            continue
        url = sample_url(app, rule, **world["values"])
        names = _field_names(client, url) if "GET" in rule.methods else []
        keys = st.sampled_from(names + list(STRAY)) if names else st.sampled_from(STRAY)

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(st.dictionaries(keys, NASTY, max_size=12))
        def fuzz(form):
            response = client.post(url, data=form)
            response.close()
            assert response.status_code < 500, (rule.endpoint, form, response.status_code)

        fuzz()


@pytest.mark.parametrize("path", ["/login", "/admin/users"])
def test_oversized_forms_get_413_and_change_nothing(app, world, path):  # noqa: F811
    client = _client_for(app, world, "admin")

    response = client.post(path, data={"name": "x" * (2 * 1024 * 1024)})

    assert response.status_code == 413
