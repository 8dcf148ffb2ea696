"""CustomerLoyaltyService: enrol, earn from orders, redeem, adjust, reverse a cancelled order,
grant Ambassador, move points on a merge, save the programme; and the set-based monthly and
daily jobs (tiers.py holds the recalculation, expiry.py the expiry and release).

Every movement writes ledger rows (LoyaltyEntry) and changes the account's summary row in the
same transaction; a debit locks the summary row first (FOR UPDATE), so two redemptions of the
same points wait for each other and the second sees the first's balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.bulk import bulk_insert
from portal.customers.models import Customer
from portal.domain import DomainError, load, use_case
from portal.events.handlers import moment
from portal.events.outbox import SYSTEM, emit, emit_many
from portal.extensions import db
from portal.limits import column_text_error
from portal.loyalty import rules
from portal.loyalty.models import LoyaltyAccount, LoyaltyEntry, ProgrammeVersion, TierHistory
from portal.loyalty.values import EntryKind, LoyaltyTier, Programme, TierReason
from portal.models import among, utcnow
from portal.security import audit
from portal.security.models import User
from portal.segmentation.models import CustomerSegment

REDEEMED = "LoyaltyPointsRedeemed"
EARNED = "LoyaltyPointsEarned"
TIER_CHANGED = "LoyaltyTierChanged"
EXPIRED = "LoyaltyPointsExpired"
MAX_POINTS = 10_000_000  # one movement by hand: more is a typing error


def programme() -> Programme:
    """The settings in force: the latest saved version, or the defaults before any save."""
    settings = db.session.scalar(
        select(ProgrammeVersion.settings).order_by(ProgrammeVersion.version.desc()).limit(1)
    )
    return Programme.from_json(settings) if settings else Programme()


def _upsert(table):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _customer(customer_id: str) -> Customer:
    return load(Customer, customer_id, "customer")


def _enrol_missing(customer_ids: Iterable[str], at: datetime, actor: str) -> None:
    """Accounts (STANDARD, with an ENROLLED history row) for those customers without one."""
    wanted = set(customer_ids)
    have = set(
        db.session.scalars(
            select(LoyaltyAccount.customer_id).where(among(LoyaltyAccount.customer_id, wanted))
        )
    )
    new = sorted(wanted - have)
    if not new:
        return
    db.session.execute(
        insert(LoyaltyAccount.__table__),
        [
            {
                "customer_id": c,
                "tier": LoyaltyTier.STANDARD,
                "balance": 0,
                "pending": 0,
                "debt": 0,
                "tier_points": 0,
                "qualifying_since": at - rules.QUALIFYING_PERIOD,
                "enrolled_at": at,
            }
            for c in new
        ],
    )
    _history_enrolled(new, at, actor)


def _history_enrolled(customer_ids: list[str], at: datetime, actor: str) -> None:
    if customer_ids:
        db.session.execute(
            insert(TierHistory.__table__),
            [
                {
                    "customer_id": c,
                    "to_tier": LoyaltyTier.STANDARD,
                    "reason_code": TierReason.ENROLLED,
                    "at": at,
                    "actor": actor,
                }
                for c in customer_ids
            ],
        )


def _locked_account(customer_id: str, now: datetime) -> LoyaltyAccount:
    """The customer's summary row, locked until commit; enrolled first if need be. Points
    whose return window has passed are released before anything reads the balance."""
    _customer(customer_id)
    _enrol_missing([customer_id], now, SYSTEM)
    account = load(LoyaltyAccount, customer_id, "loyalty account", lock=True)
    _release(account, now)
    _expire(account, now)
    return account


def _batches(customer_id: str) -> list[rules.Batch]:
    e = LoyaltyEntry
    rows = db.session.execute(
        select(e.id, e.remaining, e.expires_at, e.pending).where(
            e.customer_id == customer_id, e.remaining > 0
        )
    )
    return [rules.Batch(*row) for row in rows]


def _take(taken: Sequence[tuple[int, int]]) -> int:
    """Lower the batches' remaining points by what a debit took; the total taken."""
    for batch_id, points in taken:
        db.session.execute(
            update(LoyaltyEntry)
            .where(LoyaltyEntry.id == batch_id)
            .values(remaining=LoyaltyEntry.remaining - points)
            .execution_options(synchronize_session=False)
        )
    return sum(points for _, points in taken)


