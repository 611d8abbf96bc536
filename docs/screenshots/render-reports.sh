#!/bin/sh
# Re-make the report screenshots in this folder from fresh demo data: ./docs/screenshots/render-reports.sh
# (run from the repository root; needs the venv and poppler-utils). Dates follow today's date.
set -eu
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRO_SQLALCHEMY_DATABASE_URI="sqlite:///$work/demo.sqlite3" PRO_SECRET_KEY=screenshots PRO_REQUIRE_DURABLE_DB=false
flask() { "$PY" -m flask --app wsgi "$@"; }
flask db upgrade >/dev/null 2>&1
flask demo --password screenshots-only >/dev/null
for pair in DEMO-001:improved DEMO-002:not-computable DEMO-003:step1; do
  flask report "${pair%%:*}" -o "$work/${pair#*:}.pdf" >/dev/null
  pdftoppm -png -r 80 -singlefile "$work/${pair#*:}.pdf" "docs/screenshots/report-${pair#*:}"
done
# A script file with a main guard, not stdin: the PDF render process imports the main module (the usual
# multiprocessing rule), so its top level must do nothing but imports.
cat > "$work/sheet.py" <<'PYTHON'
import sys
from sqlalchemy import select
from pro_app import create_app
from pro_app.extensions import db
from pro_app.models import Patient, Visit
from pro_app.reports.service import response_sheet

if __name__ == "__main__":
    with create_app().app_context():
        visit = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == "DEMO-001",
                                                                     Visit.code == "m12"))
        open(sys.argv[1], "wb").write(response_sheet(visit).pdf)
PYTHON
PYTHONPATH=. "$PY" "$work/sheet.py" "$work/sheet.pdf"
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/sheet.pdf" docs/screenshots/report-response-sheet
ls -l docs/screenshots/report-*.png
