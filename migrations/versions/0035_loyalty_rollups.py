"""Loyalty rollups: the programme's report and index read a few hundred rows instead of the
ledger and the summary rows. Points per month and entry kind, open points per expiry day,
members and points per tier, and tier moves per month, kept by triggers on loyalty_entry,
loyalty_account and loyalty_tier_history.

Revision ID: 0035_loyalty_rollups
Revises: 0034_loyalty_expiry
Create Date: 2026-12-02

The triggers count every write in the writing transaction, whichever path made it (the intake's
COPY, the jobs' set-based statements, seed-demo's replay, merges, erasure): on PostgreSQL once
per statement over its transition tables (an update adds its new rows and subtracts its old
ones, keys left unchanged dropped by HAVING), on SQLite (tests) once per row. The ledger has
no currency: points are one unit. The tables start empty; `flask --app wsgi dashboards
rebuild` fills them from the source tables.

A counter row is locked by the writing transaction until it commits, so writers of the same
month or tier queue there; each statement takes its rows in key order, so two statements of
one trigger cannot deadlock over them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_loyalty_rollups"
down_revision = "0034_loyalty_expiry"
branch_labels = None
depends_on = None

OPERATIONS = ("INSERT", "UPDATE", "DELETE")
# What each operation's rows add to the sums: +1 for a new row, -1 for an old one.
CHANGES = {
    "INSERT": "SELECT *, 1 AS sign FROM new_rows",
    "UPDATE": "SELECT *, 1 AS sign FROM new_rows UNION ALL SELECT *, -1 FROM old_rows",
    "DELETE": "SELECT *, -1 AS sign FROM old_rows",
}
REFERENCING = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
    "DELETE": "OLD TABLE AS old_rows",
}
# Per table: the statements adding a statement's `changes` (its rows, each with its sign).
POSTGRESQL = {
    "loyalty_entry": """
    INSERT INTO loyalty_points_monthly (month, kind, points)
    SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date, kind, sum(points * sign)
    FROM changes GROUP BY 1, 2 HAVING sum(points * sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (month, kind)
    DO UPDATE SET points = loyalty_points_monthly.points + excluded.points;
    INSERT INTO loyalty_expiry_daily (day, points)
    SELECT (expires_at AT TIME ZONE 'UTC')::date, sum(remaining * sign) FROM changes
    WHERE points > 0 AND expires_at IS NOT NULL
    GROUP BY 1 HAVING sum(remaining * sign) <> 0 ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET points = loyalty_expiry_daily.points + excluded.points;
    """,
    "loyalty_account": """
    INSERT INTO loyalty_tier_total (tier, members, balance, pending, debt)
    SELECT tier, sum(sign), sum(balance * sign), sum(pending * sign), sum(debt * sign)
    FROM changes GROUP BY tier
    HAVING sum(sign) <> 0 OR sum(balance * sign) <> 0 OR sum(pending * sign) <> 0
    OR sum(debt * sign) <> 0 ORDER BY tier
    ON CONFLICT (tier) DO UPDATE SET members = loyalty_tier_total.members + excluded.members,
    balance = loyalty_tier_total.balance + excluded.balance,
    pending = loyalty_tier_total.pending + excluded.pending,
    debt = loyalty_tier_total.debt + excluded.debt;
    """,
    "loyalty_tier_history": """
    INSERT INTO loyalty_tier_moves_monthly (month, tier, members)
    SELECT month, tier, sum(change) FROM (
        SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date AS month, to_tier AS tier,
        sign AS change FROM changes
        UNION ALL
        SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date, from_tier, -sign
        FROM changes WHERE from_tier IS NOT NULL
    ) AS moves
    GROUP BY 1, 2 HAVING sum(change) <> 0 ORDER BY 1, 2
    ON CONFLICT (month, tier)
    DO UPDATE SET members = loyalty_tier_moves_monthly.members + excluded.members;
    """,
}
# Per table: the statements adding one row (ROW: NEW or OLD) times SIGN.
SQLITE = {
    "loyalty_entry": """
    INSERT INTO loyalty_points_monthly (month, kind, points)
    SELECT date(ROW.at, 'start of month'), ROW.kind, SIGN * ROW.points
    WHERE ROW.points <> 0
    ON CONFLICT (month, kind) DO UPDATE SET points = points + excluded.points;
    INSERT INTO loyalty_expiry_daily (day, points)
    SELECT date(ROW.expires_at), SIGN * ROW.remaining
    WHERE ROW.points > 0 AND ROW.expires_at IS NOT NULL AND ROW.remaining <> 0
    ON CONFLICT (day) DO UPDATE SET points = points + excluded.points;
    """,
    "loyalty_account": """
    INSERT INTO loyalty_tier_total (tier, members, balance, pending, debt)
    SELECT ROW.tier, SIGN, SIGN * ROW.balance, SIGN * ROW.pending,
    SIGN * ROW.debt WHERE true
    ON CONFLICT (tier) DO UPDATE SET members = members + excluded.members,
    balance = balance + excluded.balance, pending = pending + excluded.pending,
    debt = debt + excluded.debt;
    """,
    "loyalty_tier_history": """
    INSERT INTO loyalty_tier_moves_monthly (month, tier, members)
    SELECT date(ROW.at, 'start of month'), ROW.to_tier, SIGN WHERE true
    ON CONFLICT (month, tier) DO UPDATE SET members = members + excluded.members;
    INSERT INTO loyalty_tier_moves_monthly (month, tier, members)
    SELECT date(ROW.at, 'start of month'), ROW.from_tier, -SIGN
    WHERE ROW.from_tier IS NOT NULL
    ON CONFLICT (month, tier) DO UPDATE SET members = members + excluded.members;
    """,
}
# The rows an operation's row trigger adds (+1) and subtracts (-1).
SQLITE_ROWS = {
    "INSERT": (("NEW", "(1)"),),
    "UPDATE": (("OLD", "(-1)"), ("NEW", "(1)")),
    "DELETE": (("OLD", "(-1)"),),
}


def _name(table: str, operation: str) -> str:
    return f"{table}_rollup_{operation.lower()}"


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def _tier(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=20), nullable=False)


def upgrade():
    op.create_table(
        "loyalty_points_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        *_counts("points"),
        sa.PrimaryKeyConstraint("month", "kind", name=op.f("pk_loyalty_points_monthly")),
    )
    op.create_table(
        "loyalty_expiry_daily",
        sa.Column("day", sa.Date(), nullable=False),
        *_counts("points"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_loyalty_expiry_daily")),
    )
    op.create_table(
        "loyalty_tier_total",
        _tier("tier"),
        *_counts("members", "balance", "pending", "debt"),
        sa.PrimaryKeyConstraint("tier", name=op.f("pk_loyalty_tier_total")),
    )
    op.create_table(
        "loyalty_tier_moves_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        _tier("tier"),
        *_counts("members"),
        sa.PrimaryKeyConstraint("month", "tier", name=op.f("pk_loyalty_tier_moves_monthly")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in POSTGRESQL:
        for operation in OPERATIONS:
            name = _name(table, operation)
            if postgresql:
                op.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                    f"BEGIN\n{_with_changes(POSTGRESQL[table], operation)}\n"
                    "RETURN NULL;\nEND\n$$"
                )
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {operation} ON {table}"
                    f" REFERENCING {REFERENCING[operation]}"
                    f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
            else:
                body = "".join(
                    SQLITE[table].replace("ROW", row).replace("SIGN", sign)
                    for row, sign in SQLITE_ROWS[operation]
                )
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {operation} ON {table}"
                    f" FOR EACH ROW BEGIN {body} END"
                )


def _with_changes(statements: str, operation: str) -> str:
    """Each statement reading `changes`, the operation's rows with their signs."""
    return "".join(
        f"WITH changes AS ({CHANGES[operation]}) {statement.strip()};\n"
        for statement in statements.split(";")
        if statement.strip()
    )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in POSTGRESQL:
        for operation in OPERATIONS:
            name = _name(table, operation)
            if postgresql:
                op.execute(f"DROP TRIGGER {name} ON {table}")
                op.execute(f"DROP FUNCTION {name}()")
            else:
                op.execute(f"DROP TRIGGER {name}")
    for table in (
        "loyalty_tier_moves_monthly",
        "loyalty_tier_total",
        "loyalty_expiry_daily",
        "loyalty_points_monthly",
    ):
        op.drop_table(table)
