"""One label catalogue for every enum: each value carries the words people read.

An area's enum subclasses `Labelled` and gives a label where the code alone reads badly
(`NET_60 = "NET_60", "Net 60 days"`); values without one get `humanise(code)`. Templates use the
`label` filter, CSV exports and the generated docs call `label()`, so a code is spelt the same
way on every screen and in every file.
"""

from __future__ import annotations

import re
from enum import StrEnum

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


def humanise(code: str) -> str:
    """`DIASPORA_COMMUNITY` → "Diaspora community", `NET30` → "Net 30", `llc` → "LLC"."""
    words = re.sub(r"(?<=[A-Za-z])(?=\d)", " ", str(code)).replace("_", " ").replace("-", " ")
    parts = [w for w in words.split(" ") if w]
    out = []
    for i, word in enumerate(parts):
        if word.upper() in ACRONYMS:
            out.append(word.upper())
        elif i == 0:
            out.append(word[:1].upper() + word[1:].lower())
        else:
            out.append(word.lower())
    return " ".join(out)


class Labelled(StrEnum):
    """A StrEnum whose members also have `.label`; declare `CODE = "CODE", "Label"` or just
    `CODE = "CODE"` for the humanised code."""

    label: str

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or humanise(value)
        return member


def label(value: object) -> str:
    """The label of an enum member, or the humanised code of a bare string; '' for None."""
    if value is None:
        return ""
    found = getattr(value, "label", None)
    if isinstance(found, str):
        return found
    return humanise(str(value))


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field, in declaration order."""
    return [(member.value, label(member)) for member in enum]
