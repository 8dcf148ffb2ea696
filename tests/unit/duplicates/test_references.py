"""Every column that names a customer is handled by a merge: moved to the survivor, or listed
with the reason it stays. The database's own schema is reflected, so a table a migration adds
without telling the merge fails here."""

import sqlalchemy as sa

from portal.duplicates import relocation
from portal.extensions import db


def test_every_column_naming_a_customer_is_moved_or_left_for_a_reason():
    schema = sa.MetaData()
    schema.reflect(db.engine)
    in_database = {
        f"{table.name}.{column.name}"
        for table in schema.sorted_tables
        for column in table.columns
        if relocation.names_customer(column)
    }
    moved = {ref.name for ref in relocation.references()}
    assert in_database <= moved | set(relocation.NOT_MOVED)
    assert set(relocation.NOT_MOVED) <= set(relocation.customer_columns())
    assert not moved & set(relocation.NOT_MOVED)
    # the tables the issue names are among them
    for table in ("customer_order", "customer_metrics", "interaction", "customer_address"):
        assert f"{table}.customer_id" in moved
    for table in ("consent_record", "dsar_request", "segment_history", "org_node"):
        assert f"{table}.customer_id" in moved
