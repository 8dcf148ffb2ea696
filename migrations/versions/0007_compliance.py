"""Compliance: data-subject requests and their timeline, access exports, consent records,
retention policies (defaults live in the code until an officer saves one) and retention runs.

Revision ID: 0007_compliance
Revises: 0006
Create Date: 2026-11-28 06:02:14.501533

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_compliance"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_policy",
        sa.Column(
            "rule",
            sa.Enum(
                "ANONYMIZE_INTERACTIONS",
                "PURGE_CLOSED_ACCOUNTS",
                "FLAG_INACTIVE",
                "DELETE_EXPIRED_EXPORTS",
                name="retentionrule",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("rule", name=op.f("pk_retention_policy")),
    )
    op.create_table(
        "retention_run",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run")),
    )
    op.create_table(
        "consent_record",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "MARKETING_EMAIL",
                "MARKETING_SMS",
                "PROFILING",
                "PARTNER_SHARING",
                name="consentpurpose",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "WEB_FORM",
                "EMAIL",
                "PHONE",
                "IN_PERSON",
                "LETTER",
                name="consentchannel",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("notice_version", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_consent_record_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
    )
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_record_customer_purpose", ["customer_id", "purpose", "id"], unique=False
        )

    op.create_table(
        "dsar_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=True),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_email", sa.String(length=320), nullable=True),
        sa.Column("requester_phone", sa.String(length=40), nullable=True),
        sa.Column(
            "request_type",
            sa.Enum(
                "ACCESS",
                "PORTABILITY",
                "ERASURE",
                "RECTIFICATION",
                "RESTRICTION",
                "OPT_OUT_OF_SALE",
                name="requesttype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "jurisdiction",
            sa.Enum("GDPR", "CCPA", "INTERNAL", name="jurisdiction", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "EMAIL", "PHONE", "WEB_FORM", "LETTER", name="channel", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "RECEIVED",
                "VERIFYING",
                "IN_PROGRESS",
                "AWAITING_APPROVAL",
                "COMPLETED",
                "DENIED",
                "EXTENDED",
                "ON_HOLD",
                "CANCELLED",
                name="requeststatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column(
            "erasure_scope",
            sa.Enum("FULL", "PARTIAL", name="erasurescope", native_enum=False, length=40),
            nullable=True,
        ),
        sa.Column("erasure_categories", sa.JSON(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=36), nullable=True),
        sa.Column("verification_method", sa.String(length=60), nullable=True),
        sa.Column("verification_evidence", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("denial_reason", sa.Text(), nullable=True),
        sa.Column("approval_requested_by", sa.String(length=36), nullable=True),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "completion_status",
            sa.Enum(
                "SUCCESS",
                "PARTIAL",
                "FAILED",
                name="completionstatus",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "legal_basis",
            sa.Enum(
                "GDPR_REQUEST",
                "CCPA_REQUEST",
                "INTERNAL_POLICY",
                name="legalbasis",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_dsar_request_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_request")),
    )
    with op.batch_alter_table("dsar_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dsar_request_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_dsar_request_status_received", ["status", "received_at"], unique=False
        )

    op.create_table(
        "dsar_export",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=80), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["dsar_request.id"], name=op.f("fk_dsar_export_request_id_dsar_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_export")),
    )
    with op.batch_alter_table("dsar_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dsar_export_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dsar_export_request_id"), ["request_id"], unique=False)

    op.create_table(
        "dsar_request_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["dsar_request.id"],
            name=op.f("fk_dsar_request_event_request_id_dsar_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsar_request_event")),
    )
    with op.batch_alter_table("dsar_request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dsar_request_event_request_id"), ["request_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("dsar_request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dsar_request_event_request_id"))

    op.drop_table("dsar_request_event")
    with op.batch_alter_table("dsar_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dsar_export_request_id"))
        batch_op.drop_index(batch_op.f("ix_dsar_export_customer_id"))

    op.drop_table("dsar_export")
    with op.batch_alter_table("dsar_request", schema=None) as batch_op:
        batch_op.drop_index("ix_dsar_request_status_received")
        batch_op.drop_index(batch_op.f("ix_dsar_request_customer_id"))

    op.drop_table("dsar_request")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_record_customer_purpose")

    op.drop_table("consent_record")
    op.drop_table("retention_run")
    op.drop_table("retention_policy")
