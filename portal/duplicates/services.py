"""CustomerMergeService: identify duplicates (the full scan, the registration check), evaluate a
pair, merge it, undo the merge, and notify the other contexts (CustomerMerged)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, delete, func, select, update

from portal.bulk import bulk_insert
from portal.compliance.locations import ERASED_NAME
from portal.compliance.models import DataSubjectRequest
from portal.compliance.values import OPEN_STATUSES, RequestStatus, RequestType
from portal.customers import hooks, search_index
from portal.customers.models import Customer, customer_search_term
from portal.domain import NON_FIELD, Conflict, DomainError, StaleVersion, load, use_case
from portal.duplicates import matching, queries, relocation, rules
from portal.duplicates.models import CustomerMerge, DuplicateCandidate
from portal.duplicates.values import (
    MERGED_FIELDS,
    UNDO_WINDOW,
    CandidateSource,
    CandidateStatus,
    MergeRequest,
)
from portal.events import outbox
from portal.extensions import db
from portal.models import utcnow
from portal.security import audit

Progress = Callable[[int], object]


def export(progress: Progress = lambda n: None):
    """Every customer's standardised identifying fields, as an Arrow table for DuckDB."""
    secret = queries.hash_secret()
    rows: list[dict] = []
    for batch in queries.identities(db.session.connection()):
        rows.extend(matching.standardised(identity, secret) for identity in batch)
        progress(len(batch))
    return matching.arrow_table(rows)


def scan(progress: Progress = lambda n: None, threshold: float = matching.THRESHOLD) -> int:
    """The full scan: every pair above the threshold becomes (or stays) an open candidate; the
    pairs a reviewer dismissed or merged are never proposed again. The number of open pairs."""
    pairs = list(matching.scan(export(progress), threshold))
    now = utcnow()
    c = DuplicateCandidate.__table__
    # Open pairs of an earlier scan are replaced; decided pairs stay decided.
    db.session.execute(
        delete(c).where(c.c.status == CandidateStatus.OPEN, c.c.source == CandidateSource.SCAN)
    )
    decided = set(db.session.execute(select(c.c.customer_a, c.c.customer_b)).tuples())
    fresh = [
        {
            **pair,
            "status": CandidateStatus.OPEN,
            "source": CandidateSource.SCAN,
            "detected_at": now,
            "version": 1,
        }
        for pair in pairs
        if (pair["customer_a"], pair["customer_b"]) not in decided
    ]
    for start in range(0, len(fresh), 5_000):
        bulk_insert(db.session.connection(), c, fresh[start : start + 5_000])
    db.session.commit()
    return len(fresh)


def likely_duplicates(
    name: str, email: str | None, phone: str | None, exclude: str | None = None
) -> list[dict]:
    """The registration check: customers this (unsaved) record probably is, most probable
    first, scored by the saved model. Saves nothing."""
    found = [i for i in queries.likely_matches(name, email, phone) if i.id != exclude]
    if not found:
        return []
    secret = queries.hash_secret()
    new = matching.standardised(matching.Identity("new", name, email, phone), secret)
    candidates = [matching.standardised(i, secret) for i in found]
    scored = matching.compare(new, candidates)
    return [pair for pair in scored if pair["probability"] >= matching.THRESHOLD]


@use_case
def dismiss(user, candidate_id: int, version: int) -> DuplicateCandidate:
    """ "Not a duplicate": remembered, so the pair is never proposed again."""
    candidate = load(DuplicateCandidate, candidate_id, "candidate pair", lock=True)
    if candidate.version != version:
        raise StaleVersion()
    if candidate.status != CandidateStatus.OPEN:
        raise Conflict("This pair was decided meanwhile.")
    candidate.status = CandidateStatus.DISMISSED
    candidate.resolved_at = utcnow()
    candidate.resolved_by = user.id
    audit.record(
        "duplicates.dismissed",
        user=user,
        record_type="duplicate_candidate",
        record_id=str(candidate.id),
        summary="Not a duplicate",
        details={"customers": [candidate.customer_a, candidate.customer_b]},
    )
    db.session.commit()
    return candidate


def _when(customer: Customer) -> tuple[datetime, datetime]:
    return (customer.updated_at, customer.created_at)


def plan(primary: Customer, secondary: Customer) -> dict[str, str]:
    """Field → "primary" or "secondary": whose value survives by rule (rules.surviving_value)."""
    return {
        field: rules.surviving_value(
            getattr(primary, field), getattr(secondary, field), _when(primary), _when(secondary)
        )
        for field in MERGED_FIELDS
    }


