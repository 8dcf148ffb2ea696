"""The retention policies page and its last runs."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user

from portal.compliance import bp, queries
from portal.compliance.forms import RetentionForm
from portal.compliance.retention import DESCRIPTIONS, policies, save_policy
from portal.compliance.values import RetentionRule
from portal.customers.queries.retention import retention_follow_up_page
from portal.htmx import redirect_after_post, render
from portal.models import utcnow
from portal.security.access import require

MANAGE = "customer:compliance:manage"


def _page(*, status=200, failed=None):
    forms = {
        p.rule: RetentionForm(
            formdata=None, prefix=p.rule.lower(), months=p.months, enabled=p.enabled
        )
        for p in policies()
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render(
        "compliance/retention.html",
        status=status,
        policies=policies(),
        forms=forms,
        runs=queries.recent_retention_runs(),
        descriptions=DESCRIPTIONS,
        # Names the customers: only for those who may read customers.
        follow_ups=retention_follow_up_page(request.args.get("page", 1, type=int) or 1)
        if current_user.can("customer:read")
        else None,
    )


@bp.get("/retention")
@require(MANAGE)
def retention():
    return _page()


@bp.post("/retention/<rule>")
@require(MANAGE)
def retention_save(rule: str):
    if rule not in RetentionRule.__members__:
        abort(404)
    form = RetentionForm(prefix=rule.lower())
    if not form.validate():
        return _page(status=422, failed=(RetentionRule(rule), form))
    save_policy(current_user, RetentionRule(rule), form.months.data, form.enabled.data, utcnow())
    flash(f"“{RetentionRule(rule).label}” is saved.", "success")
    return redirect_after_post("compliance.retention")
