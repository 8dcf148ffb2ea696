"""Operations: the Prometheus scrape endpoint and the figures it reads from the database."""

from flask import Blueprint

bp = Blueprint("operations", __name__)

from portal.operations import views  # noqa: E402, F401