def _blocking_requests(customer_ids: list[str]) -> list[str]:
    """The customers under an open erasure request or a hold (a DSAR on hold)."""
    d = DataSubjectRequest
    return list(
        db.session.scalars(
            select(d.customer_id)
            .where(
                d.customer_id.in_(customer_ids),
                (d.status == RequestStatus.ON_HOLD)
                | and_(d.request_type == RequestType.ERASURE, d.status.in_(OPEN_STATUSES)),
            )
            .distinct()
        )
    )


def _customer(customer_id: str, label: str) -> Customer:
    customer = db.session.get(Customer, customer_id, with_for_update=True, populate_existing=True)
    if customer is not None:
        return customer
    survivor = queries.survivor_of([customer_id]).get(customer_id)
    if survivor:
        raise DomainError.on(NON_FIELD, f"The {label} customer was already merged into another.")
    raise DomainError.on(NON_FIELD, f"The {label} customer does not exist.")


@use_case
def merge(user, request: MergeRequest, now: datetime | None = None) -> CustomerMerge:
    """mergeCustomers: the secondary's references move to the primary, the fields take the
    chosen values, the secondary's id resolves to the primary from now on; undoable for 30
    days. Refused (nothing done) for the same customer twice, a merged customer, a customer
    under erasure or hold, B2C with B2B without the override, or records edited meanwhile."""
    now = now or utcnow()
    if request.primary_id == request.secondary_id:
        raise DomainError.on(NON_FIELD, "A customer cannot be merged with itself.")
    primary = _customer(request.primary_id, "primary")
    secondary = _customer(request.secondary_id, "secondary")
    if (primary.version_id, secondary.version_id) != (
        request.primary_version,
        request.secondary_version,
    ):
        raise StaleVersion()
    if primary.customer_type.is_b2b != secondary.customer_type.is_b2b and not (
        request.category_override
    ):
        raise DomainError.on(
            "category_override",
            "One customer is a business and the other a consumer: confirm the override to merge.",
        )
    if held := _blocking_requests([primary.id, secondary.id]):
        names = " and ".join(c.name for c in (primary, secondary) if c.id in held)
        raise DomainError.on(
            NON_FIELD, f"{names} has an open erasure request or a hold: merging must wait."
        )
    chosen = {
        field: "secondary" if field in request.take_from_secondary else "primary"
        for field in MERGED_FIELDS
    }
    values = {f: getattr(secondary, f) for f in MERGED_FIELDS if chosen[f] == "secondary"}
    primary_before = relocation.dump("customer", lambda t: t.c.id == primary.id)[0]
    secondary_row = relocation.dump("customer", lambda t: t.c.id == secondary.id)[0]

    survivor_rows = relocation.single_rows(primary.id)
    hooks.customers_merged(secondary.id, primary.id)
    rewritten = relocation.rewritten(survivor_rows, relocation.single_rows(primary.id))
    try:
        moved, removed = relocation.move(secondary.id, primary.id)
    except ValueError as clash:
        raise DomainError.on(NON_FIELD, relocation.REFUSE_ON_CONFLICT[str(clash)]) from None
    db.session.execute(
        delete(customer_search_term).where(customer_search_term.c.customer_id == secondary.id)
    )
    db.session.expunge(secondary)
    db.session.execute(delete(Customer.__table__).where(Customer.__table__.c.id == secondary.id))
    for field, value in values.items():
        setattr(primary, field, value)
    primary.updated_at = now
    db.session.flush()
    primary_after = relocation.dump("customer", lambda t: t.c.id == primary.id)[0]

    summary = {
        "fields": {f: chosen[f] for f in MERGED_FIELDS if getattr(primary, f) is not None},
        "moved": {name.split(".")[0]: len(keys) for name, keys in moved.items()},
    }
    record = CustomerMerge(
        primary_id=primary.id,
        secondary_id=secondary.id,
        category_override=request.category_override,
        summary=summary,
        undo={
            "secondary": secondary_row,
            "primary_before": primary_before,
            "primary_after": primary_after,
            "moved": moved,
            "removed": removed,
            "rewritten": rewritten,
        },
        merged_at=now,
        merged_by=user.id,
    )
    db.session.add(record)
    pair = sorted((primary.id, secondary.id))
    c = DuplicateCandidate.__table__
    db.session.execute(
        update(c)
        .where(c.c.customer_a == pair[0], c.c.customer_b == pair[1])
        .values(status=CandidateStatus.MERGED, resolved_at=now, resolved_by=user.id)
    )
    # The secondary's other open pairs are stale (the next scan pairs the survivor instead).
    db.session.execute(
        delete(c).where(queries.involving([secondary.id]), c.c.status == CandidateStatus.OPEN)
    )
    hooks.customers_changed([primary.id], actor_id=user.id, now=now)
    db.session.flush()
    audit.record(
        "customer.merged",
        user=user,
        record_type="customer",
        record_id=primary.id,
        summary=f"Merged {secondary.name} ({secondary.id}) into {audit.CUSTOMER_NAME}",
        details={"merge": record.id, "secondary": secondary.id, **summary},
    )
    outbox.emit(
        "CustomerMerged",
        primary.id,
        {
            "customerId": primary.id,
            "secondaryCustomerIds": [secondary.id],
            "mergedDataSummary": summary,
            "mergeId": record.id,
            "mergedAt": now.isoformat(),
        },
        actor=user.id,
        occurred_at=now,
    )
    db.session.commit()
    return record


