"""The dashboards: acquisition and segmentation for marketing, data quality for customer
managers, compliance for officers. Every chart has a CSV of the same rows; the filters are
plain GET arguments, so a view can be bookmarked and shared."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, request
from flask_login import current_user

from portal.customers.queries.acquisition import source_choices, source_names
from portal.customers.values import AcquisitionChannel, CustomerType
from portal.dashboards import acquisition as by_source
from portal.dashboards import bp, duplicates, quality, queries, segmentation
from portal.dashboards.forms import SpendForm, spend_form
from portal.dashboards.queries import Figure, Filters, spend_entries
from portal.dashboards.services import record_marketing_spend
from portal.dashboards.values import COMPLIANCE, CUSTOMERS, DASHBOARDS, MARKETING
from portal.domain import DomainError
from portal.htmx import redirect_after_post, render
from portal.security.access import require
from portal.security.permissions import SIGNED_IN
from portal.spreadsheet import records_csv

# (dashboard, chart) → the figure; each takes the filters (unused by some).
CHARTS: dict[tuple[str, str], Callable[[Filters], Figure]] = {
    ("acquisition", "registrations"): queries.registrations,
    ("acquisition", "geography"): queries.geography,
    ("acquisition", "channels"): by_source.registrations_by_channel,
    ("acquisition", "sources"): by_source.registrations_by_source,
    ("acquisition", "funnel-channel"): lambda f: by_source.funnel(f, "channel"),
    ("acquisition", "funnel-type"): lambda f: by_source.funnel(f, "type"),
    ("acquisition", "cost"): by_source.acquisition_cost,
    ("acquisition", "cost-segment"): by_source.cost_by_segment,
    ("segments", "sizes"): queries.segment_sizes,
    ("segments", "moves"): queries.segment_flow,
    ("segments", "members"): lambda f: queries.segment_now(),
    ("segments", "velocity"): segmentation.velocity,
    ("segments", "performance"): segmentation.performance,
    ("segments", "frequency"): segmentation.frequency,
    ("segments", "churn"): segmentation.churn_mix,
    ("segments", "lift"): segmentation.lift,
    ("quality", "completeness"): lambda f: queries.completeness(),
    ("quality", "trend"): quality.completeness_trend,
    ("quality", "by-segment"): quality.completeness_by_segment,
    ("quality", "addresses"): quality.address_checks,
    ("quality", "address-rate"): quality.address_success,
    ("compliance", "completeness"): lambda f: queries.completeness(),
    ("compliance", "requests"): lambda f: queries.requests_by_framework(),
    ("compliance", "consent"): lambda f: queries.consent_coverage(),
}


def _page(name: str, **context):
    filters = Filters.parse(request.args)
    figures = {chart: build(filters) for (page, chart), build in CHARTS.items() if page == name}
    return render(
        f"dashboards/{name}.html",
        block="content" if not request.htmx.target else "dashboard",
        filters=filters,
        figures=figures,
        types=list(CustomerType),
        periods=queries.PERIODS,
        **context,
    )


@bp.get("/")
@require(SIGNED_IN)
def index():
    mine = [
        (title, endpoint)
        for permission, title, endpoint in DASHBOARDS.values()
        if current_user.can(permission)
    ]
    return render("dashboards/index.html", dashboards=mine)


@bp.get("/acquisition")
@require(MARKETING)
def acquisition():
    return _page(
        "acquisition",
        channels=list(AcquisitionChannel),
        sources=source_choices("All"),
        segments=segmentation.choices(),
        segments_taken_on=by_source.segments_taken_on(),
    )


@bp.get("/segments")
@require(MARKETING)
def segments():
    return _page("segments")


@bp.get("/quality")
@require(CUSTOMERS)
def quality():
    return _page(
        "quality", duplicates=duplicates.resolution_metrics(), segments=segmentation.choices()
    )


@bp.get("/compliance")
@require(COMPLIANCE)
def compliance():
    return _page("compliance", retention_runs=queries.retention_runs())


@bp.get("/<page>/<chart>.csv")
@require(SIGNED_IN)
def chart_csv(page: str, chart: str):
    build = CHARTS.get((page, chart))
    if build is None:
        abort(404)
    if not current_user.can(DASHBOARDS[page][0]):
        abort(403)
    figure = build(Filters.parse(request.args))
    return Response(
        records_csv(figure.rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{page}-{chart}.csv"'},
    )


@bp.get("/acquisition/spend")
@require(MARKETING)
def spend_list():
    """The spend marketing entered, latest months first, and the form to enter more."""
    return _spend_page(spend_form(formdata=None))


@bp.post("/acquisition/spend")
@require(MARKETING)
def spend_record():
    form = spend_form()
    valid = form.validate()  # first: validating clears the messages the parsing below gives
    month, amount = form.chosen_month(), form.amount_minor()
    if not valid or month is None or amount is None:
        return _spend_page(form, status=422)
    try:
        record_marketing_spend(current_user, form.source.data, month, form.currency.data, amount)
    except DomainError as refused:
        form.show_errors(refused.errors)
        return _spend_page(form, status=422)
    flash(f"Spend for {month:%Y-%m} saved.", "success")
    return redirect_after_post("dashboards.spend_list")


def _spend_page(form: SpendForm, status: int = 200):
    return render(
        "dashboards/spend.html",
        status=status,
        form=form,
        spend=spend_entries(),
        names=source_names(),
    )
