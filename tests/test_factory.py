import pytest

from pro_app import create_app


def test_config_comes_from_the_test_mapping(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_production_refuses_the_placeholder_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("PRO_SECRET_KEY", raising=False)
    monkeypatch.setenv("PRO_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(RuntimeError, match="PRO_SECRET_KEY"):
        create_app(instance_path=tmp_path)  # not the developer's instance/config.py


def test_environment_variables_override_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("PRO_SECRET_KEY", "from-env")
    monkeypatch.setenv("PRO_BASE_URL", "https://pro.example.org")
    monkeypatch.setenv("PRO_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("PRO_STAFF_IDLE_TIMEOUT", "600")
    monkeypatch.setenv("PRO_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'x.sqlite3'}")

    app = create_app(instance_path=tmp_path)

    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["STAFF_IDLE_TIMEOUT"] == 600
    assert app.config["TRUSTED_HOSTS"] == ["pro.example.org"]
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-sscore"
    assert app.debug is False and app.testing is False  # G-ERR-1: no debugger, no tracebacks in production


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("PRO_SECRET_KEY", "x")
    monkeypatch.delenv("PRO_SQLALCHEMY_DATABASE_URI", raising=False)

    app = create_app(instance_path=tmp_path)

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/sscore.sqlite3"
    assert (tmp_path / "sscore.sqlite3").exists()  # the start-up durability check opened it (WAL, FULL)


def test_the_app_refuses_to_start_on_a_database_that_could_lose_answers(monkeypatch, tmp_path):
    """G-DATA-5: production settings check durability at start-up, not only in `flask check-db`."""
    from pro_app import db as database

    monkeypatch.setenv("PRO_SECRET_KEY", "x")
    monkeypatch.setenv("PRO_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setattr(database, "durability_problems", lambda engine: ["PostgreSQL fsync is off, expected on"])
    with pytest.raises(RuntimeError, match="Refusing to start: PostgreSQL fsync is off"):
        create_app(instance_path=tmp_path)

    monkeypatch.setenv("PRO_REQUIRE_DURABLE_DB", "false")
    assert create_app(instance_path=tmp_path).config["REQUIRE_DURABLE_DB"] is False


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_front_door_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.location.endswith("/login")
