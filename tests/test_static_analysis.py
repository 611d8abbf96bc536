"""Static checks (SECURITY.md G-SQL-1, G-DEP-1): bandit finds nothing at medium severity or above."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bandit_is_clean_at_medium_severity():
    bandit = Path(sys.executable).with_name("bandit")

    result = subprocess.run([str(bandit), "-q", "-r", "pro_app", "-ll", "-f", "txt"], cwd=ROOT,
                            capture_output=True, text=True)

    assert result.returncode == 0, result.stdout[-4000:]


def test_no_sql_is_built_from_strings():
    """No f-string or %-formatted text() / exec_driver_sql call anywhere in the app (bandit B608 misses some)."""
    offenders = []
    for path in (ROOT / "pro_app").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            stripped = line.strip()
            if ("text(f\"" in stripped or "text(f'" in stripped or "exec_driver_sql(f" in stripped
                    or ("text(" in stripped and "% (" in stripped)):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")

    assert not offenders, offenders


def test_secrets_come_only_from_the_secrets_module():
    """G-TOKEN-1: no token, session id or password is made with `random` or `uuid` (uuid4 is 122 bits at best and
    not meant as a secret). uuid is allowed only for request ids and the FHIR bundle's urn:uuid references."""
    allowed_uuid = {"pro_app/security.py": "g.request_id = uuid.uuid4().hex", "pro_app/exports/fhir.py": "uuid5"}
    offenders = []
    for path in (ROOT / "pro_app").rglob("*.py"):
        name = str(path.relative_to(ROOT))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if "import random" in code or "from random" in code or "random." in code:
                offenders.append(f"{name}:{number}: {line.strip()}")
            if "uuid." in code and not (name in allowed_uuid and (allowed_uuid[name] in code
                                                                   or "NAMESPACE" in code)):
                offenders.append(f"{name}:{number}: {line.strip()}")

    assert not offenders, offenders


def test_only_the_hash_of_a_survey_link_is_stored(make_patient):
    from sqlalchemy import text

    from pro_app.extensions import db
    from pro_app.security import digest
    from pro_app.surveys import links

    invitation, token = links.issue(make_patient().visits[0])
    db.session.commit()
    row = db.session.execute(text("SELECT * FROM invitation WHERE id = :id"), {"id": invitation.id}).one()

    assert len(token) >= 43 and digest(token) in row
    assert not any(token in str(value) for value in row)
