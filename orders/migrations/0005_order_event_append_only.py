"""The database refuses to change an order event, not only Django (orders.models.OrderEvent):
raw SQL, another client or a slip in a data fix cannot rewrite the history that mail and the ERP
read. PostgreSQL refuses UPDATE and DELETE; SQLite (the demo) refuses UPDATE, since Django's
test flush empties SQLite tables with DELETE (PostgreSQL's uses TRUNCATE, which the trigger
does not see). One change is let through: `actor_user` set to NULL with nothing else changed,
which is Django's SET_NULL when the user who acted is deleted (the event keeps their name in
`actor`)."""

from django.db import migrations

POSTGRESQL_FORWARD = """
CREATE FUNCTION orders_orderevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_user_id IS NULL
        AND (NEW.id, NEW.order_id, NEW.partner_order_id, NEW.type, NEW.data, NEW.actor, NEW.at)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.order_id, OLD.partner_order_id, OLD.type, OLD.data, OLD.actor, OLD.at)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Order events are never changed or deleted (orders_orderevent %)', OLD.id
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER orders_orderevent_append_only BEFORE UPDATE OR DELETE ON orders_orderevent
    FOR EACH ROW EXECUTE FUNCTION orders_orderevent_append_only();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER orders_orderevent_append_only ON orders_orderevent;
DROP FUNCTION orders_orderevent_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER orders_orderevent_append_only BEFORE UPDATE ON orders_orderevent
WHEN NOT (
    NEW.actor_user_id IS NULL AND NEW.id IS OLD.id AND NEW.order_id IS OLD.order_id
    AND NEW.partner_order_id IS OLD.partner_order_id AND NEW.type IS OLD.type
    AND NEW.data IS OLD.data AND NEW.actor IS OLD.actor AND NEW.at IS OLD.at
)
BEGIN
    SELECT RAISE(ABORT, 'Order events are never changed');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER orders_orderevent_append_only;"

SQL = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
}


def _run(schema_editor, direction: int) -> None:
    statements = SQL.get(schema_editor.connection.vendor)
    if statements is None:
        raise NotImplementedError(
            f"No append-only trigger for {schema_editor.connection.vendor}: add one here."
        )
    schema_editor.execute(statements[direction], params=None)


def forward(apps, schema_editor):
    _run(schema_editor, 0)


def backward(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_partner_order_their_reference_index")]

    operations = [migrations.RunPython(forward, backward)]
