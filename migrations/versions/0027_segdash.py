"""Segmentation and data-quality dashboards: how long customers stay in a segment before moving
(kept by a second trigger on segment_history), the nightly snapshots of segment performance,
segment lift and completeness per type and segment, and the address checks per day, country and
outcome.

Revision ID: 0027_segdash
Revises: 0024_operations
Create Date: 2026-12-02

The stay of a move is the time since the customer's previous move (the one into the segment it
leaves), found through ix_segment_history_customer_at: on PostgreSQL once per statement over its
transition table, on SQLite (tests) once per row. `flask --app wsgi dashboards rebuild` fills
segment_stay_days from the history and takes today's snapshots.
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_segdash"
down_revision = "0026_validation"
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
PERFORMANCE = (
    "members",
    "buyers",
    "orders",
    "revenue_minor",
    "churn_low",
    "churn_medium",
    "churn_high",
    "unscored",
)

POSTGRESQL_FUNCTION = """
CREATE FUNCTION segment_history_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO segment_stay_days (segment_id, days, moves)
    SELECT n.from_segment_id, floor(extract(epoch FROM n.at - entered.at) / 86400)::int, count(*)
    FROM new_rows AS n
    CROSS JOIN LATERAL (
        SELECT p.at FROM segment_history AS p
        WHERE p.customer_id = n.customer_id AND p.at <= n.at AND (p.at, p.id) < (n.at, n.id)
        AND p.from_segment_id IS DISTINCT FROM p.to_segment_id
        ORDER BY p.at DESC, p.id DESC LIMIT 1
    ) AS entered
    WHERE n.from_segment_id IS NOT NULL AND n.from_segment_id IS DISTINCT FROM n.to_segment_id
    GROUP BY 1, 2
    ON CONFLICT (segment_id, days) DO UPDATE SET moves = segment_stay_days.moves + excluded.moves;
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER segment_history_stays AFTER INSERT ON segment_history
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION segment_history_stays()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER segment_history_stays AFTER INSERT ON segment_history
WHEN NEW.from_segment_id IS NOT NULL AND NEW.from_segment_id IS NOT NEW.to_segment_id
BEGIN
    INSERT INTO segment_stay_days (segment_id, days, moves)
    SELECT NEW.from_segment_id, CAST(julianday(NEW.at) - julianday(p.at) AS INTEGER), 1
    FROM segment_history AS p
    WHERE p.customer_id = NEW.customer_id AND p.from_segment_id IS NOT p.to_segment_id
    AND (p.at < NEW.at OR (p.at = NEW.at AND p.id < NEW.id))
    ORDER BY p.at DESC, p.id DESC LIMIT 1
    ON CONFLICT (segment_id, days) DO UPDATE SET moves = moves + 1;
END;
"""


def _counts(names) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def upgrade():
    op.create_table(
        "segment_stay_days",
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("moves", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "days", name=op.f("pk_segment_stay_days")),
    )
    op.create_table(
        "segment_performance_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        *_counts(PERFORMANCE),
        sa.PrimaryKeyConstraint("day", "segment_id", name=op.f("pk_segment_performance_daily")),
    )
    op.create_table(
        "segment_lift",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        *_counts(("members", "buyers", "revenue_minor")),
        sa.PrimaryKeyConstraint("day", "segment_id", name=op.f("pk_segment_lift")),
    )
    kind = sa.Enum(*CUSTOMER_TYPES, name="customertype", native_enum=False, length=40)
    op.create_table(
        "customer_completeness_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("customer_type", kind, nullable=False),
        sa.Column("segment_id", sa.String(length=36), nullable=False),
        *_counts(("customers", *COMPLETENESS)),
        sa.PrimaryKeyConstraint(
            "day", "customer_type", "segment_id", name=op.f("pk_customer_completeness_daily")
        ),
    )
    op.create_table(
        "address_verification_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "country", "outcome", name=op.f("pk_address_verification_daily")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER segment_history_stays ON segment_history")
        op.execute("DROP FUNCTION segment_history_stays()")
    else:
        op.execute("DROP TRIGGER segment_history_stays")
    for table in (
        "address_verification_daily",
        "customer_completeness_daily",
        "segment_lift",
        "segment_performance_daily",
        "segment_stay_days",
    ):
        op.drop_table(table)
