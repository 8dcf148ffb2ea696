"""The retention policies page and its last runs."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user

from portal.compliance import bp, queries
from portal.compliance.forms import ButtonForm, RetentionForm, RetentionRunForm
from portal.compliance.retention import (
    DESCRIPTIONS,
    apply_retention,
    policies,
    preview_current,
    save_policy,
)
from portal.compliance.values import RetentionRule
from portal.customers.queries.retention import retention_follow_up_page
from portal.formatting import format_number
from portal.htmx import redirect_after_post, render
from portal.models import utcnow
from portal.security.access import require

MANAGE = "customer:compliance:manage"


def _page(*, status=200, failed=None, run_form=None):
    forms = {
        p.rule: RetentionForm(
            formdata=None, prefix=p.rule.lower(), months=p.months, enabled=p.enabled
        )
        for p in policies()
    }
    if failed is not None:
        forms[failed[0]] = failed[1]
    runs = queries.recent_retention_runs()
    # The latest run, when a dry run, is the preview an officer may confirm.
    preview = runs[0] if runs and runs[0].dry_run else None
    return render(
        "compliance/retention.html",
        status=status,
        policies=policies(),
        forms=forms,
        runs=runs,
        preview=preview,
        button=ButtonForm(),
        run_form=run_form or RetentionRunForm(formdata=None, preview=preview and preview.id),
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


@bp.post("/retention/preview")
@require(MANAGE)
def retention_preview():
    """A dry run: what the policies would change now, counted per rule (stored and audited)."""
    if not ButtonForm().validate():
        return _page(status=422)
    apply_retention(utcnow(), dry_run=True, actor=current_user)
    flash("Dry run done: nothing was changed. Check the counts below, then apply.", "success")
    return redirect_after_post("compliance.retention")


@bp.post("/retention/apply")
@require(MANAGE)
def retention_apply():
    """Apply the policies, after the officer saw the latest dry run's counts."""
    form = RetentionRunForm()
    if not form.validate():
        return _page(status=422, run_form=form)
    now = utcnow()
    if not preview_current(form.preview.data, now):
        form.preview.errors = [
            "A policy was saved, another run made or an hour passed since this preview: "
            "preview again."
        ]
        return _page(status=409, run_form=form)
    run = apply_retention(now, dry_run=False, actor=current_user)
    changed = sum(r["count"] for r in run.report.values())
    flash(f"Retention applied: {format_number(changed)} records changed.", "success")
    return redirect_after_post("compliance.retention")


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
