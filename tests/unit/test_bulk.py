"""Bulk loading: COPY text as PostgreSQL reads it, and the rows it loads read back as written."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import sqlalchemy as sa

from portal import bulk
from portal.bulk import bulk_insert, bulk_insert_columns, copy_text
from portal.customers.models import customer_search_term
from portal.extensions import db
from portal.models import UTCDateTime


def test_copy_text_escapes_and_formats_as_copy_reads_them():
    table = sa.Table(
        "copied",
        sa.MetaData(),
        sa.Column("text", sa.String),
        sa.Column("flag", sa.Boolean),
        sa.Column("number", sa.Integer),
        sa.Column("at", UTCDateTime),
        sa.Column("data", sa.JSON),
    )
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    rows = [
        {"text": "tab\there\\back\nline", "flag": True, "number": 7, "at": at, "data": {"a": "\t"}},
        {"text": None, "flag": False, "number": None, "at": None, "data": ["x"]},
        {"text": "plain", "flag": None, "number": 0, "at": at, "data": None},
    ]
    text = copy_text(table, rows)
    assert text.columns == ("text", "flag", "number", "at", "data")
    assert len(text) == 3
    assert text.data.decode().split("\n") == [
        'tab\\there\\\\back\\nline\tt\t7\t2026-03-01T12:30:00+00:00\t{"a": "\\\\t"}',
        '\\N\tf\t\\N\t\\N\t["x"]',
        "plain\t\\N\t0\t2026-03-01T12:30:00+00:00\tnull",
        "",
    ]


def test_copied_search_terms_read_back_as_written():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    rows = [
        {"term": "n:o'brien", "name_key": "a\tb\\c\nd", "customer_id": "cust-x"},
        {"term": "p:123", "name_key": "plain", "customer_id": "cust-y"},
    ]
    connection = db.session.connection()
    bulk_insert(connection, customer_search_term, copy_text(customer_search_term, rows))
    stored = connection.execute(sa.select(customer_search_term).order_by("customer_id"))
    assert [dict(row._mapping) for row in stored] == rows


def test_columns_from_arrays_load_in_batches(monkeypatch):
    monkeypatch.setattr(bulk, "COLUMN_BATCH", 2)  # five rows: three batches
    names = np.array([f"cust-{n}" for n in range(5)], dtype=object)
    connection = db.session.connection()
    bulk_insert_columns(
        connection,
        customer_search_term,
        {
            "term": [f"p:{n}" for n in range(5)],
            "name_key": np.array(list("abcde")),
            "customer_id": names,
        },
    )
    stored = connection.execute(sa.select(customer_search_term).order_by("customer_id"))
    assert [tuple(row) for row in stored] == [
        (f"p:{n}", key, f"cust-{n}") for n, key in enumerate("abcde")
    ]
