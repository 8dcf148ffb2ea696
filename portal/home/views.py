from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.home import bp, queries
from portal.htmx import render
from portal.models import utcnow
from portal.security import audit
from portal.security.access import public, require
from portal.security.permissions import SIGNED_IN


@bp.get("/")
@require(SIGNED_IN)
def index():
    now = utcnow()
    panels = queries.panels(current_user, now)
    response = render("home/index.html", user=current_user, panels=panels)
    shown = dict(panels).get("customers")
    if shown:  # names of customers are customer data: who saw which is on record
        audit.record_now(
            "customer.home_viewed",
            record_type="customer",
            summary="Home page: recent customers and interactions",
            details={"customers": [c.id for c in shown["recent"]]},
        )
    return response


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="failing", database=f"error: {type(exc).__name__}"), 503
    return jsonify(status="ok", database="ok")
