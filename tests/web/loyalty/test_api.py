"""The loyalty API: read a customer's points, redeem them; JSON refusals, an Idempotency-Key,
and two redemptions at once that never spend the same points (PostgreSQL row lock)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.api import tokens
from portal.loyalty import services
from tests.unit.loyalty.ledger import assert_summary_is_ledger, entries_count, place


@pytest.fixture
def headers(make_user) -> dict:
    _token, clear = tokens.issue(make_user("administrator"), "checkout", ["loyalty"])
    return {"Authorization": f"Bearer {clear}"}


def url(customer_id: str) -> str:
    return f"/api/v1/customers/{customer_id}/loyalty"


def test_read_the_points(client, headers, customer):
    place(customer.id, 100_00, days_ago=40)
    place(customer.id, 30_00)
    body = client.get(url(customer.id), headers=headers).get_json()
    assert body["tier"] == "STANDARD"
    assert (body["available"], body["pending"]) == (100, 30)
    assert body["expiringPoints"] == 100
    assert client.get(url("cust-nobody"), headers=headers).status_code == 404
    assert client.get(url(customer.id)).status_code == 401


def test_redeem_once_per_key(client, headers, customer):
    place(customer.id, 100_00, days_ago=40)
    keyed = headers | {"Idempotency-Key": "basket-77"}
    body = {"points": 60, "redemptionType": "Voucher"}
    first = client.post(f"{url(customer.id)}/redemptions", json=body, headers=keyed)
    again = client.post(f"{url(customer.id)}/redemptions", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.get_json()["available"] == 40
    assert assert_summary_is_ledger(customer.id).balance == 40


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"points": -5, "redemptionType": "Voucher"}, 422, "points"),
        ({"points": 2.5, "redemptionType": "Voucher"}, 422, "points"),
        ({"points": "10", "redemptionType": "Voucher"}, 422, "points"),
        ({"points": 10}, 422, "redemptionType"),
        ({"points": 500, "redemptionType": "Voucher"}, 422, "Only 100 points are available"),
        ({"points": 120, "redemptionType": "Voucher"}, 422, "pending"),
    ],
)
def test_bad_redemptions_answer_json_and_write_nothing(
    client, headers, customer, body, status, problem
):
    place(customer.id, 100_00, days_ago=40)
    place(customer.id, 50_00)  # pending
    before = entries_count()
    response = client.post(f"{url(customer.id)}/redemptions", json=body, headers=headers)
    assert response.status_code == status
    assert problem in str(response.get_json())
    assert entries_count() == before


def test_unknown_customer_is_404(client, headers):
    body = {"points": 5, "redemptionType": "Voucher"}
    response = client.post(f"{url('cust-nobody')}/redemptions", json=body, headers=headers)
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.postgres
def test_two_concurrent_redemptions_never_double_spend(app, headers, customer, monkeypatch):
    place(customer.id, 100_00, days_ago=40)
    debit = services._debit

    def slow_debit(*args, **kwargs):
        time.sleep(0.5)  # the other request arrives while this one holds the summary row
        return debit(*args, **kwargs)

    monkeypatch.setattr(services, "_debit", slow_debit)
    clients = [app.test_client() for _ in range(2)]
    body = {"points": 80, "redemptionType": "Voucher"}
    path = f"{url(customer.id)}/redemptions"
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda c: c.post(path, json=body, headers=headers), clients))
    assert sorted(a.status_code for a in answers) == [201, 422]
    assert assert_summary_is_ledger(customer.id).balance == 20
