"""Where a customer came from: a channel of AcquisitionChannel and a source of the list marketing
keeps, the source belonging to that channel. Both may be left out ("Unknown")."""

from __future__ import annotations

import re
from collections.abc import Mapping

from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.values import AcquisitionChannel
from portal.labels import label

CODE = re.compile(r"[A-Z][A-Z0-9_]*")


def channel_of(channel: str | None, source: str | None, sources: Mapping[str, str]) -> str | None:
    """The channel to store: the one given, else the source's."""
    return channel or sources.get(source or "")


def acquisition_errors(
    channel: str | None, source: str | None, sources: Mapping[str, str]
) -> Errors:
    """`sources`: every known source code → its channel."""
    errors = ErrorList()
    if channel and channel not in AcquisitionChannel.__members__:
        errors.add("acquisition_channel", "Choose one of the channels listed.")
    elif source and source not in sources:
        errors.add("acquisition_source", "Unknown source: choose one from the list.")
    elif source and channel and sources[source] != channel:
        errors.add(
            "acquisition_source",
            f"This source belongs to the channel {label(AcquisitionChannel(sources[source]))}.",
        )
    return errors.as_dict()


def new_source_errors(
    code: str, name: str, channel: str, codes: set[str], names: set[str]
) -> Errors:
    """A source added to the list: a new code in capitals, a new name, a known channel."""
    errors = ErrorList()
    if not CODE.fullmatch(code):
        errors.add("code", "Use capitals, digits and _, starting with a letter (GOOGLE_ADS).")
    elif code in codes:
        errors.add("code", "This code is taken.")
    if not name.strip():
        errors.add("name", "Give the source a name.")
    elif name.strip().casefold() in {n.casefold() for n in names}:
        errors.add("name", "Another source has this name.")
    if channel not in AcquisitionChannel.__members__:
        errors.add("channel", "Choose one of the channels listed.")
    return errors.as_dict()
