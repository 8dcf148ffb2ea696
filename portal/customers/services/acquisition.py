"""Where customers come from: the source list marketing extends, and the check every way of
registering (form, CSV import) applies to the channel and source given."""

from __future__ import annotations

from portal.customers.models import AcquisitionSource
from portal.customers.queries.acquisition import source_channels, source_names
from portal.customers.rules.acquisition import (
    acquisition_errors,
    channel_of,
    new_source_errors,
)
from portal.customers.values import AcquisitionChannel, NewCustomer
from portal.domain import DomainError, Errors, flush_or_stale, use_case
from portal.extensions import db
from portal.security import audit
from portal.security.models import User


def new_customer_acquisition(data: NewCustomer) -> tuple[str | None, Errors]:
    """The channel to store (the source's when none is given) and what is wrong with them."""
    # The list is read only when a source is named: most registrations pay nothing.
    sources = source_channels() if data.acquisition_source else {}
    channel, source = data.acquisition_channel, data.acquisition_source
    return channel_of(channel, source, sources), acquisition_errors(channel, source, sources)


@use_case
def add_acquisition_source(actor: User, code: str, name: str, channel: str) -> AcquisitionSource:
    """Add a source to the list registration offers; it stays (customers and spend name it)."""
    code, name = code.strip().upper(), name.strip()
    names = source_names()
    if errors := new_source_errors(code, name, channel, set(names), set(names.values())):
        raise DomainError(errors)
    source = AcquisitionSource(code=code, name=name, channel=AcquisitionChannel(channel))
    db.session.add(source)
    flush_or_stale(lambda: ({"code": code}, 0))  # the same code added at the same moment
    audit.record(
        "customer.acquisition_source_add",
        user=actor,
        record_type="acquisition_source",
        record_id=code,
        summary=f"Added the acquisition source {name} ({channel})",
    )
    db.session.commit()
    return source
