"""On PostgreSQL the database itself refuses to edit or delete audit records, admins included.
Only the links that Django nulls when a user, region or organisation goes away may change."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION countyinno_audit_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION '审计日志不可删除 / audit records cannot be deleted';
  END IF;
  IF (to_jsonb(NEW) - 'actor_id' - 'region_id' - 'organisation_id')
     IS DISTINCT FROM (to_jsonb(OLD) - 'actor_id' - 'region_id' - 'organisation_id') THEN
    RAISE EXCEPTION '审计日志不可修改 / audit records cannot be edited';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS countyinno_audit_immutable ON core_auditlogentry;
CREATE TRIGGER countyinno_audit_immutable BEFORE UPDATE OR DELETE ON core_auditlogentry
  FOR EACH ROW EXECUTE FUNCTION countyinno_audit_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS countyinno_audit_immutable ON core_auditlogentry;
DROP FUNCTION IF EXISTS countyinno_audit_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
