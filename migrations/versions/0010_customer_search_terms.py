"""Customer search by word, e-mail and phone prefixes from one term index, in place of the
trigram indexes.

On a million customers a substring search over trigram (GIN) indexes could neither stop early
nor read in name order: common fragments took 75-600 ms. `customer_search_term` holds each
customer's words, e-mail forms and phone forms (portal.customers.search_index); a search is a
prefix range of its B-tree index. Existing customers are indexed here, in batches. Also an
index for the directory's type and status filters together.

Revision ID: 0010_customer_search_terms
Revises: 0009_segmentation_bulk
Create Date: 2026-11-28

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0010_customer_search_terms"
down_revision = "0009_segmentation_bulk"
branch_labels = None
depends_on = None

TRIGRAM = (
    ("ix_customer_name_key_trgm", "name_key"),
    ("ix_customer_email_trgm", "email"),
    ("ix_customer_phone_trgm", "phone"),
)


def upgrade():
    op.create_table(
        "customer_search_term",
        sa.Column(
            "term",
            sa.String(length=340).with_variant(sa.String(340, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=41), nullable=False),
    )
    # Indexed after the backfill: one sort each instead of a million insertions.
    _index_existing_customers(op.get_bind())
    op.create_index(
        "ix_customer_search_term_term",
        "customer_search_term",
        ["term", "name_key", "customer_id"],
    )
    op.create_index(
        "ix_customer_search_term_customer", "customer_search_term", ["customer_id", "term"]
    )
    for name, _ in TRIGRAM:
        op.drop_index(name, table_name="customer")
    op.create_index(
        "ix_customer_type_status_name_key", "customer", ["customer_type", "status", "name_key"]
    )


# The terms as portal.customers.search_index made them when this migration was written, copied
# rather than imported: a later change to that module must not change what this migration did
# (migrations never import application code). After a later change of what is indexed,
# `flask customers reindex-search` rebuilds the rows with the module as it is then.
_WORD = re.compile(r"[^\W_]+")
_CUSTOMER = sa.table(
    "customer", sa.column("id"), sa.column("name"), sa.column("email"), sa.column("phone")
)
_TERM = sa.table(
    "customer_search_term", sa.column("term"), sa.column("name_key"), sa.column("customer_id")
)


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text):
    found = []
    for chunk in _fold(text).split():
        parts = _WORD.findall(chunk)
        found += parts
        if len(parts) > 1:
            found.append("".join(parts))
    return found


def _terms(name, email, phone):
    terms = {"n:" + word for word in _words(name)}
    if email:
        address = _fold(email)
        terms |= {"e:" + address, "d:" + address.rpartition("@")[2]}
    if phone:
        digits = phone.lstrip("+")
        terms |= {"p:" + digits[start:] for start in range(len(digits) - 2)}
    return terms


def _index_existing_customers(connection, batch=5_000):
    query = sa.select(_CUSTOMER).order_by(_CUSTOMER.c.id)
    after = ""
    while chunk := connection.execute(query.where(_CUSTOMER.c.id > after).limit(batch)).all():
        rows = [
            (term, c.name.casefold(), c.id)
            for c in chunk
            for term in _terms(c.name, c.email, c.phone)
        ]
        _insert_terms(connection, rows)
        after = chunk[-1].id


def _insert_terms(connection, rows):
    """COPY on PostgreSQL (a million customers have some 14 million terms), INSERT elsewhere."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        keys = ("term", "name_key", "customer_id")
        connection.execute(_TERM.insert(), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    cursor = connection.connection.driver_connection.cursor()
    with (
        cursor,
        cursor.copy("COPY customer_search_term (term, name_key, customer_id) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def downgrade():
    op.drop_index("ix_customer_type_status_name_key", table_name="customer")
    for name, column in TRIGRAM:
        op.create_index(
            name,
            "customer",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
    op.drop_index("ix_customer_search_term_customer", table_name="customer_search_term")
    op.drop_index("ix_customer_search_term_term", table_name="customer_search_term")
    op.drop_table("customer_search_term")
