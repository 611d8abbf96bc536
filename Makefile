# Two commands on a fresh machine: `make run` (install, migrate, demo data, serve) and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
STAMP   := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: run serve install test test-fast bench translations extract-messages clean

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: install
	$(FLASK) run --host $(HOST) --port $(PORT)

install: $(STAMP) instance/config.py translations

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Local development settings: a random secret, plain-http cookies, localhost as a trusted host.
instance/config.py:
	mkdir -p instance
	$(PY) -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}\nSESSION_COOKIE_SECURE = False\nBASE_URL = \"http://$(HOST):$(PORT)\"\nTRUSTED_HOSTS = [\"$(HOST)\", \"localhost\"]\nMESSAGE_CHANNEL_EMAIL = \"console\"\nMESSAGE_CHANNEL_SMS = \"console\"')" > $@
	@echo "Wrote $@ (development settings)"

translations:
	$(VENV)/bin/pybabel compile -d pro_app/translations -f

extract-messages:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o pro_app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i pro_app/translations/messages.pot -d pro_app/translations --no-fuzzy-matching

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules

test: install node_modules
	$(PY) -m pytest -n 2 -q

test-fast: install
	$(PY) -m pytest -q -m "not browser and not slow"

bench: install node_modules
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules instance/sscore.sqlite3*