def _erased(customer_id: str, since: datetime) -> bool:
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.name == ERASED_NAME:
        return True
    d = DataSubjectRequest
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(d)
            .where(
                d.customer_id == customer_id,
                d.request_type == RequestType.ERASURE,
                d.status == RequestStatus.COMPLETED,
                d.created_at >= since,
            )
        )
    )


@use_case
def unmerge(user, merge_id: str, version: int, now: datetime | None = None) -> CustomerMerge:
    """Undo a merge within 30 days: the secondary comes back exactly as it was, with its rows;
    the survivor keeps what happened to it since (its own new rows, fields changed after)."""
    now = now or utcnow()
    record = load(CustomerMerge, merge_id, "merge", lock=True)
    if record.version != version:
        raise StaleVersion()
    if record.undone_at is not None:
        raise DomainError.on(NON_FIELD, "This merge was undone already.")
    if now - record.merged_at > UNDO_WINDOW:
        raise DomainError.on(NON_FIELD, "A merge can be undone for 30 days only.")
    if _erased(record.primary_id, record.merged_at):
        raise DomainError.on(NON_FIELD, "The surviving customer was erased: the merge stays.")
    if db.session.get(Customer, record.secondary_id) is not None:
        raise Conflict("The merged customer exists again.")
    undo = record.undo
    relocation.restore("customer", [undo["secondary"]])
    hooks.customers_unmerged(record.secondary_id, record.primary_id)
    relocation.move_back(record.secondary_id, record.primary_id, undo["moved"], undo["removed"])
    relocation.restore_rewritten(record.primary_id, undo.get("rewritten", {}))
    _restore_primary(record.primary_id, undo["primary_before"], undo["primary_after"])
    db.session.flush()
    db.session.expire_all()
    search_index.reindex(
        db.session.connection(),
        db.session.scalars(
            select(Customer).where(Customer.id.in_([record.primary_id, record.secondary_id]))
        ),
    )
    record.undone_at = now
    record.undone_by = user.id
    c = DuplicateCandidate.__table__
    pair = sorted((record.primary_id, record.secondary_id))
    db.session.execute(
        update(c)
        .where(c.c.customer_a == pair[0], c.c.customer_b == pair[1])
        .values(status=CandidateStatus.OPEN, resolved_at=None, resolved_by=None)
    )
    hooks.customers_changed([record.primary_id, record.secondary_id], actor_id=user.id, now=now)
    audit.record(
        "customer.unmerged",
        user=user,
        record_type="customer",
        record_id=record.primary_id,
        summary=f"Undid the merge of {record.secondary_id} into {audit.CUSTOMER_NAME}",
        details={"merge": record.id, "secondary": record.secondary_id},
    )
    outbox.emit(
        "CustomerMergeUndone",
        record.primary_id,
        {
            "customerId": record.primary_id,
            "secondaryCustomerIds": [record.secondary_id],
            "mergeId": record.id,
            "undoneAt": now.isoformat(),
        },
        actor=user.id,
        occurred_at=now,
    )
    db.session.commit()
    return record


def _restore_primary(primary_id: str, before: dict, after: dict) -> None:
    """The primary's fields the merge set go back, unless changed since; when nothing changed
    since, the row is exactly as before the merge (version and update time included)."""
    now = relocation.dump("customer", lambda t: t.c.id == primary_id)[0]
    if now["version_id"] == after["version_id"]:
        values = before
    else:
        values = {
            column: before[column]
            for column in before
            if column in MERGED_FIELDS and now[column] == after[column] != before[column]
        }
        if not values:
            return
        values["version_id"] = now["version_id"] + 1
    table = relocation.stored("customer")
    db.session.execute(
        update(table)
        .where(table.c.id == primary_id)
        .values({k: relocation.from_json(v) for k, v in values.items()})
    )
