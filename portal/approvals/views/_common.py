"""What the approval pages share: loading a request the user may see, the page context."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from portal.approvals import directory, queries, rules
from portal.approvals.models import ApprovalRequest
from portal.approvals.services._common import tier_state
from portal.approvals.values import Status
from portal.extensions import db
from portal.htmx import see_other
from portal.models import utcnow


def load_request_or_404(request_id: str) -> ApprovalRequest:
    request = db.session.get(ApprovalRequest, request_id)
    if request is None or not queries.can_see(current_user, request, utcnow().date()):
        abort(404)
    return request


def may_decide(request: ApprovalRequest) -> bool:
    if request.status != Status.PENDING.value:
        return False
    delegators = directory.delegators_of(current_user.id, request, utcnow().date())
    try:
        rules.capacity(tier_state(request), current_user.id, request.requester_id, delegators)
    except rules.NotAllowed:
        return False
    return True


def done(message: str, endpoint: str, **values):
    """A flash, then 303 to the page; for HTMX, HX-Redirect: the next page is a whole page
    (its flash, the navigation's count), whichever fragment the post came from."""
    return done_at(message, url_for(endpoint, **values))


def done_at(message: str, target: str):
    """`done` with the URL already built (a create's recorded result)."""
    flash(message, "success")
    return see_other(target, whole_page=True)
