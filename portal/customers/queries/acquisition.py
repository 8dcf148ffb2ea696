"""The acquisition sources: the list marketing keeps, for forms, checks and labels."""

from __future__ import annotations

from sqlalchemy import select

from portal.customers.models import AcquisitionSource, Customer
from portal.customers.overview import panel
from portal.customers.values import AcquisitionChannel
from portal.extensions import db
from portal.labels import label


def acquisition_sources() -> list[AcquisitionSource]:
    """Every source, by channel (in the channels' order) then name: a few dozen rows."""
    order = list(AcquisitionChannel)
    rows = db.session.scalars(select(AcquisitionSource).order_by(AcquisitionSource.name)).all()
    return sorted(rows, key=lambda s: order.index(s.channel))


def source_channels() -> dict[str, str]:
    """Every source code → its channel's code."""
    rows = db.session.execute(select(AcquisitionSource.code, AcquisitionSource.channel))
    return {code: str(channel) for code, channel in rows}


def source_names() -> dict[str, str]:
    return dict(db.session.execute(select(AcquisitionSource.code, AcquisitionSource.name)).all())


def source_choices(blank: str = "Unknown") -> dict[str, list[tuple[str, str]]]:
    """The sources grouped by channel, for a select with option groups."""
    groups: dict[str, list[tuple[str, str]]] = {"": [("", blank)]}
    for source in acquisition_sources():
        groups.setdefault(label(source.channel), []).append((source.code, source.name))
    return groups


@panel("acquisition")
def acquisition_of(customer: Customer) -> dict[str, str | None]:
    """What the profile shows: the channel's label and the source's name (None: not known)."""
    code = customer.acquisition_source
    source = db.session.get(AcquisitionSource, code) if code else None
    return {
        "channel": label(customer.acquisition_channel) if customer.acquisition_channel else None,
        "source": source.name if source else customer.acquisition_source,
    }
