"""The set-based jobs: the monthly tier recalculation and the daily release of pending points
and expiry of batches. Each is a handful of statements over all accounts, never a loop over
customers (only the rare accounts with a debt are settled one by one).

On PostgreSQL a job holds the summary rows still (SHARE ROW EXCLUSIVE on loyalty_account) for
its few seconds: earnings and redemptions wait for it, so its sums and the balances they
change stay consistent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
)

from portal.bulk import analyze
from portal.events.outbox import SYSTEM, emit_selected
from portal.extensions import db
from portal.loyalty import rules, services
from portal.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyRun, TierHistory
from portal.loyalty.values import (
    QUALIFYING_TIERS,
    Basis,
    DowngradePolicy,
    EntryKind,
    LoyaltyTier,
    TierReason,
)
from portal.models import UTCDateTime, utcnow
from portal.segmentation.engine import json_object
from portal.segmentation.fields import BASE_CURRENCY
from portal.segmentation.models import CustomerOrder

YEAR = rules.QUALIFYING_PERIOD

# The recalculation's changes: accounts whose tier, downgrade date or points move.
_changes = Table(
    "loyalty_recalculation",
    MetaData(),
    Column("customer_id", String(41), primary_key=True),
    Column("tier_from", String(20)),
    Column("tier_to", String(20)),
    Column("action", String(8)),
    Column("points", BigInteger),
    prefixes=["TEMPORARY"],
)


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _analyze(table: Table) -> None:
    """Statistics of a run table just filled: a million rows or none, the joins differ."""
    if on_postgresql():
        analyze(db.session.connection(), table)


def _lock_accounts() -> None:
    """The job's lock (above), and room for its sorts and hashes of a million rows, which
    would otherwise spill to disk."""
    if on_postgresql():
        db.session.execute(text("LOCK TABLE loyalty_account IN SHARE ROW EXCLUSIVE MODE"))
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))


def annual_spend(customer_id: str, now: datetime) -> int:
    """The customer's base-currency spend on orders not cancelled in the last 12 months."""
    o = CustomerOrder
    return db.session.scalar(
        select(func.coalesce(func.sum(o.amount_minor), 0)).where(
            o.customer_id == customer_id,
            o.placed_at >= now - YEAR,
            o.cancelled_at.is_(None),
            o.currency == BASE_CURRENCY,
        )
    )


def _rank(column):
    return case({t.value: t.rank for t in LoyaltyTier}, value=column)


@dataclass(frozen=True)
class Recalculated:
    upgraded: int
    downgraded: int
    due: int


