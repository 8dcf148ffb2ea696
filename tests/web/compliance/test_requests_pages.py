"""The compliance pages through the test client: intake, the request page and its actions,
downloads, consent, retention and reports."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy import select

from portal.compliance.models import DataSubjectRequest
from portal.compliance.values import RequestStatus
from portal.extensions import db
from portal.models import utcnow
from tests.conftest import DEFAULT_PASSWORD, sign_in_client


def _create(client, **fields):
    data = {
        "request_type": "ERASURE",
        "jurisdiction": "GDPR",
        "channel": "EMAIL",
        "received_on": utcnow().date().isoformat(),
        "requester_name": "Winston Blackwood",
        "requester_email": "winston@example.org",
    }
    data.update(fields)
    return client.post("/compliance/requests", data=data)


def _only_request() -> DataSubjectRequest:
    return db.session.scalars(select(DataSubjectRequest)).one()


def test_intake_then_the_dashboard_shows_it_with_its_due_date(client, login_as):
    login_as("compliance_officer")
    response = _create(client)
    assert response.status_code == 303
    created = _only_request()
    assert response.location.endswith(f"/compliance/requests/{created.id}")
    page = client.get("/compliance/").text
    assert "Winston Blackwood" in page
    assert re.search(r"due in (28|29|30) days", page)  # one month or 30 days, the earlier
    detail = client.get(f"/compliance/requests/{created.id}").text
    assert "received" in detail
    assert "Record verification" in detail


def test_intake_refuses_a_missing_requester_and_a_future_date(client, login_as):
    login_as("compliance_officer")
    assert _create(client, requester_name="").status_code == 422
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    response = _create(client, received_on=tomorrow)
    assert response.status_code == 422
    assert "future" in response.text


def test_deny_without_a_reason_is_refused_with_a_message(client, login_as):
    login_as("compliance_officer")
    _create(client)
    request_id = _only_request().id
    response = client.post(f"/compliance/requests/{request_id}/deny", data={"reason": ""})
    assert response.status_code == 422
    assert "Give the reason" in response.text
    ok = client.post(f"/compliance/requests/{request_id}/deny", data={"reason": "Not our data"})
    assert ok.status_code == 303
    assert "Not our data" in client.get(f"/compliance/requests/{request_id}").text


def test_full_erasure_flow_with_two_officers_and_the_receipt(
    app, client, login_as, make_user, customer
):
    login_as("compliance_officer")
    _create(client, customer_id=customer.id)
    request_id = _only_request().id
    base = f"/compliance/requests/{request_id}"
    assert (
        client.post(f"{base}/verify", data={"method": "E-mail", "evidence": "Reply"}).status_code
        == 303
    )
    assert client.post(f"{base}/extend", data={"reason": "Backups to check"}).status_code == 303
    assert client.post(f"{base}/erasure/plan", data={"scope": "FULL"}).status_code == 303
    assert "Waiting for a second compliance officer" in client.get(base).text

    second = app.test_client()
    sign_in_client(second, make_user("compliance_officer"))
    assert second.post(f"{base}/erasure/approve").status_code == 303
    wrong = client.post(f"{base}/erasure/execute", data={"password": "nope"})
    assert wrong.status_code == 422
    assert "not your password" in wrong.text
    done = client.post(f"{base}/erasure/execute", data={"password": DEFAULT_PASSWORD})
    assert done.status_code == 303
    assert _only_request().status is RequestStatus.COMPLETED
    receipt = client.get(f"{base}/receipt")
    assert receipt.headers["Content-Disposition"].startswith("attachment")
    assert receipt.json["purgeType"] == "FULL"


def test_access_export_download_is_audited_and_expires(client, login_as, customer):
    login_as("compliance_officer")
    _create(client, request_type="ACCESS", customer_id=customer.id)
    request_id = _only_request().id
    base = f"/compliance/requests/{request_id}"
    client.post(f"{base}/verify", data={"method": "ID", "evidence": "Seen"})
    assert client.post(f"{base}/export").status_code == 303
    page = client.get(base).text
    export_url = page.split('href="/compliance/exports/')[1].split('"')[0]
    download = client.get(f"/compliance/exports/{export_url}")
    assert download.status_code == 200
    assert "summary.html" in zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert "export downloaded" in client.get(base).text
    from portal.compliance.models import DataExport

    export = db.session.get(DataExport, export_url)
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/compliance/exports/{export_url}").status_code == 404


def test_consent_grant_and_withdraw_are_one_click_each(client, login_as, customer):
    login_as("compliance_officer")
    url = f"/compliance/customers/{customer.id}/consent"
    data = {"channel": "WEB_FORM", "notice_version": "2026-01"}
    assert client.post(f"{url}/MARKETING_EMAIL/grant", data=data).status_code == 303
    assert client.post(f"{url}/MARKETING_EMAIL/withdraw", data=data).status_code == 303
    page = client.get(url).text
    assert page.count("Marketing e-mail: <strong>") == 2
    assert "withdrawn" in page
    fragment = client.get(url, headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<section class="panel consent"')


def test_retention_policies_are_saved_and_reports_export_csv(client, login_as):
    login_as("compliance_officer")
    response = client.post(
        "/compliance/retention/FLAG_INACTIVE",
        data={"flag_inactive-months": "30", "flag_inactive-enabled": "y"},
    )
    assert response.status_code == 303
    assert 'value="30"' in client.get("/compliance/retention").text
    assert client.get("/compliance/reports").status_code == 200
    csv = client.get("/compliance/reports/requests.csv")
    assert csv.mimetype == "text/csv"
    assert client.get("/compliance/access-log?customer=x").status_code == 200
