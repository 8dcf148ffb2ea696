"""No customer's name, e-mail address or phone number reaches the log: a journey through the
portal (searches by name, every page as sales and compliance, a contact change with its code,
a failed sign-in with a customer's address) is logged at DEBUG and grepped for them."""

from __future__ import annotations

import logging

from sqlalchemy import select

from portal.customers.models import Customer
from portal.customers.services.contact_change import request_contact_change
from portal.customers.values import ContactField
from portal.extensions import db
from portal.logs import redact
from tests.conftest import sign_in_client
from tests.crawler import crawl, route_urls
from tests.world import build_world


def test_a_journey_logs_no_customers_personal_data(make_app, caplog, capfd):
    app = make_app(LOG_FORMAT="json")
    world = build_world()
    customers = db.session.execute(
        select(Customer.id, Customer.name, Customer.email, Customer.phone)
    ).all()
    caplog.set_level(logging.DEBUG)

    client = app.test_client()
    sign_in_client(client, world.users["Sales"])
    for _, name, email, _ in customers[:5]:
        client.get(f"/customers/?q={name}")
        client.get(f"/customers/?q={email}")
    for role in ("Sales", "Compliance officer"):
        sign_in_client(client, world.users[role])
        crawl(client, route_urls(app))
    request_contact_change(
        world.users["Sales"], customers[0].id, ContactField.EMAIL, "new.address@example.net"
    )
    app.test_client().post("/auth/sign-in", data={"email": customers[1].email, "password": "guess"})

    logged = caplog.text + capfd.readouterr().err
    assert "portal.access" in logged  # the JSON access log was written and captured
    leaks = [
        value
        for _, name, email, phone in customers
        for value in (name, email, phone, "new.address@example.net")
        if value and value in logged
    ]
    assert leaks == []
    assert redact("new.address@example.net") in logged or "not logged" in logged
