"""Indexes for the role home pages and the customer journey.

Revision ID: 0017_home
Revises: 0016_webhook_secret_rotation
Create Date: 2026-12-02

A person's recent interactions, sign-in failures of the last days, and one customer's events
and consent records in time order: each is one index range instead of a scan.
"""

from alembic import op

revision = "0017_home"
down_revision = "0016_webhook_secret_rotation"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_interaction_recorded_by_occurred", "interaction", ["recorded_by", "occurred_at"]),
    # outcome first: the audit log filters failures since a day by an action prefix (LIKE)
    ("ix_audit_entry_outcome_at_action", "audit_entry", ["outcome", "at", "action"]),
    ("ix_outbox_event_aggregate_occurred", "outbox_event", ["aggregate_id", "occurred_at"]),
    ("ix_consent_record_customer_at", "consent_record", ["customer_id", "at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
