"""Pre-release helper for regenerate.sh: add the append-only audit triggers to the initial migration."""
import sys, re
p = sys.argv[1]
s = open(p).read()
block = '''
    # Audit rows are append-only for every database user, the app's own included (SECURITY.md G-AUD-2).
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
'''
s = s.replace("    # ### end Alembic commands ###\n\n\ndef downgrade", "    # ### end Alembic commands ###\n" + block + "\n\ndef downgrade", 1)
const = '''
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    ],
}
'''
s = s.replace("depends_on = None\n", "depends_on = None\n" + const, 1)
open(p, "w").write(s)
