"""The segment notifications (moves from one segment to another, newest first, and how many
are unread) from a partial index of the moves, not a scan of the whole segment history.

Revision ID: 0019_perf_indexes
Revises: 0017_home
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_perf_indexes"
down_revision = "0017_home"
branch_labels = None
depends_on = None

MOVES = sa.text("from_segment_id IS NOT NULL AND from_segment_id != to_segment_id")


def upgrade():
    op.create_index(
        "ix_segment_history_moves",
        "segment_history",
        ["id"],
        postgresql_where=MOVES,
        sqlite_where=MOVES,
    )


def downgrade():
    op.drop_index("ix_segment_history_moves", table_name="segment_history")
