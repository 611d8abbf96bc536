"""Every route says what it does with PHI (SECURITY.md G-AUD-1): an untagged new route fails here."""
from pro_app.policy import TAGS, view_tag


def test_every_endpoint_is_tagged(app):
    untagged = sorted({rule.endpoint for rule in app.url_map.iter_rules() if view_tag(app, rule.endpoint) not in TAGS})

    assert not untagged, f"tag these views in pro_app/policy.py terms: {untagged}"