def settle_debt(account: LoyaltyAccount, now: datetime) -> None:
    """Points clawed back beyond the balance are paid from the next available points."""
    if account.debt and account.balance:
        paid = _take(
            rules.consume(rules.spendable(_batches(account.customer_id), now), account.debt)
        )
        account.debt -= paid
        account.balance -= paid


def _release(account: LoyaltyAccount, now: datetime) -> None:
    """Pending batches whose return window has passed become available (and pay any debt)."""
    e = LoyaltyEntry
    released = db.session.execute(
        update(e)
        .where(e.customer_id == account.customer_id, e.pending.is_(True), e.available_at <= now)
        .values(pending=False)
        .returning(e.remaining)
        .execution_options(synchronize_session=False)
    ).scalars()
    points = sum(released)
    if points:
        account.pending -= points
        account.balance += points
        settle_debt(account, now)


def _expire(account: LoyaltyAccount, now: datetime) -> None:
    """The customer's batches past their expiry date expire now (the daily run does the same
    for everyone), so a debit never counts on expired points."""
    e = LoyaltyEntry
    due = db.session.scalars(
        select(e).where(
            e.customer_id == account.customer_id,
            e.remaining > 0,
            e.pending.is_(False),
            e.expires_at <= now,
        )
    ).all()
    total = 0
    for batch in due:
        _entry(account, EntryKind.EXPIRE, -batch.remaining, now, SYSTEM, batch_id=batch.id)
        total += batch.remaining
        batch.remaining = 0
    account.balance -= total
    if total:
        emit(
            EXPIRED,
            account.customer_id,
            {
                "customerId": account.customer_id,
                "points": total,
                "expiredAt": now.isoformat(),
                "balance": account.balance,
            },
            actor=SYSTEM,
        )


def _entry(account: LoyaltyAccount, kind: EntryKind, points: int, at: datetime, actor: str, **kw):
    entry = LoyaltyEntry(
        customer_id=account.customer_id, kind=kind, points=points, at=at, actor=actor, **kw
    )
    db.session.add(entry)
    account.last_activity_at = at
    return entry


def _credit(
    account: LoyaltyAccount, kind: EntryKind, points: int, at: datetime, actor: str, **kw
) -> LoyaltyEntry:
    """An available batch of `points`, expiring per the programme unless given."""
    kw.setdefault("expires_at", rules.expires_at(programme(), at))
    entry = _entry(account, kind, points, at, actor, remaining=points, **kw)
    account.balance += points
    db.session.flush()
    settle_debt(account, at)
    return entry


def _debit(
    account: LoyaltyAccount, kind: EntryKind, points: int, at: datetime, actor: str, **kw
) -> LoyaltyEntry:
    """A debit of `points` the balance covers, consuming batches FIFO."""
    taken = _take(rules.consume(rules.spendable(_batches(account.customer_id), at), points))
    assert taken == points, "the caller checked the balance"
    account.balance -= points
    return _entry(account, kind, -points, at, actor, **kw)


def _points(points: object, field: str = "points", low: int = 1) -> int:
    message = rules.points_error(points, low=low, high=MAX_POINTS)  # type: ignore[arg-type]
    if message:
        raise DomainError.on(field, message)
    return points  # type: ignore[return-value]


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.on("reason", "Say why.")
    if message := column_text_error(LoyaltyEntry.reason, reason):
        raise DomainError.on("reason", message)
    return reason


@use_case
def enrol(actor: User, customer_id: str) -> LoyaltyAccount:
    """enrollCustomerInLoyalty: an account in STANDARD (nothing happens if there is one)."""
    _customer(customer_id)
    now = utcnow()
    _enrol_missing([customer_id], now, actor.id)
    audit.record("loyalty.enrol", user=actor, record_type="customer", record_id=customer_id)
    db.session.commit()
    return db.session.get(LoyaltyAccount, customer_id)


@use_case
def redeem(actor: User | None, customer_id: str, points: object, redemption: str) -> LoyaltyEntry:
    """redeemPoints: spend available points, oldest-expiring first. Pending and expired points
    cannot be spent; nothing is written when the balance does not cover `points`."""
    points = _points(points)
    redemption = _reason(redemption) if redemption else "Redemption"
    now = utcnow()
    account = _locked_account(customer_id, now)
    if message := rules.redemption_error(points, account.balance, account.pending):
        raise DomainError.on("points", message)
    who = actor.id if actor else SYSTEM
    entry = _debit(account, EntryKind.REDEEM, points, now, who, reason=redemption)
    db.session.flush()
    audit.record(
        "loyalty.redeem",
        user=actor,
        actor=None if actor else SYSTEM,
        record_type="customer",
        record_id=customer_id,
        summary=f"Redeemed {points:,} points",
        details={"points": points, "redemption": redemption, "entry": entry.id},
    )
    emit(
        REDEEMED,
        customer_id,
        {
            "customerId": customer_id,
            "points": points,
            "redemptionType": redemption,
            "balance": account.balance,
            "redeemedAt": now.isoformat(),
        },
        actor=who,
    )
    db.session.commit()
    return entry


