"""Helpers that enumerate the app's routes from `app.url_map`, so a new route is covered automatically."""
from werkzeug.routing import Rule

# Routes allowed to accept POST without a CSRF token, with the reason. Anything else must refuse.
CSRF_EXEMPT = {
    "messaging.inbound_sms": "SMS provider webhook: authenticated by an HMAC signature (X-Twilio-Signature) "
                             "keyed with a shared secret; no browser session",
}
SAMPLE_VALUES = {"integer": 1, "unicode": "x", "path": "x", "any": "x", "uuid": "00000000-0000-4000-8000-000000000000"}


def sample_url(app, rule: Rule, **values) -> str:
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__.lower().replace("converter", "")
        args[name] = values.get(name, SAMPLE_VALUES.get(converter, "x"))
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def rules(app, method: str):
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods and rule.endpoint != "static"]
