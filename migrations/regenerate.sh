#!/usr/bin/env bash
# Pre-release only: rebuild the single initial migration from the models (nothing is deployed yet).
# Once a release is out, add new revisions with `flask db migrate` instead and never edit old ones.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
export PRO_SECRET_KEY=regenerate PRO_SESSION_COOKIE_SECURE=false PRO_SQLALCHEMY_DATABASE_URI="sqlite:///$tmp/gen.sqlite3"
rm -f migrations/versions/*.py
.venv/bin/flask --app wsgi db migrate -m "create tables" >/dev/null 2>&1
.venv/bin/python migrations/append_only_patch.py migrations/versions/*.py
.venv/bin/flask --app wsgi db upgrade >/dev/null 2>&1
.venv/bin/flask --app wsgi db check 2>&1 | tail -1
rm -rf "$tmp"