def recalculate_tiers(now: datetime | None = None, actor: str = SYSTEM) -> Recalculated:
    """evaluateTierStatus for every account: tier-qualifying points over the last 12 months
    (and annual spend where a tier asks for it); upgrades at once, downgrades by the policy
    after the grace period; each change in the tier history with its reason and an event."""
    now = now or utcnow()
    settings = services.programme()
    since = now - YEAR
    _lock_accounts()
    a, e = LoyaltyAccount, LoyaltyEntry
    points = (
        select(e.customer_id, func.sum(e.qualifying_points).label("points"))
        .where(e.at >= since, e.qualifying_points != 0)
        .group_by(e.customer_id)
        .subquery("q")
    )
    have_points = func.coalesce(points.c.points, 0)
    query = select(a.customer_id, a.tier, a.tier_points, a.downgrade_due_at).outerjoin(
        points, points.c.customer_id == a.customer_id
    )
    have_spend = literal(0)
    if any(settings.tiers[t].basis is Basis.SPEND for t in QUALIFYING_TIERS):
        o = CustomerOrder
        spend = (
            select(o.customer_id, func.sum(o.amount_minor).label("spend"))
            .where(o.placed_at >= since, o.cancelled_at.is_(None), o.currency == BASE_CURRENCY)
            .group_by(o.customer_id)
            .subquery("s")
        )
        query = query.outerjoin(spend, spend.c.customer_id == a.customer_id)
        have_spend = func.coalesce(spend.c.spend, 0)
    reached = [
        (
            (have_points if settings.tiers[t].basis is Basis.POINTS else have_spend)
            >= settings.tiers[t].threshold,
            literal(t.value),
        )
        for t in reversed(QUALIFYING_TIERS)
    ]
    target = case(*reached, else_=literal(LoyaltyTier.STANDARD.value))
    above, below = _rank(target) > _rank(a.tier), _rank(target) < _rank(a.tier)
    due_passed = a.downgrade_due_at.is_not(None) & (a.downgrade_due_at <= now)
    automatic = settings.downgrade_policy is DowngradePolicy.AUTOMATIC
    start_grace = "DOWN" if settings.grace_days == 0 else "DUE"
    action = case(
        (a.tier == LoyaltyTier.AMBASSADOR, "KEEP"),
        (above, "UP"),
        (below & literal(automatic) & due_passed, "DOWN"),
        (below & literal(automatic) & a.downgrade_due_at.is_(None), start_grace),
        (below, "KEEP"),
        (a.downgrade_due_at.is_not(None), "CLEAR"),
        else_="KEEP",
    )
    rows = query.add_columns(
        target.label("target"), action.label("action"), have_points.label("points")
    )
    sub = rows.subquery("r")
    fill = select(sub.c.customer_id, sub.c.tier, sub.c.target, sub.c.action, sub.c.points).where(
        or_(sub.c.action != "KEEP", sub.c.points != sub.c.tier_points)
    )
    db.session.execute(text("DROP TABLE IF EXISTS loyalty_recalculation"))
    _changes.create(db.session.connection())
    db.session.execute(
        insert(_changes).from_select(
            ["customer_id", "tier_from", "tier_to", "action", "points"], fill
        )
    )
    _analyze(_changes)
    r = _changes
    moved = r.c.action.in_(("UP", "DOWN"))
    reason = case(
        (r.c.action == "UP", TierReason.QUALIFIED.value), else_=TierReason.DOWNGRADED.value
    )
    db.session.execute(
        insert(TierHistory.__table__).from_select(
            ["customer_id", "from_tier", "to_tier", "reason_code", "at", "actor"],
            select(
                r.c.customer_id,
                r.c.tier_from,
                r.c.tier_to,
                reason,
                literal(now, UTCDateTime),
                literal(actor),
            ).where(moved),
        )
    )
    payload = json_object(
        [
            ("customerId", r.c.customer_id),
            ("previousTier", r.c.tier_from),
            ("newTier", r.c.tier_to),
            ("reasonCode", reason),
        ]
    )
    emit_selected(
        services.TIER_CHANGED, select(r.c.customer_id, payload).where(moved), actor=actor, at=now
    )
    due = now + timedelta(days=settings.grace_days)
    db.session.execute(
        update(a)
        .where(a.customer_id == r.c.customer_id)
        .values(
            tier=case((moved, r.c.tier_to), else_=a.tier),
            downgrade_due_at=case(
                (r.c.action == "DUE", literal(due, UTCDateTime)),
                (r.c.action == "KEEP", a.downgrade_due_at),
                else_=null(),
            ),
            tier_points=r.c.points,
            qualifying_since=case(
                (r.c.points != a.tier_points, literal(since, UTCDateTime)),
                else_=a.qualifying_since,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    counts = dict(db.session.execute(select(r.c.action, func.count()).group_by(r.c.action)).all())
    db.session.execute(text("DROP TABLE loyalty_recalculation"))
    db.session.commit()
    return Recalculated(counts.get("UP", 0), counts.get("DOWN", 0), counts.get("DUE", 0))


@dataclass(frozen=True)
class Expired:
    released: int  # accounts whose pending points became available
    expired: int  # points
    accounts: int  # accounts that lost points


# The batches one step of the daily run moves, found once through an index, and their sums per
# account: the ledger is never scanned whole, however long it grows.
_run = Table(
    "loyalty_batch_run",
    MetaData(),
    Column("batch_id", BigInteger, primary_key=True),
    Column("customer_id", String(41)),
    Column("points", BigInteger),
    Column("expires_at", UTCDateTime),
    prefixes=["TEMPORARY"],
)
_accounts = Table(
    "loyalty_account_run",
    MetaData(),
    Column("customer_id", String(41), primary_key=True),
    Column("points", BigInteger),
    prefixes=["TEMPORARY"],
)
EXPIRY = "expiry"


def _collect(where) -> None:
    """The run's tables hold the batches `where` selects (id, customer, remaining points) and
    their sums per account, in customer order: the rows written from them then go into the
    ledger's and the outbox's customer indexes page by page."""
    e = LoyaltyEntry
    db.session.execute(delete(_run))
    db.session.execute(delete(_accounts))
    db.session.execute(
        insert(_run).from_select(
            ["batch_id", "customer_id", "points", "expires_at"],
            select(e.id, e.customer_id, e.remaining, e.expires_at)
            .where(where)
            .order_by(e.customer_id),
        )
    )
    db.session.execute(
        insert(_accounts).from_select(
            ["customer_id", "points"],
            select(_run.c.customer_id, func.sum(_run.c.points))
            .group_by(_run.c.customer_id)
            .order_by(_run.c.customer_id),
        )
    )
    _analyze(_run)
    _analyze(_accounts)


def _due(now: datetime, mark: datetime | None):
    """Available batches with points left whose expiry date has come: credits through their
    expiry index, from the last run's mark on (everything due by it has expired)."""
    e = LoyaltyEntry
    due = (e.points > 0) & (e.expires_at <= now) & (e.remaining > 0) & e.pending.is_(False)
    return due if mark is None else due & (e.expires_at > mark)


def _mark(now: datetime) -> datetime | None:
    """The last run's mark, moved on to `now` (never back, nor past the present: a run ahead
    of time must not hide the credits made until then) when the transaction commits. The
    batches just released (`_run`) count from their expiry date if it is before the mark: an
    order placed long ago and taken in late may be due already."""
    run = db.session.get(LoyaltyRun, EXPIRY)
    if run is None:
        db.session.add(LoyaltyRun(job=EXPIRY, until=min(now, utcnow())))
        return None
    mark, first_released = run.until, db.session.scalar(select(func.min(_run.c.expires_at)))
    run.until = max(mark, min(now, utcnow()))
    if first_released is not None and first_released <= mark:
        return first_released - timedelta(microseconds=1)
    return mark


def insert_selected(table: Table, where=True, **columns):
    """INSERT INTO table (the keywords' names) SELECT the keywords' values WHERE `where`."""
    return insert(table).from_select(list(columns), select(*columns.values()).where(where))


def expiry_entries(customer_id, points, at, batch_id, actor: str = SYSTEM, where=True):
    """INSERT ... SELECT of an EXPIRE row for each batch selected: the batch's customer, its
    remaining `points` (the row takes them away), when, the batch's id."""
    return insert_selected(
        LoyaltyEntry.__table__,
        where,
        customer_id=customer_id,
        kind=literal(EntryKind.EXPIRE.value),
        points=-points,
        at=at,
        remaining=literal(0),
        pending=literal(False),
        qualifying_points=literal(0),
        batch_id=batch_id,
        actor=literal(actor),
    )


def expire_points(now: datetime | None = None, actor: str = SYSTEM) -> Expired:
    """The daily run: pending points whose return window passed become available (paying any
    debt first), then every available batch past its expiry date expires: an EXPIRE row per
    batch, the balances lowered, one LoyaltyPointsExpired per account. The batches' updates
    select them by the index the run's tables were filled through, never by a join with the
    whole ledger."""
    now = now or utcnow()
    _lock_accounts()
    a, e = LoyaltyAccount, LoyaltyEntry
    for table in (_run, _accounts):
        db.session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        table.create(db.session.connection())
    account = a.customer_id == _accounts.c.customer_id
    # `pending`, not `pending IS true`: PostgreSQL uses the partial index for the former only.
    matured = and_(e.pending, e.available_at <= now)
    _collect(matured)
    released_accounts = db.session.execute(
        update(a)
        .where(account)
        .values(pending=a.pending - _accounts.c.points, balance=a.balance + _accounts.c.points)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        update(e).where(matured).values(pending=False).execution_options(synchronize_session=False)
    )
    due = _due(now, _mark(now))
    indebted = db.session.scalars(select(a).where(a.debt > 0, a.balance > 0)).all()
    for indebted_account in indebted:  # rare: orders cancelled after their points were spent
        services.settle_debt(indebted_account, now)
    db.session.flush()
    _collect(due)
    db.session.execute(
        expiry_entries(
            _run.c.customer_id, _run.c.points, literal(now, UTCDateTime), _run.c.batch_id, actor
        )
    )
    db.session.execute(
        update(e).where(due).values(remaining=0).execution_options(synchronize_session=False)
    )
    accounts = db.session.execute(
        update(a)
        .where(account)
        .values(balance=a.balance - _accounts.c.points)
        .execution_options(synchronize_session=False)
    ).rowcount
    payload = json_object(
        [
            ("customerId", _accounts.c.customer_id),
            ("points", _accounts.c.points),
            ("expiredAt", literal(now.isoformat())),
            ("balance", a.balance),
        ]
    )
    emit_selected(
        services.EXPIRED,
        select(_accounts.c.customer_id, payload).join(a, account).order_by(_accounts.c.customer_id),
        actor=actor,
        at=now,
    )
    expired = int(db.session.scalar(select(func.coalesce(func.sum(_accounts.c.points), 0))))
    for table in (_run, _accounts):
        db.session.execute(text(f"DROP TABLE {table.name}"))
    db.session.commit()
    return Expired(released_accounts, expired, accounts)
