"""Helpers for segmentation tests: rules as compact trees, segments saved through the service."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.customers.models import Customer
from portal.extensions import db
from portal.models import utcnow
from portal.segmentation.compiler import compile_rule
from portal.segmentation.fields import Sources
from portal.segmentation.models import SegmentType
from portal.segmentation.services import SegmentInput, save_segment


def cond(field: str, operator: str, value=None, **extra) -> dict:
    return {"kind": "condition", "field": field, "operator": operator, "value": value, **extra}


def all_of(*children) -> dict:
    return {"kind": "group", "op": "and", "children": list(children)}


def any_of(*children) -> dict:
    return {"kind": "group", "op": "or", "children": list(children)}


def matching(rule: dict, now=None) -> set[str]:
    """Names of the customers a validated rule matches."""
    sources = Sources(now or utcnow())
    matches = compile_rule(rule, sources)  # first: it decides what `join` adds
    return set(db.session.scalars(sources.join(select(Customer.name)).where(matches)))


@pytest.fixture
def make_segment(staff):
    def build(name: str, rule: dict, segment_type=SegmentType.B2C, description: str = ""):
        return save_segment(staff, None, SegmentInput(name, description, segment_type, rule))

    return build
