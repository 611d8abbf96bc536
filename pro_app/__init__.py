"""SScore PRO: patient-reported outcomes for systemic sclerosis clinics and trials.

The web stack is imported inside `create_app`, so that the pure packages (`python -m pro_app.scoring`,
`pro_app.instruments`) load in a fraction of a second without Flask, SQLAlchemy or WeasyPrint.
"""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None, instance_path=None):
    """`instance_path`: where `config.py` and the default SQLite file live (default: `instance/` at the top)."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import (admin, api, auth, clinic, cli, coordinator, errors, i18n, logs, main, reports, security, surveys,
                   templating)
    from . import db as database  # noqa: F401  (registers the SQLite connection events)
    from .extensions import babel, compress, csrf, db, login_manager, migrate

    app = Flask(__name__, template_folder=PROJECT_ROOT / "templates", instance_relative_config=True,
                instance_path=str(instance_path) if instance_path else str(PROJECT_ROOT / "instance"))
    app.config.from_object("pro_app.config.Defaults")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("PRO")
    else:
        app.config.update(test_config)
    _derive_settings(app)

    db.init_app(app)
    if app.config["REQUIRE_DURABLE_DB"] and not app.testing:
        database.require_durable(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    compress.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)

    from .messaging import webhook

    for blueprint in (main.bp, auth.bp, clinic.bp, coordinator.bp, admin.bp, surveys.bp, api.bp, reports.bp,
                      webhook.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)

    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    return app


def _derive_settings(app) -> None:
    """Settings that follow from others; no I/O here."""
    from . import security

    config = app.config
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'sscore.sqlite3'}"
    if not config.get("FHIR_BASE_URL"):
        config["FHIR_BASE_URL"] = config["BASE_URL"].rstrip("/") + "/fhir"
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = security.trusted_hosts_from(config["BASE_URL"])
    if not config.get("SESSION_COOKIE_NAME"):
        config["SESSION_COOKIE_NAME"] = "__Host-sscore" if config["SESSION_COOKIE_SECURE"] else "sscore"
    if config["SECRET_KEY"] in (None, "", "change-me") and not (app.debug or app.testing):
        raise RuntimeError("Set PRO_SECRET_KEY (or SECRET_KEY in instance/config.py) to a long random value.")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 5)
