"""One label catalogue, used everywhere: every vocabulary people see is a Labelled enum (or
declared codes), the codes named in issue 15 read as words, templates show codes through the
label filters and format dates and numbers through the formatter, never by hand."""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum
from pathlib import Path

import pytest

import portal
from portal.labels import Labelled, label

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Enums whose values are column names the code adds to, never shown.
INTERNAL = {"Engagement", "Activity"}


def _modules():
    for info in pkgutil.walk_packages(portal.__path__, "portal."):
        yield importlib.import_module(info.name)


def test_every_enum_people_see_is_labelled():
    plain = {
        f"{module.__name__}.{name}"
        for module in _modules()
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, StrEnum)
        and value.__module__ == module.__name__
        and not issubclass(value, Labelled)
        and name not in INTERNAL
    }
    assert plain == set()


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("NET_60", "Net 60"),
        ("NET60", "Net 60"),  # the organisation's spelling reads as the customer's
        ("LLC", "LLC"),
        ("GDPR", "GDPR"),
        ("CCPA", "CCPA"),
        ("dba_name", "Doing business as"),
        ("DIASPORA_COMMUNITY", "Diaspora community"),
        ("MEDIUM", "Medium"),
        ("REFRIGERATED", "Refrigerated"),
        ("MODERATE", "Moderate"),
        ("B2C", "Consumer"),
        ("PUERTO_RICAN", "Puerto Rican"),
        ("PENDING_VERIFICATION", "Awaiting verification"),
    ],
)
def test_the_codes_people_met_read_as_words(code, words):
    _ = list(_modules())  # every area's vocabulary declared
    assert label(code) == words


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


# For display: a value= or datetime= attribute (machine-read) may still hold an ISO date.
# An ISO date is for machines: in a value="…" or datetime="…" attribute, or a link's argument.
HAND_FORMATS = re.compile(
    r'strftime|"\{:,\}"|\{:,|toLocaleString|(?<!value=")(?<!datetime=")\{\{\s*[\w.]+\.isoformat\(\)\s*\}\}'
)
HAND_LABELS = re.compile(r'replace\("_", " "\)|\| *capitalize|\.title\(\)')


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_formats_by_hand(path):
    text = path.read_text(encoding="utf-8")
    assert HAND_FORMATS.findall(text) == []
    assert HAND_LABELS.findall(text) == []
