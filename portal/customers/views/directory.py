"""The customer directory: list and active search, CSV import/export, the review queue."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask_login import current_user

from portal.customers import bp, services
from portal.customers.forms.directory import DirectoryForm, ImportForm, ReviewQueueForm
from portal.customers.queries import directory as queries
from portal.htmx import is_htmx, render
from portal.idempotency import create_once
from portal.labels import label
from portal.metrics import customer_lookup
from portal.security import audit
from portal.security.access import require
from portal.spreadsheet import csv_chunks

RESULTS = "customer-results"
# The export keeps each vocabulary's code under the import's column name (customer_type, what
# the import and the API read) and puts its label in a column beside it for people; times are
# ISO 8601 in UTC, as spreadsheets and scripts parse them.
EXPORT_COLUMNS = (
    "id",
    "name",
    "customer_type",
    "customer_type_label",
    "status",
    "status_label",
    "email",
    "phone",
    "country",
    "created_at",
)
PICKER_SIZE = 10
LABELLED = {"customer_type_label": "customer_type", "status_label": "status"}


def _export_cells(row) -> list:
    return [
        label(getattr(row, LABELLED[name])) if name in LABELLED else getattr(row, name)
        for name in EXPORT_COLUMNS
    ]


IMPORT_COLUMNS = {
    "required": services.importing.REQUIRED_COLUMNS,
    "profile": services.importing.COLUMNS[len(services.importing.REQUIRED_COLUMNS) :],
    "address": services.importing.ADDRESS_COLUMNS,
    "max_rows": services.importing.MAX_ROWS,
}


@bp.get("/")
@customer_lookup
@require("customer:read")
def customer_list():
    form = DirectoryForm(request.args)
    if not form.validate():
        response = render("customers/list.html", form=form, page=None, state={}, status=422)
        # The messages belong next to the filter fields, outside the results an HTMX call targets.
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "innerHTML"})
        return response
    state = form.state()
    page = queries.customer_list(form.filters(), form.page.data or 1, form.per_page.data)
    block = "results" if request.htmx.target == RESULTS else "content"
    response = render("customers/list.html", form=form, page=page, state=state, block=block)
    # After rendering: its commit would expire the user the page still reads. Nothing is sent
    # unless the entry is stored.
    audit.record_now(
        "customer.list_viewed",
        record_type="customer",
        summary=f"Customer list, page {page.page}",
        details={**state, "page": page.page},
    )
    if is_htmx():
        # The form pushes every field, empty ones too; the address bar gets the tidy URL.
        args = {**state, "page": page.page} if page.page > 1 else state
        response.headers["HX-Push-Url"] = url_for("customers.customer_list", **args)
    return response


@bp.get("/pick")
@require("customer:read")
def customer_pick():
    """A fragment only: a customer picker's options (templates/_macros/picker.html), the
    directory search of what is typed in the field, which sends itself as `customer_id`."""
    typed = request.args.get("customer_id", "")[:100]
    page = queries.customer_list(queries.DirectoryFilter(q=typed), 1, PICKER_SIZE)
    audit.record_now(
        "customer.list_viewed",
        record_type="customer",
        summary="Customer picker",
        details={"q": typed},
    )
    return render_template("customers/_customer_options.html", rows=page.rows if typed else [])


@bp.get("/export.csv")
@require("customer:read")
def customer_export():
    form = DirectoryForm(request.args)
    if not form.validate():
        return render("customers/list.html", form=form, page=None, state={}, status=422)
    filters = form.filters()
    count = queries.customer_count(filters)
    # Recorded before the first byte leaves, so an export cut short is on record too.
    audit.record_now(
        "customer.exported",
        record_type="customer",
        summary=f"Exported {count} customers",
        details={**form.state(), "count": count},
    )
    rows = queries.customer_export(filters)
    return Response(
        csv_chunks(EXPORT_COLUMNS, map(_export_cells, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=customers.csv"},
    )


@bp.get("/import")
@require("customer:manage")
def import_form():
    return render("customers/import.html", form=ImportForm(), report=None, columns=IMPORT_COLUMNS)


@bp.post("/import")
@require("customer:manage")
def import_run():
    form = ImportForm()
    report, status, resent = None, 422, False
    if form.validate_on_submit():
        content, dry_run = form.file.data.read(), form.dry_run.data

        def run():
            user = current_user._get_current_object()
            return services.import_customers(user, content, dry_run=dry_run)

        try:
            if dry_run:
                report = run()
            else:  # a real import runs once, however often its form is sent
                listed = url_for("customers.customer_list")
                report = create_once(current_user, form, run, lambda _: listed).created
                resent = report is None
                form = ImportForm(formdata=None)  # the next file is another import
            status = 200
        except services.ImportRefused as exc:
            form.file.errors = exc.errors["file"]
    return render(
        "customers/import.html",
        form=form,
        report=report,
        resent=resent,
        columns=IMPORT_COLUMNS,
        status=status,
    )


@bp.get("/review")
@require("customer:read")
def review_queue():
    form = ReviewQueueForm(request.args)
    if not form.validate():
        return render("customers/review.html", form=form, page=None, status=422)
    page = queries.review_queue(form.page.data or 1, queries.PAGE_SIZES[0])
    audit.record_now(
        "customer.review_queue_viewed",
        record_type="customer",
        summary=f"Review queue, page {page.page}",
        details={"page": page.page},
    )
    return render("customers/review.html", form=form, page=page)
