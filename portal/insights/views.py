"""Insight pages: where the scores stand, a customer's panel (loaded by the profile's Insights
tab), the at-risk list with its CSV export, and the model runs."""

from __future__ import annotations

from flask import Response, abort, request

from portal.htmx import render
from portal.insights import bp, queries, rules
from portal.insights.forms import AtRiskForm
from portal.models import utcnow
from portal.security import audit
from portal.security.access import require
from portal.spreadsheet import csv_chunks

EXPORT_COLUMNS = (
    "customer_id",
    "name",
    "currency",
    "clv_minor",
    "p_alive",
    "churn_band",
    "explanation",
    "stage",
    "last_order_at",
)


@bp.get("/")
@require("customer:insights:read")
def index():
    """The model's status (the last refresh, the version in force, how old its scores are,
    whether the last fit failed) and customers per churn band and stage: counts, no
    customer's data."""
    return render("insights/index.html", standing=queries.standing(), now=utcnow())


@bp.get("/customers/<customer_id>")
@require("customer:insights:read")
def customer_panel(customer_id: str):
    """Lifetime value, expected orders, churn risk with its reason, the stage, the spend of
    the last twelve months and the favourite categories, the recommendations with their reason
    and a business customer's upsell: stored scores, nothing is fitted here."""
    found = queries.panel(customer_id)
    if found is None:
        abort(404)
    customer, scores = found.customer, found.scores
    spend = queries.monthly_spend(customer.id, scores.currency, utcnow()) if scores else []
    response = render(
        "insights/customer_panel.html",
        block="panel",
        customer=customer,
        scores=scores,
        newest_run_id=found.newest_run_id,
        spark=rules.sparkline(spend),
        spend=spend,
        stages=queries.stage_history(customer.id),
        recommendations=queries.recommendations(customer.id),
        upsell=queries.upsell(customer.id),
        favourites=queries.favourite_categories(customer.id),
    )
    audit.record_now(
        "customer.viewed",
        record_type="customer",
        record_id=customer.id,
        summary="Viewed the insights panel",
        details={"tab": "insights"},
    )
    return response


@bp.get("/at-risk")
@require("customer:insights:read")
def at_risk():
    form = AtRiskForm(request.args)
    if not form.validate():
        return render("insights/at_risk.html", form=form, page=None, status=422)
    page = queries.at_risk(form.page.data or 1)
    response = render("insights/at_risk.html", block="results", form=form, page=page)
    audit.record_now(
        "customer.listed",
        record_type="customer",
        summary=f"At-risk list, page {page.page}",
        details={"page": page.page},
    )
    return response


@bp.get("/at-risk.csv")
@require("customer:insights:read")
def at_risk_export():
    # Recorded before the first byte leaves, so an export cut short is on record too.
    audit.record_now(
        "customer.exported", record_type="customer", summary="Exported the at-risk list"
    )
    rows = queries.at_risk_export()
    return Response(
        csv_chunks(EXPORT_COLUMNS, ((getattr(row, c) for c in EXPORT_COLUMNS) for row in rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=at-risk-customers.csv"},
    )


@bp.get("/runs")
@require("customer:insights:read")
def model_runs():
    runs = queries.model_runs()
    return render("insights/runs.html", runs=runs, good=queries.last_good_run())
