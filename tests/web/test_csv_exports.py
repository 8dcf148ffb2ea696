"""No CSV the portal writes lets a spreadsheet run a cell as a formula: the customer export, the
access (DSAR) export's tables and the compliance reports, downloaded as a user downloads them."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest

from portal.compliance.models import DataSubjectRequest
from portal.extensions import db
from portal.models import utcnow
from portal.spreadsheet import csv_text
from tests.web.compliance.conftest import export_dir  # noqa: F401 (exports to a temporary folder)
from tests.web.compliance.test_requests_pages import _create
from tests.web.customers.test_directory import register

HOSTILE = ["=1", "=²", "-5", "+1", "@SUM(A1)", '=HYPERLINK("http://evil.example","x")']


def read(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def hostile_customers(staff):
    return [
        register(staff, name, f"c{n}@example.org", f"+1876555{n:04}")
        for n, name in enumerate(HOSTILE)
    ]


def test_the_customer_export_writes_every_formula_as_text(client, login_as, hostile_customers):
    login_as("sales")
    rows = read(client.get("/customers/export.csv", query_string={"sort": "created"}).text)
    assert sorted(r["name"] for r in rows) == sorted("'" + name for name in HOSTILE)
    assert {r["phone"][:3] for r in rows} == {"'+1"}  # user text, however numeric it looks


def test_the_access_export_tables_write_every_formula_as_text(client, login_as, hostile_customers):
    customer = hostile_customers[-1]
    login_as("compliance_officer")
    _create(client, request_type="ACCESS", customer_id=customer.id)
    base = f"/compliance/requests/{db.session.query(DataSubjectRequest.id).scalar()}"
    client.post(f"{base}/verify", data={"method": "ID", "evidence": "Seen"})
    assert client.post(f"{base}/export").status_code == 303
    link = client.get(base).text.split('href="/compliance/exports/')[1].split('"')[0]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/compliance/exports/{link}").data))
    tables = [name for name in archive.namelist() if name.endswith(".csv")]
    assert "csv/customer.csv" in tables
    (row,) = read(archive.read("csv/customer.csv").decode())
    assert row["name"] == "'" + HOSTILE[-1]
    for table in tables:
        for row in read(archive.read(table).decode()):
            assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values()), table


def test_the_compliance_reports_write_every_formula_as_text(client, login_as):
    login_as("compliance_officer")
    _create(client)
    base = f"/compliance/requests/{db.session.query(DataSubjectRequest.id).scalar()}"
    assert client.post(f"{base}/deny", data={"reason": "=1+1"}).status_code == 303
    (row,) = read(client.get("/compliance/reports/requests.csv").text)
    assert row["denial_reason"] == "'=1+1"


def test_numbers_held_as_numbers_stay_numbers():
    text = csv_text(["n", "amount", "text", "when"], [[-5, Decimal("-1.50"), "-5", utcnow()]])
    assert text.splitlines()[1].startswith("-5,-1.50,'-5,")
    (row,) = read(csv_text(["tab", "cr"], [["\tx", "\rx"]]))
    assert row == {"tab": "'\tx", "cr": "'\rx"}
