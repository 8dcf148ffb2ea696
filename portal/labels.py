"""One label catalogue for every enum: each value carries the words people read.

An area's enum subclasses `Labelled` and gives a label where the code alone reads badly
(`NET_60 = "NET_60", "Net 60 days"`); values without one get `humanise(code)`. Templates use the
`label` filter, CSV exports and the generated docs call `label()`, so a code is spelt the same
way on every screen and in every file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache

from wtforms import SelectChoice

# Words kept in capitals when a code is humanised (legal forms, frameworks, units).
ACRONYMS = frozenset(
    {
        "B2B",
        "B2C",
        "CCPA",
        "GDPR",
        "LLC",
        "LLP",
        "PLC",
        "VAT",
        "EU",
        "UK",
        "US",
        "API",
        "DSAR",
        "SMS",
        "ID",
        "DBA",
        "CSV",
        "URL",
        "SSO",
        "OIDC",
        "CLV",
        "CAC",
        "HQ",
    }
)


@lru_cache(maxsize=4096)  # lists label a column per row; the codes are few
def humanise(code: str) -> str:
    """`DIASPORA_COMMUNITY` → "Diaspora community", `NET30` → "Net 30", `llc` → "LLC"."""
    words = re.sub(r"(?<=[A-Za-z])(?=\d)", " ", str(code)).replace("_", " ").replace("-", " ")
    parts = [w for w in words.split(" ") if w]
    out = []
    for i, word in enumerate(parts):
        if word.lower() == "email":  # the house spelling, as in "E-mail" and "alternative e-mail"
            word = "e-mail"
        if word.upper() in ACRONYMS:
            out.append(word.upper())
        elif i == 0:
            out.append(word[:1].upper() + word[1:].lower())
        else:
            out.append(word.lower())
    return " ".join(out)


# Every Labelled code's label, so that a code read back from a column as a plain string reads as
# its member does; a code two enums label differently maps to None and is humanised instead.
_KNOWN: dict[str, str | None] = {}


class Labelled(StrEnum):
    """A StrEnum whose members also have `.label`; declare `CODE = "CODE", "Label"` or just
    `CODE = "CODE"` for the humanised code."""

    label: str

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or humanise(value)
        if _KNOWN.setdefault(value, member.label) != member.label:
            _KNOWN[value] = None
        return member


def declare(codes: Iterable[str], labels: Mapping[str, str] | None = None) -> None:
    """Codes kept as plain strings (a tuple vocabulary, a field name) join the catalogue, with
    the label given in `labels` or their humanised code."""
    for code in codes:
        _KNOWN[code] = (labels or {}).get(code) or humanise(code)


def coded(value: object) -> object:
    """A declared code's label, anything else (free text) unchanged: for values that may be
    either, such as a customer's type fields."""
    if isinstance(value, str) and not isinstance(value, StrEnum):
        return _KNOWN.get(value) or value
    return label(value) if isinstance(value, StrEnum) else value


def label(value: object) -> str:
    """The label of an enum member or of a code one of them declares, else the humanised code;
    '' for None."""
    if value is None:
        return ""
    found = getattr(value, "label", None)
    if isinstance(found, str):
        return found
    return _KNOWN.get(str(value)) or humanise(str(value))


def choices(values: Iterable[object], blank: str | None = None) -> list[SelectChoice]:
    """A select field's options, code and label, in the order given (an enum's declaration
    order), after an empty option labelled `blank` when one is given."""
    head = [SelectChoice("", blank)] if blank is not None else []
    return [*head, *(SelectChoice(str(value), label(value)) for value in values)]