@use_case
def adjust(actor: User, customer_id: str, points: object, reason: str) -> LoyaltyEntry:
    """addPoints by hand (positive) or take points away (negative, at most the balance)."""
    if isinstance(points, int) and not isinstance(points, bool) and points < 0:
        amount = -_points(-points)
    else:
        amount = _points(points)
    reason = _reason(reason)
    now = utcnow()
    account = _locked_account(customer_id, now)
    if amount > 0:
        entry = _credit(account, EntryKind.ADJUST, amount, now, actor.id, reason=reason)
    else:
        if -amount > account.balance:
            raise DomainError.on(
                "points", f"Only {account.balance:,} points are available to take away."
            )
        entry = _debit(account, EntryKind.ADJUST, -amount, now, actor.id, reason=reason)
    db.session.flush()
    audit.record(
        "loyalty.adjust",
        user=actor,
        record_type="customer",
        record_id=customer_id,
        summary=f"Adjusted points by {amount:+,}",
        details={"points": amount, "reason": reason, "entry": entry.id},
    )
    if amount > 0:
        _emit_earned(customer_id, amount, None, entry.expires_at, now, actor.id)
    else:
        emit(
            REDEEMED,
            customer_id,
            {
                "customerId": customer_id,
                "points": -amount,
                "redemptionType": "ADJUSTMENT",
                "balance": account.balance,
                "redeemedAt": now.isoformat(),
            },
            actor=actor.id,
        )
    db.session.commit()
    return entry


def _emit_earned(customer_id, points, order_id, expires, at, actor) -> None:
    emit(
        EARNED,
        customer_id,
        _earned_payload(customer_id, points, order_id, expires, at),
        actor=actor,
    )


def _earned_payload(customer_id, points, order_id, expires, at) -> dict:
    payload = {
        "customerId": customer_id,
        "points": points,
        "earnedAt": at.isoformat(),
        "expiresAt": expires.isoformat(),
    }
    if order_id:
        payload["orderId"] = order_id
    return payload


def _change_tier(account, tier: LoyaltyTier, reason: TierReason, at, actor: str, note=None):
    if account.tier == tier:
        return
    db.session.add(
        TierHistory(
            customer_id=account.customer_id,
            from_tier=account.tier,
            to_tier=tier,
            reason_code=reason,
            note=note,
            at=at,
            actor=actor,
        )
    )
    emit(
        TIER_CHANGED,
        account.customer_id,
        {
            "customerId": account.customer_id,
            "previousTier": str(account.tier),
            "newTier": str(tier),
            "reasonCode": str(reason),
        },
        actor=actor,
    )
    account.tier = tier
    account.downgrade_due_at = None


@use_case
def grant_ambassador(actor: User, customer_id: str, reason: str) -> None:
    """AMBASSADOR is by invitation: staff grant it with a reason."""
    reason = _reason(reason)
    now = utcnow()
    account = _locked_account(customer_id, now)
    if account.tier is LoyaltyTier.AMBASSADOR:
        raise DomainError.on("reason", "The customer is an Ambassador already.")
    _change_tier(
        account, LoyaltyTier.AMBASSADOR, TierReason.AMBASSADOR_GRANTED, now, actor.id, reason
    )
    _record_ambassador(actor, customer_id, "Granted Ambassador", reason)


def _record_ambassador(actor: User, customer_id: str, summary: str, reason: str) -> None:
    audit.record(
        "loyalty.ambassador",
        user=actor,
        record_type="customer",
        record_id=customer_id,
        summary=summary,
        details={"reason": reason},
    )
    db.session.commit()


@use_case
def revoke_ambassador(actor: User, customer_id: str, reason: str) -> None:
    """Back to the tier the customer's points or spend qualify for."""
    from portal.loyalty.jobs import annual_spend

    reason = _reason(reason)
    now = utcnow()
    account = _locked_account(customer_id, now)
    if account.tier is not LoyaltyTier.AMBASSADOR:
        raise DomainError.on("reason", "The customer is no Ambassador.")
    tier = rules.qualified_tier(programme(), account.tier_points, annual_spend(customer_id, now))
    _change_tier(account, tier, TierReason.AMBASSADOR_REVOKED, now, actor.id, reason)
    _record_ambassador(actor, customer_id, "Revoked Ambassador", reason)


