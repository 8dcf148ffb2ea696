"""The acquisition sources marketing offers at registration, and adds to."""

from __future__ import annotations

from flask import flash
from flask_login import current_user

from portal.customers import bp
from portal.customers.forms.acquisition import SourceForm
from portal.customers.queries.acquisition import acquisition_sources
from portal.customers.services.acquisition import add_acquisition_source
from portal.domain import DomainError
from portal.htmx import redirect_after_post, render
from portal.security.access import require

MARKETING = "customer:segmentation:manage"


def _page(form: SourceForm, status: int = 200):
    return render(
        "customers/acquisition_sources.html",
        status=status,
        form=form,
        sources=acquisition_sources(),
    )


@bp.get("/acquisition-sources")
@require(MARKETING)
def acquisition_sources_list():
    return _page(SourceForm(formdata=None))


@bp.post("/acquisition-sources")
@require(MARKETING)
def acquisition_source_add():
    form = SourceForm()
    if not form.validate():
        return _page(form, status=422)
    try:
        source = add_acquisition_source(
            current_user, form.code.data, form.name.data, form.channel.data
        )
    except DomainError as refused:
        form.show_errors(refused.errors)
        return _page(form, status=422)
    flash(f"{source.name} added to the acquisition sources.", "success")
    return redirect_after_post("customers.acquisition_sources_list")
