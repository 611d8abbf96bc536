"""Migrations: one head, and `flask db upgrade` builds exactly what the models describe (STYLE rule 11)."""
import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect


def test_migrations_have_one_head(app):
    config = app.extensions["migrate"].migrate.get_config()

    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_database_matches_the_models(app):
    # The test database was built by `upgrade`; `check` fails on any drift between models and migrations.
    flask_migrate.check()


def test_every_model_table_exists_after_upgrade(app):
    from pro_app.extensions import db

    tables = set(inspect(db.engine).get_table_names())

    assert {t.name for t in db.metadata.sorted_tables} <= tables