@use_case
def save_programme(actor: User, settings: Programme, note: str) -> int:
    """A new version of the programme's settings; refused whole when any setting is wrong."""
    if errors := rules.programme_errors(settings):
        raise DomainError(errors)
    if message := column_text_error(ProgrammeVersion.note, note):
        raise DomainError.on("note", message)
    latest = db.session.scalar(select(func.max(ProgrammeVersion.version))) or 0
    version = ProgrammeVersion(
        version=latest + 1, settings=settings.to_json(), note=note.strip(), created_by=actor.id
    )
    db.session.add(version)
    audit.record(
        "loyalty.programme",
        user=actor,
        record_type="loyalty_programme",
        record_id=str(version.version),
        summary=f"Saved programme version {version.version}",
        details={"note": note.strip()},
    )
    db.session.commit()
    return version.version


# --- orders (called by handlers.py inside the intake's transaction; it commits) -------------


def earn_for_orders(orders: Sequence[dict]) -> None:
    """OrderPlaced, a run at once: each new order in a currency the programme earns in earns
    pending points (tier, segment and campaign multipliers applied), its customer enrolled if
    need be. Set based: the programme, one look-up of tiers, segments and earned orders, one
    insert of the ledger rows and their events, one upsert of the summaries."""
    settings = programme()
    orders = [o for o in orders if rules.points_per_unit(settings, o["currency"]) is not None]
    if not orders:
        return
    customer_ids = {o["customerId"] for o in orders}
    known = db.session.execute(
        select(
            Customer.id,
            LoyaltyAccount.tier,
            CustomerSegment.segment_id,
            LoyaltyAccount.qualifying_since,
        )
        .outerjoin(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id)
        .outerjoin(CustomerSegment, CustomerSegment.customer_id == Customer.id)
        .where(among(Customer.id, customer_ids))
    ).all()
    # The orders earned already (a replayed OrderPlaced), by their own index: joined to the
    # customers above, each customer's whole ledger was compared with the run's order ids.
    e = LoyaltyEntry
    earned = set(
        db.session.scalars(
            select(e.order_id).where(
                among(e.order_id, {o["orderId"] for o in orders}), e.kind == EntryKind.EARN
            )
        )
    )
    now = utcnow()
    facts = {c: (tier or LoyaltyTier.STANDARD, segment) for c, tier, segment, _ in known}
    enrolled = {c for c, tier, *_ in known if tier is not None}
    since = {c: s or now - rules.QUALIFYING_PERIOD for c, _, _, s in known}
    entries, events, totals = [], [], {}
    for order in orders:
        customer_id, order_id = order["customerId"], order["orderId"]
        if customer_id not in facts or order_id in earned:
            continue
        earned.add(order_id)
        placed = moment(order["placedAt"])
        points = rules.order_points(
            settings, order["amountMinor"], order["currency"], placed, *facts[customer_id]
        )
        if points <= 0:
            continue
        available = rules.available_at(settings, placed)
        expires = rules.expires_at(settings, available)
        entries.append(
            {
                "customer_id": customer_id,
                "kind": EntryKind.EARN,
                "points": points,
                "at": placed,
                "remaining": points,
                "pending": True,
                "available_at": available,
                "expires_at": expires,
                "qualifying_points": points,
                "order_id": order_id,
                "amount_minor": order["amountMinor"],
                "actor": SYSTEM,
            }
        )
        events.append(_earned_payload(customer_id, points, order_id, expires, placed))
        total = totals.setdefault(customer_id, {"points": 0, "qualifying": 0, "at": placed})
        total["points"] += points
        total["qualifying"] += points if placed >= since[customer_id] else 0
        total["at"] = max(total["at"], placed)
    if not entries:
        return
    bulk_insert(db.session.connection(), LoyaltyEntry.__table__, entries)
    emit_many(EARNED, events, actor=SYSTEM, at=now)
    _add_pending(totals, now)
    _history_enrolled([c for c in totals if c not in enrolled], now, SYSTEM)


