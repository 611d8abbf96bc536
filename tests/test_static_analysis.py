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
