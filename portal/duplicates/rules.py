"""The pure rules of duplicate matching and merging: how identifying values are standardised
before they are compared, which value survives a merge, and when a merge is refused."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import datetime

NON_ALNUM = re.compile(r"[^0-9a-z]+")
DIGITS = re.compile(r"\D+")
MONTH_DAY = re.compile(r"(?:\d{4}-)?(\d{2}-\d{2})")

# Providers that deliver a.b+tag@ to ab@: dots and plus tags are not part of the mailbox.
DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})
PLUS_TAGS = DOTS_IGNORED | {
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "fastmail.com",
    "proton.me",
    "protonmail.com",
}
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

# Street words written several ways, reduced to one.
STREET_WORDS = {
    "street": "st",
    "str": "st",
    "strasse": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "place": "pl",
    "calle": "c",
    "apartment": "apt",
    "suite": "ste",
}


def fold(text: str | None) -> str:
    """Lower case, accents stripped, punctuation to single spaces: "José-Ñúñez" → "jose nunez"."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return NON_ALNUM.sub(" ", plain.casefold()).strip()


def name_key(name: str | None) -> str | None:
    return fold(name) or None


def sorted_name(name: str | None) -> str | None:
    """The name's words in alphabetical order: given and family names transposed still match."""
    return sorted_words(fold(name))


def sorted_words(folded: str) -> str | None:
    """`sorted_name` of a name folded already (the scan folds each name once)."""
    return " ".join(sorted(folded.split())) or None


def email_key(email: str | None) -> str | None:
    """The mailbox the provider delivers to: case-folded, plus tag and (Gmail) dots removed."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.strip().casefold().rpartition("@")
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


def phone_key(phone: str | None) -> str | None:
    """E.164 digits only ("+44 20 7946 0958" → "442079460958")."""
    digits = DIGITS.sub("", phone or "")
    return digits or None


def street_key(street: str | None) -> str | None:
    words = [STREET_WORDS.get(word, word) for word in fold(street).split()]
    return " ".join(words) or None


def postcode_key(postal_code: str | None, country: str | None) -> str | None:
    code = NON_ALNUM.sub("", fold(postal_code))
    return f"{(country or '').upper()}{code.upper()}" if code else None


def birthday(special_dates: list | None) -> str | None:
    """The MM-DD of the special date labelled as a birthday, if any."""
    for special in special_dates or ():
        if isinstance(special, dict) and "birth" in fold(str(special.get("label", ""))):
            found = MONTH_DAY.fullmatch(str(special.get("date", "")))
            if found:
                return found[1]
    return None


def derived_key(secret_key: str) -> bytes:
    """The keyed hash's own key, derived from the application's secret."""
    return hashlib.sha256(b"duplicates/business-id\0" + secret_key.encode()).digest()


def keyed_hash(secret: bytes, value: str | None) -> str | None:
    """Tax and registration numbers are compared by a keyed hash of their standardised form:
    equal numbers match without the plaintext leaving the database's encryption."""
    standard = NON_ALNUM.sub("", fold(value))
    if not standard:
        return None
    return hmac.new(secret, standard.encode(), hashlib.sha256).hexdigest()[:32]


def probability(match_weight: float) -> float:
    """Fellegi-Sunter: a match weight (log2 of the odds) as a probability."""
    odds = 2.0**match_weight
    return odds / (1.0 + odds)


def surviving_value(
    primary: object,
    secondary: object,
    primary_when: tuple[datetime, datetime],
    secondary_when: tuple[datetime, datetime],
) -> str:
    """Which record's value a merged field keeps, "primary" or "secondary". `*_when` is
    (last verified or updated, created): the more recently verified value, then the more
    complete one, then the newer record's; the primary's when nothing tells them apart."""
    if secondary in (None, "") or primary == secondary:
        return "primary"
    if primary in (None, ""):
        return "secondary"
    if primary_when[0] != secondary_when[0]:
        return "secondary" if secondary_when[0] > primary_when[0] else "primary"
    if len(str(primary)) != len(str(secondary)):
        return "secondary" if len(str(secondary)) > len(str(primary)) else "primary"
    return "secondary" if secondary_when[1] > primary_when[1] else "primary"


def explain(weights: list[dict], limit: int = 4) -> str:
    """The strongest reasons, as "same phone +2.9, name Jaramillo/Jaramilo +1.7"."""
    strongest = sorted(weights, key=lambda w: -abs(w["weight"]))[:limit]
    return ", ".join(f"{w['label']} {w['weight']:+.1f}" for w in strongest)
