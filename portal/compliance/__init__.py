"""Compliance: data-subject requests with their legal deadlines, erasure, access exports,
consent records, retention policies and reports (CustomerDataComplianceService)."""

from flask import Blueprint

bp = Blueprint("compliance", __name__, url_prefix="/compliance")

from portal.compliance import cli, views  # noqa: E402, F401  (routes and bp.cli commands)
