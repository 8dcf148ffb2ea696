"""What the profile's views share: tab contents, in-place sections, saved and conflict answers.

A section of the profile (details, contact, status, addresses, preferences, interactions) is a
fragment with an id. Its edit form replaces it in place; HTMX gets fragments, and without
JavaScript the same fragment is served inside a page.
"""

from __future__ import annotations

from flask import Response, flash, request

from portal.customers import journey, overview
from portal.customers.forms.activity import (
    ContactCodeForm,
    InteractionFilterForm,
    InteractionForm,
    JourneyFilterForm,
)
from portal.customers.models import Customer
from portal.customers.queries import profile as queries
from portal.htmx import is_htmx, redirect_after_post, render

# (tab, label, permission): the segment, insights, loyalty and consent tabs load their panels
# from the segmentation, insights, loyalty and compliance areas, which own that data.
TABS = {
    "overview": ("Overview", "customer:read"),
    "addresses": ("Addresses", "customer:read"),
    "preferences": ("Preferences", "customer:read"),
    "interactions": ("Interactions", "customer:read"),
    "segment": ("Segment", "customer:read"),
    "insights": ("Insights", "customer:insights:read"),
    "loyalty": ("Loyalty", "customer:read"),
    "consent": ("Consent", "customer:compliance:manage"),
    "journey": ("Journey", "customer:read"),
    "history": ("Change history", "customer:read"),
}


RECENT_INTERACTIONS = 5


def visible_tabs(user) -> dict[str, str]:
    return {name: label for name, (label, permission) in TABS.items() if user.can(permission)}


def tab_context(customer: Customer, tab: str) -> tuple[dict, int]:
    """What the tab shows, and the status to answer with (422 for bad interaction filters)."""
    if tab == "overview":
        return overview_context(customer), 200
    if tab == "journey":
        return journey_context(customer, request.args)
    if tab == "interactions":
        return interactions_context(customer, request.args)
    if tab == "history":
        return {"history": queries.change_history(customer.id)}, 200
    return {}, 200


def contact_context(customer: Customer, **code_forms: ContactCodeForm) -> dict:
    """Pending primary e-mail/phone changes, each with the form to enter its code."""
    pending = queries.pending_contact_changes(customer.id)
    forms = {name: ContactCodeForm(formdata=None, prefix=name) for name in pending}
    return {"pending": pending, "code_forms": forms | code_forms}


def overview_context(customer: Customer) -> dict:
    """The glance panels (some loaded by the areas that keep their data) and the sections."""
    return {
        **contact_context(customer),
        "overview": overview.load(customer),
        "recent": queries.recent_interactions(customer.id, RECENT_INTERACTIONS),
    }


def journey_context(customer: Customer, args) -> tuple[dict, int]:
    filters = JourneyFilterForm(args)
    if not filters.validate():
        return {"filters": filters, "journey": None}, 422
    page = journey.timeline(customer.id, filters.filters())
    return {"filters": filters, "journey": page, "journey_args": filters.state()}, 200


def interactions_context(
    customer: Customer, args, form: InteractionForm | None = None
) -> tuple[dict, int]:
    """The interactions tab: filtered list, the latest one, and the form to record one."""
    filters = InteractionFilterForm(args)
    context = {
        "filters": filters,
        "latest": queries.latest_interaction(customer.id),
        "form": form or InteractionForm(formdata=None),
    }
    if not filters.validate():
        return {**context, "interactions": None}, 422
    chosen = queries.InteractionFilter(
        type=filters.type.data or "", date_from=filters.date_from.data, date_to=filters.date_to.data
    )
    return {**context, "interactions": queries.interactions(customer.id, chosen)}, 200


def section(template: str, customer: Customer, *, tab: str, status: int = 200, **context):
    """The section fragment for HTMX; without JavaScript, a page around it."""
    return render(
        "customers/_profile_page.html",
        block="section",
        status=status,
        section=template,
        customer=customer,
        tab=tab,
        **context,
    )


def saved(template: str, customer: Customer, *, target: str, tab: str, **context) -> Response:
    """After a change: HTMX gets the read-only section (and a fresh header, since status,
    name or orderability may have changed); a plain form post goes back to the profile tab."""
    flash("Saved.", "success")
    if not is_htmx():
        return redirect_after_post("customers.profile", customer_id=customer.id, tab=tab)
    response = render(
        "customers/_profile_saved.html", section=template, customer=customer, tab=tab, **context
    )
    # Forms inside a list (one address) answer with the whole list (defaults move).
    response.headers["HX-Retarget"] = f"#{target}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def conflict(
    customer: Customer, *, target: str, tab: str, current: dict, submitted: dict, reload: str
) -> Response:
    """409: someone saved first. Shows their values beside the user's, and a way to reload."""
    differences = queries.changes({k: current.get(k) for k in submitted}, submitted)
    return section(
        "customers/_profile_conflict.html",
        customer,
        tab=tab,
        status=409,
        target=target,
        differences=differences,
        reload=reload,
    )
