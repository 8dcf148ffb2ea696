"""Approval workflows: rules per organisation node, requests, queues, delegation, escalation."""

from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

from portal.approvals import cli, views  # noqa: E402, F401  (routes and bp.cli commands)
