"""Dashboard rollups: segment moves per day and sizes (kept by a trigger on segment_history),
the nightly snapshots of sizes; a row per customer of what it adds to the completeness per
customer type and the registrations per day, type and country, and those sums.

Revision ID: 0023_dashboards
Revises: 0022_insights
Create Date: 2026-12-02

The trigger counts every insert into segment_history in the inserting transaction, whichever
path wrote it (the engine's set-based runs, overrides, their expiry): on PostgreSQL once per
statement over its transition table, on SQLite (tests) once per row. The tables start empty;
`flask --app wsgi dashboards rebuild` fills them from the source tables.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_dashboards"
down_revision = "0022_insights"
branch_labels = None
depends_on = None

CUSTOMER_TYPES = (
    "DIASPORA_COMMUNITY",
    "TOURIST",
    "EXPAT",
    "INDIGENOUS_FOODIE",
    "FOOD_TRUCK",
    "PRIVATE_CHEF",
    "SPECIALTY_MARKET",
    "LIMITED_SERVICE_RESTAURANT",
    "FULL_SERVICE_RESTAURANT",
    "HOTEL_RESTAURANT",
)
COMPLETENESS = (
    "email",
    "phone",
    "alternative_email",
    "alternative_phone",
    "preferred_contact_time",
    "address",
    "verified_address",
    "unverified_addresses",
)

POSTGRESQL_FUNCTION = """
CREATE FUNCTION segment_history_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO segment_moves_daily (day, from_segment_id, to_segment_id, moves)
    SELECT (at AT TIME ZONE 'UTC')::date, coalesce(from_segment_id, ''), to_segment_id, count(*)
    FROM new_rows WHERE from_segment_id IS DISTINCT FROM to_segment_id
    GROUP BY 1, 2, 3
    ON CONFLICT (day, from_segment_id, to_segment_id)
    DO UPDATE SET moves = segment_moves_daily.moves + excluded.moves;
    INSERT INTO segment_size (segment_id, members)
    SELECT segment_id, sum(change) FROM (
        SELECT to_segment_id AS segment_id, 1 AS change FROM new_rows
        WHERE from_segment_id IS DISTINCT FROM to_segment_id
        UNION ALL
        SELECT from_segment_id, -1 FROM new_rows
        WHERE from_segment_id IS NOT NULL AND from_segment_id IS DISTINCT FROM to_segment_id
    ) AS changes
    GROUP BY segment_id
    ON CONFLICT (segment_id) DO UPDATE SET members = segment_size.members + excluded.members;
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER segment_history_rollup AFTER INSERT ON segment_history
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION segment_history_rollup()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER segment_history_rollup AFTER INSERT ON segment_history
WHEN NEW.from_segment_id IS NOT NEW.to_segment_id
BEGIN
    INSERT INTO segment_moves_daily (day, from_segment_id, to_segment_id, moves)
    VALUES (date(NEW.at), coalesce(NEW.from_segment_id, ''), NEW.to_segment_id, 1)
    ON CONFLICT (day, from_segment_id, to_segment_id) DO UPDATE SET moves = moves + 1;
    INSERT INTO segment_size (segment_id, members) VALUES (NEW.to_segment_id, 1)
    ON CONFLICT (segment_id) DO UPDATE SET members = members + 1;
    INSERT INTO segment_size (segment_id, members)
    SELECT NEW.from_segment_id, -1 WHERE NEW.from_segment_id IS NOT NULL
    ON CONFLICT (segment_id) DO UPDATE SET members = members - 1;
END;
"""


def _customer_type(**kwargs) -> sa.Column:
    kind = sa.Enum(*CUSTOMER_TYPES, name="customertype", native_enum=False, length=40)
    return sa.Column("customer_type", kind, nullable=False, **kwargs)


def upgrade():
    op.create_table(
        "segment_moves_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("from_segment_id", sa.String(length=36), nullable=False),
        sa.Column("to_segment_id", sa.String(length=36), nullable=False),
        sa.Column("moves", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "from_segment_id", "to_segment_id", name=op.f("pk_segment_moves_daily")
        ),
    )
    op.create_table(
        "segment_size",
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("members", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", name=op.f("pk_segment_size")),
    )
    op.create_table(
        "segment_size_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("members", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "segment_id", name=op.f("pk_segment_size_daily")),
    )
    op.create_table(
        "customer_fact",
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        _customer_type(),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COMPLETENESS],
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_fact")),
    )
    op.create_table(
        "customer_completeness_by_type",
        _customer_type(),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in COMPLETENESS],
        sa.PrimaryKeyConstraint("customer_type", name=op.f("pk_customer_completeness_by_type")),
    )
    op.create_table(
        "customer_registrations_daily",
        sa.Column("day", sa.Date(), nullable=False),
        _customer_type(),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "customer_type", "country", name=op.f("pk_customer_registrations_daily")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER segment_history_rollup ON segment_history")
        op.execute("DROP FUNCTION segment_history_rollup()")
    else:
        op.execute("DROP TRIGGER segment_history_rollup")
    for table in (
        "customer_registrations_daily",
        "customer_completeness_by_type",
        "customer_fact",
        "segment_size_daily",
        "segment_size",
        "segment_moves_daily",
    ):
        op.drop_table(table)