def _add_pending(totals: dict[str, dict], now: datetime) -> None:
    """Add earned pending points to the summaries, creating the accounts not yet enrolled."""
    table = LoyaltyAccount.__table__
    upsert = _upsert(table)
    new = upsert.excluded
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={
                "pending": table.c.pending + new.pending,
                "tier_points": table.c.tier_points + new.tier_points,
                "last_activity_at": case(
                    (table.c.last_activity_at > new.last_activity_at, table.c.last_activity_at),
                    else_=new.last_activity_at,
                ),
            },
        ),
        [
            {
                "customer_id": customer_id,
                "tier": LoyaltyTier.STANDARD,
                "balance": 0,
                "pending": total["points"],
                "debt": 0,
                "tier_points": total["qualifying"],
                "qualifying_since": now - rules.QUALIFYING_PERIOD,
                "enrolled_at": now,
                "last_activity_at": total["at"],
            }
            for customer_id, total in totals.items()
        ],
    )


def reverse_order(order_id: str, at: datetime) -> None:
    """OrderCancelled: inside the return window the order's pending points go; after it they
    are clawed back from the balance (that batch first, then FIFO), and what was spent already
    becomes the account's visible debt. Nothing for an order that earned nothing or was
    reversed already. The caller (the intake) commits."""
    e = LoyaltyEntry
    rows = db.session.execute(
        select(e.id, e.kind, e.customer_id, e.points, e.at).where(
            e.order_id == order_id, among(e.kind, (EntryKind.EARN, EntryKind.REVERSE))
        )
    ).all()
    earn = next((r for r in rows if r.kind is EntryKind.EARN), None)
    if earn is None or any(r.kind is EntryKind.REVERSE for r in rows):
        return
    account = _locked_account(earn.customer_id, at)
    batch = db.session.get(LoyaltyEntry, earn.id, populate_existing=True)
    if batch.pending:
        account.pending -= batch.remaining
        batch.remaining = 0
    else:
        own = [b for b in _batches(account.customer_id) if b.id == batch.id]
        others = [b for b in rules.spendable(_batches(account.customer_id), at) if b.id != batch.id]
        db.session.flush()
        taken = _take(rules.consume([*own, *others], earn.points))
        account.balance -= taken
        account.debt += earn.points - taken
    # The order stops counting toward the tier if it counts now (it may be older than that).
    qualifying = earn.points if earn.at >= account.qualifying_since else 0
    _entry(
        account,
        EntryKind.REVERSE,
        -earn.points,
        at,
        SYSTEM,
        order_id=order_id,
        qualifying_points=-qualifying,
    )
    account.tier_points -= qualifying


def combine_accounts(secondary_id: str, primary_id: str) -> None:
    """A merge (the duplicates area's): the secondary's ledger rows move to the survivor with
    every other reference, each batch keeping its own expiry, so the survivor's summary becomes
    the sum of both ledgers and the higher tier. Only the survivor's summary row changes here,
    which the merge keeps for its undo: merge then undo is the identity. Runs in the merge's
    transaction, before the rows move; with one account at most, that account moves as it is."""
    if secondary_id == primary_id:
        raise DomainError.on("primary_id", "A customer cannot be merged into itself.")
    both = [secondary_id, primary_id]
    accounts = {
        account.customer_id: account
        for account in db.session.scalars(
            select(LoyaltyAccount)
            .where(LoyaltyAccount.customer_id.in_(both))
            .order_by(LoyaltyAccount.customer_id)  # one lock order: no deadlock
            .with_for_update()
        )
    }
    source, target = accounts.get(secondary_id), accounts.get(primary_id)
    if source is None or target is None:
        return
    e = LoyaltyEntry
    since = min(source.qualifying_since, target.qualifying_since)

    def total(column, *where) -> int:
        return db.session.scalar(
            select(func.coalesce(func.sum(column), 0)).where(e.customer_id.in_(both), *where)
        )

    target.balance = total(e.remaining, e.pending.is_(False))
    target.pending = total(e.remaining, e.pending.is_(True))
    target.debt = target.balance + target.pending - total(e.points)
    target.tier_points = total(e.qualifying_points, e.at >= since)
    target.qualifying_since = since
    target.enrolled_at = min(source.enrolled_at, target.enrolled_at)
    moments = [m for m in (source.last_activity_at, target.last_activity_at) if m is not None]
    target.last_activity_at = max(moments, default=None)
    if source.tier.rank > target.tier.rank:
        target.tier, target.downgrade_due_at = source.tier, source.downgrade_due_at
    db.session.flush()
    if target.debt and target.balance:  # one's debt against the other's points
        settle_debt(target, utcnow())
