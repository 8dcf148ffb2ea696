"""The dashboards: acquisition and segmentation for marketing, data quality for customer
managers, compliance for officers. Every chart has a CSV of the same rows; the filters are
plain GET arguments, so a view can be bookmarked and shared."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, request
from flask_login import current_user

from portal.customers.values import CustomerType
from portal.dashboards import bp, duplicates, quality, queries, segmentation
from portal.dashboards.queries import Figure, Filters
from portal.dashboards.values import COMPLIANCE, CUSTOMERS, DASHBOARDS, MARKETING
from portal.htmx import render
from portal.security.access import require
from portal.security.permissions import SIGNED_IN
from portal.spreadsheet import records_csv

# (dashboard, chart) → the figure; each takes the filters (unused by some).
CHARTS: dict[tuple[str, str], Callable[[Filters], Figure]] = {
    ("acquisition", "registrations"): queries.registrations,
    ("acquisition", "geography"): queries.geography,
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
    return _page("acquisition")


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
