"""Administrators' pages: the roles and their permissions, the audit log."""

from __future__ import annotations

from flask import current_app, request

from portal.htmx import render
from portal.security import bp, queries
from portal.security.access import require
from portal.security.forms import AuditFilterForm
from portal.security.permissions import PERMISSIONS


@bp.get("/roles")
@require("admin:roles:read")
def roles():
    return render("admin/roles.html", roles=queries.roles_with_permissions(), catalogue=PERMISSIONS)


@bp.get("/audit")
@require("admin:audit:read")
def audit_log():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Any action")] + [(a, a) for a in queries.audit_actions()]
    status = 200
    if form.validate():
        filters = queries.AuditFilter(
            user=(form.user.data or "").strip(),
            action=form.action.data or "",
            outcome=form.outcome.data or "",
            record=(form.record.data or "").strip(),
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        page = queries.audit_log(
            filters, form.page.data or 1, current_app.config["AUDIT_PAGE_SIZE"]
        )
    else:
        page, status = None, 422
    block = "results" if request.htmx.target == "audit-results" else "content"
    return render("admin/audit.html", form=form, page=page, block=block, status=status)
