from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.home import bp
from portal.htmx import render
from portal.security.access import public, require
from portal.security.permissions import SIGNED_IN


@bp.get("/")
@require(SIGNED_IN)
def index():
    return render("home/index.html", user=current_user)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="failing", database=f"error: {type(exc).__name__}"), 503
    return jsonify(status="ok", database="ok")
