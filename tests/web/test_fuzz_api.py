"""Every JSON API operation that writes, posted bodies built from the documented examples with
one value at a time replaced by a boundary or hostile one (too long, too large, wrong type,
unicode, NUL, deep nesting), plus hypothesis-generated JSON. Every answer is a JSON body with a
4xx or 2xx status — never a 5xx — and a refused body writes nothing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.api import tokens
from portal.api.openapi import document
from portal.extensions import db
from tests.unit.events.messages import message
from tests.web.test_fuzz_forms import EXAMPLES, FUZZ, LOG_TABLES
from tests.world import build_world

DEEP = 10_000

SCALARS = [
    None,
    True,
    0,
    -1,
    10**30,
    -(10**30),
    1.5,
    1e308,
    "",
    "x" * 10_000,
    "a\x00b",
    "²",
    "😀" * 50,
    "\u202e",
    "9999-12-31T23:59:59Z",
    "not-a-date",
]
NESTED = [
    [],
    {},
    json.loads("[" * 50 + "]" * 50),
]


def _deep_array(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _row_counts() -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables if t.name not in LOG_TABLES]
    counts = [
        sa.select(sa.literal(t.name).label("t"), sa.func.count().label("n")).select_from(t)
        for t in tables
    ]
    return dict(db.session.execute(sa.union_all(*counts)).all())


def _paths(body, prefix=()):
    """Every path to a value inside `body`, objects and arrays alike."""
    yield prefix
    if isinstance(body, dict):
        for key, value in body.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(body, list):
        for i, value in enumerate(body):
            yield from _paths(value, (*prefix, i))


def _replaced(body, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@pytest.fixture
def operations():
    """(method, url, headers, a valid body) for every API operation that writes."""
    world = build_world()
    admin = world.users["Administrator"]
    _token, clear = tokens.issue(admin, "order-service", sorted(tokens.SCOPES))
    headers = {"Authorization": f"Bearer {clear}"}
    customer_id, version = db.session.execute(
        sa.text("SELECT id, version_id FROM customer ORDER BY id LIMIT 1")
    ).one()
    node_id = db.session.scalar(sa.text("SELECT id FROM org_node WHERE code = 'MIA'"))
    db.session.commit()
    return [
        ("POST", "/api/v1/events", headers, message("OrderPlaced", customer_id)),
        (
            "POST",
            "/api/v1/approvals/requests",
            headers,
            {
                "reference": "PO-FUZZ-1",
                "nodeId": node_id,
                "requesterEmail": world.users["Grill Group buyer"].email,
                "description": "Walk-in freezer",
                "amountMinor": 750_000,
                "currency": "USD",
                "lines": [{"sku": "FRZ-1", "quantity": 1, "amountMinor": 750_000}],
            },
        ),
        (
            "POST",
            f"/api/v1/customers/{customer_id}/loyalty/redemptions",
            headers,
            {"points": 60, "redemptionType": "Voucher"},
        ),
        (
            "POST",
            "/api/v1/customers",
            headers,
            {
                "name": "Fuzz Campbell",
                "customerType": "FOOD_TRUCK",
                "email": "fuzz@example.org",
                "typeData": {"licensePermit": "MFV-1", "operatingLocations": ["Downtown"]},
                "taxId": "12-3456789",
                "registrationNumber": "REG-1",
                "acquisitionSource": "INSTAGRAM",
            },
        ),
        (
            "PATCH",
            f"/api/v1/customers/{customer_id}",
            headers,
            {"version": version, "name": "Fuzz Edit", "typeData": {}},
        ),
    ]


def _fresh(method: str, url: str, body: dict) -> dict:
    """An edit names the version its customer is at now, which an earlier fuzzed edit moved:
    else every edit after the first valid one would stop at the version check (409)."""
    if method != "PATCH":
        return body
    query = sa.text("SELECT version_id FROM customer WHERE id = :id")
    return {**body, "version": db.session.scalar(query, {"id": url.rsplit("/", 1)[1]})}


def _check(client, method, url, headers, raw: str | bytes, problems: list[str], label) -> None:
    before = _row_counts()
    db.session.commit()
    response = client.open(
        url, method=method, data=raw, headers={**headers, "Content-Type": "application/json"}
    )
    status = response.status_code
    if not 100 <= status < 500:
        problems.append(f"{status} {url} {label}")
    elif status >= 400:
        if not (response.is_json and "error" in (response.json or {})):
            problems.append(f"{status} without a JSON error body: {url} {label}")
        elif (after := _row_counts()) != before:
            changed = sorted(t for t in after if after[t] != before.get(t))
            problems.append(f"{status} but wrote {changed}: {url} {label}")
        if len(response.get_data()) > 20_000:
            problems.append(f"{status} echoed {len(response.get_data())} bytes: {url} {label}")


def test_every_api_write_refuses_hostile_bodies_without_5xx(client, operations):
    writes = {
        (method.upper(), f"/api/v1{path}")
        for path, ops in document()["paths"].items()
        for method in ops
        if method in ("post", "patch")
    }
    fuzzed = {
        (method, url.replace(url.split("/")[4], "{customer_id}") if "/customers/" in url else url)
        for method, url, _headers, _body in operations
    }
    assert fuzzed == writes
    problems: list[str] = []
    for method, url, headers, body in operations:
        for path in _paths(body):
            for value in SCALARS + NESTED:
                label = f"{'.'.join(map(str, path)) or 'body'}={json.dumps(value)[:40]}"
                raw = json.dumps(_replaced(_fresh(method, url, body), path, value))
                _check(client, method, url, headers, raw, problems, label)
        whole = json.dumps(body)
        for label, raw in [
            ("deep array", _deep_array(DEEP)),
            ("deep object", _deep_object(DEEP // 2)),
            ("deep inside the body", whole[:-1] + ', "extra": ' + _deep_array(DEEP) + "}"),
            ("NUL escaped in a string", whole.replace('"USD"', '"US\\u0000D"', 1)),
            ("invalid UTF-8", whole.encode() + b"\xff\xfe"),
            ("not JSON", "{'single': quotes}"),
            ("empty", ""),
            ("a 3 MB string", json.dumps({**body, "description": "d" * 3_000_000})),
        ]:
            _check(client, method, url, headers, raw, problems, label)
    assert not problems, "\n".join(dict.fromkeys(problems))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def test_generated_json_bodies_never_answer_5xx(client, operations):
    problems: list[str] = []

    @settings(FUZZ, max_examples=EXAMPLES * 4)
    @given(data=st.data())
    def post(data):
        method, url, headers, body = data.draw(st.sampled_from(operations))
        keys = sorted(body)
        mutated = {
            **_fresh(method, url, body),
            **data.draw(st.dictionaries(st.sampled_from(keys), json_values)),
        }
        raw = json.dumps(mutated)
        _check(client, method, url, headers, raw, problems, raw[:120])

    post()
    assert not problems, "\n".join(dict.fromkeys(problems))
