"""Route tags: what each view does with PHI, and whether it may run in a read-only transaction.

Every endpoint carries a tag (a test walks `app.url_map` and fails on an untagged route):
- `phi_read`   staff or API reads patient data: exactly one audit row per request;
- `phi_write`  changes patient data: one audit row per request (with old and new values);
- `patient`    a patient's own survey pages (their own draft answers; saves are audited as writes);
- `no_phi`     no patient data at all (login page, health check, static files).
`readonly` views run in a deferred SQLite transaction so readers never queue behind writers.
"""
PHI_READ, PHI_WRITE, PATIENT, NO_PHI = "phi_read", "phi_write", "patient", "no_phi"
TAGS = (PHI_READ, PHI_WRITE, PATIENT, NO_PHI)


def tag(kind: str, readonly: bool = False):
    if kind not in TAGS:
        raise ValueError(kind)

    def decorate(view):
        view.phi = kind
        view.readonly = readonly
        return view

    return decorate


def phi_read(view):
    return tag(PHI_READ)(view)


def phi_write(view):
    return tag(PHI_WRITE)(view)


def no_phi(view):
    return tag(NO_PHI, readonly=True)(view)


def view_tag(app, endpoint: str) -> str | None:
    if endpoint == "static" or endpoint.endswith(".static"):
        return NO_PHI
    return getattr(app.view_functions.get(endpoint), "phi", None)
