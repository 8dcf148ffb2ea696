"""The dashboards through the test client: who opens which, what they show from the rollups,
the filters in the URL, the CSV of each chart."""

from __future__ import annotations

import pytest

from portal.customers.services import add_address, register_customer
from portal.customers.values import ContactInfo, CustomerType
from portal.models import utcnow
from portal.segmentation.models import SegmentType
from portal.segmentation.services import SegmentInput, recompute_all, save_segment
from tests.factories import address, new_customer
from tests.unit.segmentation.conftest import cond

KINDS = [CustomerType.TOURIST, CustomerType.TOURIST, CustomerType.FOOD_TRUCK]
PAGES = ["/dashboards/acquisition", "/dashboards/segments", "/dashboards/quality"]


@pytest.fixture
def registered(staff):
    """Two tourists (one in the UK) and a food truck, all in one segment."""
    everyone = SegmentInput("Everyone", "", SegmentType.B2C, cond("order_count", "gte", 0))
    save_segment(staff, None, everyone)
    people = []
    for n, kind in enumerate(KINDS):
        contact = ContactInfo(email=f"d{n}@example.org")
        data = new_customer(kind, name=f"Dash {n}", contact=contact)
        people.append(register_customer(staff, data))
    add_address(staff, people[0].id, address(country="gb", postal_code="SW1A 1AA"))
    recompute_all(staff.id)
    return people


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("marketing", {"/dashboards/acquisition", "/dashboards/segments"}),
        ("sales", {"/dashboards/quality"}),
        ("compliance_officer", {"/dashboards/compliance"}),
        ("administrator", {*PAGES, "/dashboards/compliance"}),
    ],
)
def test_each_role_opens_its_dashboards_only(client, login_as, role, allowed):
    login_as(role)
    for page in [*PAGES, "/dashboards/compliance"]:
        assert client.get(page).status_code == (200 if page in allowed else 403), page
    index = client.get("/dashboards/").get_data(as_text=True)
    assert all(page in index for page in allowed)


def test_acquisition_counts_registrations_by_type_and_country(client, login_as, registered):
    login_as("marketing")
    today = utcnow().date().isoformat()
    page = client.get(f"/dashboards/acquisition?by=day&from={today}&to={today}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-value="2"' in text  # two tourists today
    assert "GB" in text
    htmx = {"HX-Request": "true", "HX-Target": "dashboard"}
    block = client.get(f"/dashboards/acquisition?by=month&from={today}", headers=htmx)
    assert block.status_code == 200
    assert "<h1>" not in block.get_data(as_text=True)  # the charts alone, for the swap
    only_trucks = client.get("/dashboards/acquisition.csv")
    assert only_trucks.status_code == 404
    csv = client.get(
        f"/dashboards/acquisition/registrations.csv?by=day&from={today}&to={today}&type=FOOD_TRUCK"
    )
    assert csv.status_code == 200
    assert csv.get_data(as_text=True).splitlines()[1:] == [f"{today},1"]


def test_segments_show_sizes_moves_and_members(client, login_as, registered):
    login_as("marketing")
    text = client.get("/dashboards/segments").get_data(as_text=True)
    assert "First assignment → Everyone" in text
    csv = client.get("/dashboards/segments/members.csv").get_data(as_text=True)
    assert csv.splitlines()[1] == "Everyone,2"


def test_quality_shows_completeness_and_the_duplicate_figures(client, login_as, registered):
    login_as("sales")
    text = client.get("/dashboards/quality").get_data(as_text=True)
    assert "Merges undone" in text
    assert "Open under a week: 0" in text
    csv = client.get("/dashboards/quality/completeness.csv").get_data(as_text=True)
    header, *rows = csv.splitlines()
    assert header.startswith("Customer type,E-mail,Phone,Alternative e-mail,")
    assert rows[1].startswith("Tourist,100.0,0.0,")


def test_a_csv_of_another_roles_dashboard_is_forbidden(client, login_as):
    login_as("marketing")
    assert client.get("/dashboards/compliance/requests.csv").status_code == 403
    assert client.get("/dashboards/nope/requests.csv").status_code == 404
