"""The insight pages: the profile panel, the at-risk list and its CSV, the model runs, the rule
fields in the segment preview; who may see them."""

from __future__ import annotations

import csv
import io

import pytest

from portal.insights.values import ChurnBand
from portal.security.models import AuditEntry
from tests.insights_world import customer, good_run, orders, scores

HTMX = {"HX-Request": "true"}


@pytest.fixture
def run():
    return good_run()


def test_profile_panel_shows_stored_scores(client, login_as, staff, run):
    login_as("sales")
    who = customer(staff, "Marcia Campbell")
    orders(who, (94, 4200), (115, 3900))
    scores(who, run_id=run.id)

    page = client.get(f"/customers/{who}?tab=insights").get_data(as_text=True)
    assert "/insights/customers/" in page  # the tab loads the panel

    panel = client.get(f"/insights/customers/{who}", headers=HTMX)
    text = panel.get_data(as_text=True)
    assert panel.status_code == 200
    assert "$1,250.00" in text
    assert "Usually orders every 21 days; last order 94 days ago" in text
    assert "High" in text
    assert "At risk" in text
    assert "5 hours ago</time> by model v" in text
    assert f"by model v{run.id}." in text
    assert "<polyline" in text
    assert "A newer model" not in text
    assert AuditEntry.query.filter_by(action="customer.viewed", record_id=who).count() >= 1

    newer = good_run()
    text = client.get(f"/insights/customers/{who}", headers=HTMX).get_data(as_text=True)
    assert f"A newer model v{newer.id} has run since." in text


def test_panel_of_a_customer_never_scored_says_so(client, login_as, staff):
    login_as("sales")
    who = customer(staff, "New Person")
    text = client.get(f"/insights/customers/{who}").get_data(as_text=True)
    assert "Not scored" in text


def test_panel_of_an_unknown_customer_is_404(client, login_as):
    login_as("sales")
    assert client.get("/insights/customers/nobody").status_code == 404


def test_support_may_not_see_insights(client, login_as, staff, run):
    login_as("support")
    who = customer(staff, "Marcia Campbell")
    assert client.get("/insights/").status_code == 403
    assert client.get(f"/insights/customers/{who}").status_code == 403
    assert client.get("/insights/at-risk").status_code == 403
    assert client.get("/insights/at-risk.csv").status_code == 403


def test_at_risk_list_high_value_first_and_csv(client, login_as, staff, run):
    login_as("marketing")
    low = customer(staff, "Low Value")
    high = customer(staff, "High Value")
    safe = customer(staff, "Safe Customer")
    scores(low, run_id=run.id, clv_minor=1_000)
    scores(high, run_id=run.id, clv_minor=900_000)
    scores(safe, run_id=run.id, churn_band=ChurnBand.LOW, p_alive=0.95)

    text = client.get("/insights/at-risk").get_data(as_text=True)
    fragment = client.get("/insights/at-risk?page=1", headers=HTMX)
    assert fragment.status_code == 200
    assert "High Value" in fragment.get_data(as_text=True)
    assert text.index("High Value") < text.index("Low Value")
    assert "Safe Customer" not in text

    export = client.get("/insights/at-risk.csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["name"] for r in rows] == ["High Value", "Low Value"]
    assert rows[0]["clv_minor"] == "900000"


def test_at_risk_bad_page_is_422(client, login_as):
    login_as("marketing")
    assert client.get("/insights/at-risk?page=0").status_code == 422
    assert client.get("/insights/at-risk?page=x").status_code == 422


def test_runs_page_says_when_the_last_fit_failed(client, login_as, run):
    from portal.extensions import db
    from portal.insights.models import InsightModelRun

    db.session.add(
        InsightModelRun(
            converged=False, params={}, message="Not converged: q <= 1", customers_scored=0
        )
    )
    db.session.commit()
    login_as("administrator")
    text = client.get("/insights/runs").get_data(as_text=True)
    assert "did not converge" in text
    assert f"still those of v{run.id}" in text


def test_index_says_where_the_scores_stand(client, login_as, run):
    from portal.extensions import db
    from portal.insights.models import COUNTS, InsightModelRun

    login_as("sales")
    text = client.get("/insights/").get_data(as_text=True)
    assert f"v{run.id}" in text
    assert "counted by each refresh from now on" in text  # a run older than the counts

    counted = good_run()
    counted.params = counted.params | {
        COUNTS: {"churn_band": {"high": 7, "low": 2}, "stage": {"at risk": 5, "new": 4}}
    }
    db.session.add(InsightModelRun(converged=False, params={}, message="Not converged: q <= 1"))
    db.session.commit()
    text = client.get("/insights/").get_data(as_text=True)
    assert "did not converge: Not converged: q &lt;= 1" in text
    assert f"still those of v{counted.id}" in text
    assert 'href="/insights/at-risk" data-stat="band-high"><strong>7</strong>' in text
    assert 'data-stat="band-medium"><strong>0</strong>' in text
    assert '<th scope="row">At risk</th><td class="number">5</td>' in text
    assert '<th scope="row">Won back</th><td class="number">0</td>' in text


def test_segment_preview_knows_the_churn_band(client, login_as, staff, run):
    login_as("marketing")
    risky = customer(staff, "Risky One")
    safe = customer(staff, "Safe One")
    scores(risky, run_id=run.id)
    scores(safe, run_id=run.id, churn_band=ChurnBand.LOW, p_alive=0.9)
    form = {
        "type": "B2C",
        "r.kind": "condition",
        "r.field": "churn_band",
        "r.operator": "in",
        "r.value": "high",
    }
    text = client.post("/segments/preview", data=form, headers=HTMX).get_data(as_text=True)
    assert '<dd id="preview-matching">1</dd>' in text
    assert "Risky One" in text
    assert "Safe One" not in text
    builder = client.post("/segments/editor", data=form, headers=HTMX).get_data(as_text=True)
    assert "Churn risk" in builder
    assert "Lifetime value" in builder
