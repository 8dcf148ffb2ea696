"""The segmentation pages through the test client: editor actions and preview, saving with
versions, bad rules (422, nothing saved), recompute, the customer panel, override, reports."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, update

from portal.api import tokens
from portal.customers.models import Customer
from portal.customers.services import register_customer
from portal.customers.values import CustomerType
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation import behaviour
from portal.segmentation.demo import SEGMENTS
from portal.segmentation.models import (
    CustomerMetrics,
    CustomerSegment,
    Segment,
    SegmentRuleVersion,
)
from portal.segmentation.services import SegmentInput, recompute_all, save_segment
from tests.factories import events, new_customer
from tests.unit.events.messages import message
from tests.unit.segmentation.conftest import all_of, cond
from tests.web.customers.test_profile import registration

HTMX = {"HX-Request": "true"}

NESTED = {
    "name": "Busy big restaurants",
    "description": "Seats 80+, ordering often or a lot",
    "type": "B2B",
    "r.kind": "group",
    "r.op": "and",
    "r.0.kind": "condition",
    "r.0.field": "seating_capacity",
    "r.0.operator": "gte",
    "r.0.value": "80",
    "r.1.kind": "group",
    "r.1.op": "or",
    "r.1.0.kind": "condition",
    "r.1.0.field": "orders_in_window",
    "r.1.0.days": "90",
    "r.1.0.operator": "gte",
    "r.1.0.value": "3",
    "r.1.1.kind": "condition",
    "r.1.1.field": "spend_in_window",
    "r.1.1.days": "90",
    "r.1.1.operator": "gte",
    "r.1.1.value": "2,000.00",
}


def _busy(restaurant):
    now = utcnow()
    for i in range(3):
        behaviour.record_order_placed(
            restaurant.id, f"o-{i}", 10_00, "USD", now - timedelta(days=i + 1)
        )
    db.session.commit()


def test_editor_adds_conditions_and_groups_and_offers_the_field_operators(client, login_as):
    login_as("marketing")
    page = client.get("/segments/new?type=B2B")
    assert page.status_code == 200
    response = client.post(
        "/segments/editor",
        data={"r.kind": "group", "r.op": "and", "action": "add-group:r"},
        headers=HTMX,
    )
    assert response.headers["HX-Trigger"] == "rule-changed"
    assert 'name="r.0.kind" value="group"' in response.text
    assert 'name="r.0.0.field"' in response.text
    bool_field = client.post(
        "/segments/editor",
        data={
            "r.kind": "group",
            "r.op": "and",
            "r.0.kind": "condition",
            "r.0.field": "active_subscription",
            "r.0.operator": "gte",
        },
        headers=HTMX,
    ).text
    assert 'value="is_true"' in bool_field
    assert 'value="gte"' not in bool_field
    assert 'name="r.0.value"' not in bool_field


def test_preview_counts_matches_and_moves(client, login_as, restaurant):
    login_as("marketing")
    _busy(restaurant)
    response = client.post("/segments/preview", data=NESTED, headers=HTMX)
    assert response.status_code == 200
    assert '<dd id="preview-matching">1</dd>' in response.text
    assert '<dd id="preview-in">1</dd>' in response.text
    assert "Chez Lola" in response.text
    stricter = dict(NESTED, **{"r.0.value": "200"})
    assert (
        '<dd id="preview-matching">0</dd>'
        in client.post("/segments/preview", data=stricter, headers=HTMX).text
    )


def test_save_creates_a_version_then_recompute_moves_the_customer(client, login_as, restaurant):
    login_as("marketing")
    _busy(restaurant)
    response = client.post("/segments/new", data=NESTED)
    assert response.status_code == 303
    segment = db.session.scalars(select(Segment).where(Segment.name == NESTED["name"])).one()
    assert (
        client.post(
            f"/segments/{segment.id}/edit", data=dict(NESTED, **{"r.0.value": "70"})
        ).status_code
        == 303
    )
    versions = db.session.scalars(
        select(SegmentRuleVersion)
        .where(SegmentRuleVersion.segment_id == segment.id)
        .order_by(SegmentRuleVersion.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].diff == ["-  Seating capacity ≥ 80", "+  Seating capacity ≥ 70"]
    assert "Seating capacity ≥ 70" in client.get(f"/segments/{segment.id}/versions").text
    assert client.post("/segments/recompute").status_code == 303
    assert db.session.get(CustomerSegment, restaurant.id).segment_id == segment.id
    panel = client.get(f"/segments/customers/{restaurant.id}", headers=HTMX).text
    assert "Busy big restaurants" in panel
    assert "Rule matched" in panel
    assert "orders_in_window_90d = 3" in panel
    assert events("CustomerSegmentChanged")[-1].aggregate_id == restaurant.id


def test_bad_rule_is_refused_with_422_and_nothing_saved(client, login_as):
    login_as("marketing")
    bad = dict(NESTED, **{"r.1.1.operator": "within_last", "r.1.0.value": "lots"})
    response = client.post("/segments/new", data=bad)
    assert response.status_code == 422
    assert "must be a whole number" in response.text
    assert db.session.scalar(select(func.count()).select_from(Segment)) == 0
    assert db.session.scalar(select(func.count()).select_from(SegmentRuleVersion)) == 0


def test_a_form_nesting_groups_too_deep_is_refused_not_a_server_error(client, login_as):
    login_as("marketing")
    deep, path = {"name": "Deep", "type": "B2C"}, "r"
    for _ in range(400):  # deeper than Python's recursion would follow
        deep |= {f"{path}.kind": "group", f"{path}.op": "and"}
        path += ".0"
    deep |= {f"{path}.kind": "condition", f"{path}.field": "order_count", f"{path}.value": "1"}
    response = client.post("/segments/new", data=deep)
    assert response.status_code == 422
    assert "Groups nest at most 5 deep." in response.text
    assert db.session.scalar(select(func.count()).select_from(Segment)) == 0
    assert client.post("/segments/editor", data=deep, headers=HTMX).status_code == 200
    assert "nest at most" in client.post("/segments/preview", data=deep, headers=HTMX).text


def test_the_builder_offers_no_group_deeper_than_a_rule_may_nest(client, login_as):
    login_as("marketing")
    form, path = {}, "r"
    for _ in range(5):
        form |= {f"{path}.kind": "group", f"{path}.op": "and"}
        path += ".0"
    builder = client.post("/segments/editor", data=form, headers=HTMX).text
    assert 'value="add-group:r.0.0.0"' in builder
    assert 'value="add-group:r.0.0.0.0"' not in builder
    assert 'value="add-condition:r.0.0.0.0"' in builder


def test_a_date_past_the_calendar_the_rule_can_use_is_refused(client, login_as):
    login_as("marketing")
    late = dict(NOT_A_VALUE, **{"r.0.field": "created_at", "r.0.operator": "after"})
    late["r.0.value"] = "9999-12-31"
    preview = client.post("/segments/preview", data=late, headers=HTMX)
    assert preview.status_code == 200
    assert "Enter a date between 1900-01-01 and 2999-12-31." in preview.text
    response = client.post("/segments/new", data=late)
    assert response.status_code == 422
    assert "Enter a date between" in _at(response.text, "r.0")


def test_reorder_moves_a_segment_up(client, login_as):
    login_as("marketing")
    for name in ("First", "Second"):
        client.post("/segments/new", data=dict(NESTED, name=name))
    second = db.session.scalars(select(Segment).where(Segment.name == "Second")).one()
    assert client.post(f"/segments/{second.id}/move", data={"direction": "up"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Segment, second.id).priority == 1


def test_override_through_the_panel_and_its_validation(client, login_as, restaurant):
    login_as("marketing")
    client.post("/segments/new", data=NESTED)
    client.post("/segments/recompute")
    segment = db.session.scalars(select(Segment).where(Segment.name == NESTED["name"])).one()
    form = client.get(f"/segments/customers/{restaurant.id}/override", headers=HTMX).text
    assert "Override segment" in form
    until = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        f"/segments/customers/{restaurant.id}/override",
        data={"segment_id": segment.id, "justification": "", "until": until},
        headers=HTMX,
    )
    assert refused.status_code == 422
    response = client.post(
        f"/segments/customers/{restaurant.id}/override",
        data={"segment_id": segment.id, "justification": "Key account", "until": until},
    )
    assert response.status_code == 303
    panel = client.get(f"/segments/customers/{restaurant.id}").text
    assert "Set by hand until" in panel
    assert "Set by an administrator: Key account" in panel


def test_report_notifications_and_list(client, login_as, restaurant):
    login_as("marketing")
    _busy(restaurant)
    client.post("/segments/recompute")
    client.post("/segments/new", data=NESTED)
    client.post("/segments/recompute")
    report = client.get("/segments/report").text
    assert "Busy big restaurants" in report
    assert '<figure class="chart" data-chart="line"' in report  # a line per segment, a row a day
    assert report.split("<figure")[1].count('<th scope="row">') == 31
    page = client.get("/segments/notifications").text
    assert "1 unread" in page
    assert "Chez Lola" in page
    newest = db.session.scalar(
        select(
            func.max(
                __import__(
                    "portal.segmentation.models", fromlist=["SegmentHistory"]
                ).SegmentHistory.id
            )
        )
    )
    client.post("/segments/notifications/read", data={"up_to": newest})
    assert "0 unread" in client.get("/segments/notifications").text
    listing = client.get("/segments/").text
    assert 'data-segment="Busy big restaurants">1<' in listing


def test_marking_read_beyond_the_newest_move_leaves_later_moves_unread(
    client, login_as, restaurant
):
    login_as("marketing")
    client.post("/segments/recompute")
    response = client.post("/segments/notifications/read", data={"up_to": "9" * 30})
    assert response.status_code == 303
    _busy(restaurant)
    client.post("/segments/new", data=NESTED)
    client.post("/segments/recompute")
    assert "1 unread" in client.get("/segments/notifications").text


def test_notifications_reach_sales_and_marketing_only(client, login_as, restaurant):
    login_as("marketing")
    _busy(restaurant)
    client.post("/segments/recompute")
    client.post("/segments/new", data=NESTED)
    client.post("/segments/recompute")
    for role in ("sales", "marketing"):
        login_as(role)
        assert "Chez Lola" in client.get("/segments/notifications").text
    for role in ("support", "finance", "compliance_officer", "administrator"):
        login_as(role)
        page = client.get("/segments/notifications")
        assert page.status_code == 200
        assert "Chez Lola" not in page.text
        assert "announced to the sales and marketing roles" in page.text


def _demo_segments(author) -> list[Segment]:
    for name, segment_type, rule in SEGMENTS:
        save_segment(author, None, SegmentInput(name, "", segment_type, rule))
    return list(db.session.scalars(select(Segment)))


def _at(page: str, path: str) -> str:
    """The builder node at `path` (up to the next node), where its message is shown."""
    match = re.search(rf'data-path="{re.escape(path)}">(.*?)(data-path=|$)', page, re.S)
    return html.unescape(match[1]) if match else ""


def test_every_demo_segment_opens_in_the_editor_with_its_values(client, login_as):
    author = login_as("marketing")
    segments = _demo_segments(author)
    assert len(segments) == len(SEGMENTS) + 2  # and the two fallbacks
    for segment in segments:
        page = client.get(f"/segments/{segment.id}/edit")
        assert page.status_code == 200, segment.name
    busy = next(s for s in segments if s.name == "Busy big restaurants")
    page = client.get(f"/segments/{busy.id}/edit").text
    assert 'name="r.0.value" value="80"' in page
    assert 'name="r.1.0.value" value="3"' in page
    assert 'name="r.1.1.value" value="2,000.00"' in page


NOT_A_VALUE = {
    "name": "Odd statuses",
    "type": "B2C",
    "r.kind": "group",
    "r.op": "and",
    "r.0.kind": "condition",
    "r.0.field": "status",
    "r.0.operator": "in",
    "r.0.value": "NOT_A_VALUE",
}


def test_a_value_the_field_does_not_have_is_refused_at_its_condition(client, login_as):
    login_as("marketing")
    response = client.post("/segments/new", data=NOT_A_VALUE)
    assert response.status_code == 422
    assert "“Status” has no value “NOT_A_VALUE”" in _at(response.text, "r.0")
    assert db.session.scalar(select(func.count()).select_from(Segment)) == 0
    login_as("sales")
    assert client.post("/customers/new", data=registration()).status_code == 303


def test_a_field_the_catalogue_does_not_have_is_refused_not_replaced(client, login_as):
    login_as("marketing")
    odd = dict(NOT_A_VALUE, **{"r.0.field": "NOT_A_VALUE", "r.0.operator": "gte"})
    odd["r.0.value"] = "5"
    response = client.post("/segments/new", data=odd)
    assert response.status_code == 422
    assert "Choose a field." in _at(response.text, "r.0")
    assert db.session.scalar(select(func.count()).select_from(Segment)) == 0


@pytest.fixture
def broken(staff) -> Segment:
    """A segment whose stored rule names a status that does not exist, as saved before values
    were checked, and a sound segment after it."""
    odd = save_segment(
        staff,
        None,
        SegmentInput("Odd statuses", "", "B2C", all_of(cond("status", "in", ["ACTIVE"]))),
    )
    save_segment(
        staff, None, SegmentInput("Everyone", "", "B2C", all_of(cond("order_count", "gte", "0")))
    )
    stored = all_of(cond("status", "in", ["NOT_A_VALUE"]))
    db.session.execute(update(Segment).where(Segment.id == odd.id).values(rule=stored))
    db.session.commit()
    return odd


def test_a_broken_stored_rule_does_not_fail_customer_writes(client, login_as, make_user, broken):
    _token, secret = tokens.issue(make_user("administrator"), "orders", ["events:write"])
    login_as("sales")
    assert client.post("/customers/new", data=registration()).status_code == 303
    customer = db.session.scalars(select(Customer)).one()
    order = message("OrderPlaced", customer.id)
    response = client.post(
        "/api/v1/events", json=order, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.json["results"][0]["status"] == "accepted"
    db.session.expire_all()
    assert db.session.get(CustomerMetrics, customer.id).order_count == 1
    everyone = db.session.scalars(select(Segment).where(Segment.name == "Everyone")).one()
    assert db.session.get(CustomerSegment, customer.id).segment_id == everyone.id


def test_a_broken_stored_rule_is_reported_on_the_list_and_in_the_editor(client, login_as, broken):
    login_as("marketing")
    listing = html.unescape(client.get("/segments/").text)
    assert "Rule broken, it matches nobody: “Status” has no value “NOT_A_VALUE”" in listing
    editor = client.get(f"/segments/{broken.id}/edit")
    assert editor.status_code == 200
    assert "This rule cannot be evaluated" in editor.text
    assert "has no value “NOT_A_VALUE”" in _at(editor.text, "r.0")


@pytest.mark.parametrize("role", ["marketing", "sales", "support"])
def test_every_segmentation_page_answers_without_a_server_error(app, client, login_as, role, staff):
    """Each GET route of the area with real ids, as a page and as an HTMX request."""
    segments = _demo_segments(staff)
    customer = register_customer(staff, new_customer(CustomerType.FOOD_TRUCK))
    recompute_all(staff.id)
    login_as(role)
    routes = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("segmentation.") and "GET" in rule.methods
    ]
    assert len(routes) >= 8
    for rule in routes:
        for segment in segments if "segment_id" in rule.arguments else segments[:1]:
            values = {"customer_id": customer.id, "segment_id": segment.id}
            url = rule.build(values, append_unknown=False)[1]
            for headers in ({}, HTMX):
                status = client.get(url, headers=headers).status_code
                assert status < 500, (role, url, headers)


@pytest.mark.parametrize(
    ("query", "period"),
    [
        ("to=9999-12-31", "{month_ago} to {today}"),
        ("from=9999-12-31", "{today} to {today}"),
        ("from=0001-01-01&to=0001-01-01", "2000-01-01 to 2000-01-01"),
        ("from=1999-12-31&to=2000-01-02", "2000-01-01 to 2000-01-02"),
    ],
)
def test_the_report_period_is_held_within_the_calendar_it_can_show(client, login_as, query, period):
    login_as("marketing")
    today = utcnow().date()
    days = {"today": today, "month_ago": today - timedelta(days=30)}
    for headers in ({}, {**HTMX, "HX-Target": "report"}):
        response = client.get(f"/segments/report?{query}", headers=headers)
        assert response.status_code == 200
        start, end = (date.fromisoformat(d) for d in period.format(**days).split(" to "))
        # As the formatter shows dates to a reader without a language preference (en_US).
        shown = (format_date(d, "medium", locale="en_US") for d in (start, end))
        assert "Moves from {} to {}".format(*shown) in response.text
