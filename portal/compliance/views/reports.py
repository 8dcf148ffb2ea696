"""Compliance reports with CSV exports, and the customer-data access log explorer."""

from __future__ import annotations

from flask import Response, abort, request

from portal.compliance import bp, reports
from portal.compliance.services._common import today
from portal.htmx import render
from portal.security.access import require
from portal.spreadsheet import records_csv

MANAGE = "customer:compliance:manage"


@bp.get("/reports")
@require(MANAGE)
def reports_page():
    record = reports.request_record(today())
    return render(
        "compliance/reports.html",
        by_type=reports.breakdown(record, "type"),
        by_status=reports.breakdown(record, "status"),
        by_jurisdiction=reports.breakdown(record, "jurisdiction"),
        monthly=reports.monthly(record, today()),
        consent=reports.consent_rates(),
        quality=reports.data_quality(),
    )


@bp.get("/access-log")
@require(MANAGE)
def access_log():
    customer_id = request.args.get("customer", "")
    user = request.args.get("user", "")
    return render(
        "compliance/access_log.html",
        block="results" if request.htmx.target == "access-results" else "content",
        rows=reports.access_log(customer_id, user),
        customer_id=customer_id,
        user=user,
    )


CSV_REPORTS = {
    "requests": lambda: reports.request_record(today()),
    "consent": reports.consent_rates,
    "quality": reports.data_quality,
    "access": lambda: reports.access_log(
        request.args.get("customer", ""), request.args.get("user", ""), limit=100_000
    ),
}


@bp.get("/reports/<name>.csv")
@require(MANAGE)
def report_csv(name: str):
    if name not in CSV_REPORTS:
        abort(404)
    return Response(
        records_csv(CSV_REPORTS[name]()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="compliance-{name}.csv"'},
    )
