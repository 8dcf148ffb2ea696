"""What the loyalty pages show: a customer's account with progress and expiring points, the
ledger a page at a time (in SQL), the tier history, and the programme report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, func, select

from portal.counters import month_start
from portal.extensions import db
from portal.loyalty import jobs, rules, services
from portal.loyalty.models import (
    ExpiryDaily,
    LoyaltyAccount,
    LoyaltyEntry,
    PointsMonthly,
    ProgrammeVersion,
    TierHistory,
    TierMovesMonthly,
    TierTotalRow,
)
from portal.loyalty.values import Basis, EntryKind, LoyaltyTier, Programme
from portal.models import utcnow

LEDGER_PAGE = 25
HISTORY_SHOWN = 20
REPORT_MONTHS = 12


@dataclass(frozen=True)
class LedgerFilter:
    kind: EntryKind | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Page:
    """A page of rows without a count (the pager shows no "of N"): `capped` as in the
    customers' pager."""

    rows: list
    page: int
    has_next: bool
    capped: bool = True


@dataclass(frozen=True)
class Expiring:
    points: int
    on: datetime


@dataclass(frozen=True)
class AccountView:
    """The account as of now: points whose return window passed count as available, and
    batches past their expiry no more, even before the daily run has written it down."""

    account: LoyaltyAccount | None
    programme: Programme
    progress: rules.Progress | None
    expiring: Expiring | None
    next_available: datetime | None
    available: int = 0
    pending: int = 0


def _label(month: date | str) -> str:
    """'YYYY-MM' of a rollup's month (SQLite returns a computed one as text)."""
    return str(month)[:7]


def account_view(customer_id: str) -> AccountView:
    """The tab's head: tier, progress to the next, balance, pending, the next points to
    expire (calculateExpiringPoints) and when pending points become available."""
    account = db.session.get(LoyaltyAccount, customer_id)
    settings = services.programme()
    if account is None:
        return AccountView(None, settings, None, None, None)
    now = utcnow()
    progress = rules.progress(settings, account.tier, account.tier_points, 0)
    if progress is not None and progress.basis is Basis.SPEND:
        spend = jobs.annual_spend(customer_id, now)
        progress = rules.progress(settings, account.tier, account.tier_points, spend)
    e = LoyaltyEntry
    mine = (e.customer_id == customer_id) & (e.remaining > 0)
    first = db.session.execute(
        select(e.expires_at, func.sum(e.remaining))
        .where(mine, e.expires_at > now)
        .group_by(e.expires_at)
        .order_by(e.expires_at)
        .limit(1)
    ).first()
    matured, lapsed, next_available = db.session.execute(
        select(
            func.coalesce(func.sum(e.remaining).filter(e.pending, e.available_at <= now), 0),
            func.coalesce(
                func.sum(e.remaining).filter(e.pending.is_(False), e.expires_at <= now), 0
            ),
            func.min(e.available_at).filter(e.pending, e.available_at > now),
        ).where(mine)
    ).one()
    expiring = Expiring(int(first[1]), first[0]) if first else None
    return AccountView(
        account,
        settings,
        progress,
        expiring,
        next_available,
        available=int(account.balance + matured - lapsed),
        pending=int(account.pending - matured),
    )


def expiring_points(customer_id: str, by: datetime) -> list[tuple[datetime, int]]:
    """calculateExpiringPoints(date): which of the customer's points expire until `by`, when."""
    e = LoyaltyEntry
    rows = db.session.execute(
        select(e.expires_at, func.sum(e.remaining))
        .where(e.customer_id == customer_id, e.remaining > 0, e.expires_at <= by)
        .group_by(e.expires_at)
        .order_by(e.expires_at)
    )
    return [(at, points) for at, points in rows]


def _ledger_query(customer_id: str, chosen: LedgerFilter) -> Select:
    e = LoyaltyEntry
    query = select(
        e.id,
        e.kind,
        e.points,
        e.at,
        e.remaining,
        e.pending,
        e.available_at,
        e.expires_at,
        e.order_id,
        e.reason,
    ).where(e.customer_id == customer_id)
    if chosen.kind:
        query = query.where(e.kind == chosen.kind)
    if chosen.date_from:
        query = query.where(e.at >= datetime.combine(chosen.date_from, datetime.min.time(), UTC))
    if chosen.date_to:
        query = query.where(e.at < datetime.combine(chosen.date_to, datetime.max.time(), UTC))
    return query.order_by(e.at.desc(), e.id.desc())


def ledger(customer_id: str, chosen: LedgerFilter, page: int = 1) -> Page:
    offset = (page - 1) * LEDGER_PAGE
    rows = db.session.execute(
        _ledger_query(customer_id, chosen).offset(offset).limit(LEDGER_PAGE + 1)
    ).all()
    return Page(rows[:LEDGER_PAGE], page, len(rows) > LEDGER_PAGE)


def tier_history(customer_id: str) -> list[TierHistory]:
    h = TierHistory
    return list(
        db.session.scalars(
            select(h)
            .where(h.customer_id == customer_id)
            .order_by(h.at.desc(), h.id.desc())
            .limit(HISTORY_SHOWN)
        )
    )


def programme_versions() -> list[ProgrammeVersion]:
    v = ProgrammeVersion
    return list(db.session.scalars(select(v).order_by(v.version.desc()).limit(HISTORY_SHOWN)))


@dataclass(frozen=True)
class Report:
    months: list[str]
    tiers_by_month: dict[str, list[int]]  # tier → customers at each month's end
    movements: dict[str, list[int]]  # issued, redeemed, expired → points in each month
    liability_by_month: list[int]  # outstanding points at each month's end times point value
    liability_by_tier: dict[str, int]  # now, minor units
    outstanding_by_tier: dict[str, int]
    schedule: list[tuple[str, int]]  # points due to expire per month ahead
    breakage_rate: float  # expired / (expired + redeemed) over the report's months
    expected_breakage: int  # minor units
    point_value_minor: int


ISSUED = (EntryKind.EARN, EntryKind.ADJUST, EntryKind.TRANSFER)
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class TierTotal:
    tier: LoyaltyTier
    members: int
    points: int  # outstanding: available and pending, less debts


def tier_totals() -> list[TierTotal]:
    """Members and outstanding points per tier now, from the tier totals the summary rows'
    trigger keeps (a row per tier); in the tiers' order."""
    t = TierTotalRow
    rows = db.session.execute(
        select(t.tier, t.members, t.balance + t.pending - t.debt).where(t.members != 0)
    )
    found = {tier: TierTotal(tier, members, int(points)) for tier, members, points in rows}
    return [found[tier] for tier in LoyaltyTier if tier in found]


def points_expiring(first: date, last: date) -> int:
    """Points left in credits that expire on the days `first` to `last` (UTC), from the
    expiry schedule's row per day."""
    d = ExpiryDaily
    return db.session.scalar(
        select(func.coalesce(func.sum(d.points), 0)).where(d.day >= first, d.day <= last)
    )


@dataclass(frozen=True)
class Glance:
    """The programme's index page: members and liability per tier, what expires soon, the
    settings in force."""

    tiers: list[TierTotal]
    point_value_minor: int
    expiring: int
    expiring_until: datetime
    settings: ProgrammeVersion | None

    @property
    def members(self) -> int:
        return sum(t.members for t in self.tiers)

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tiers)


def glance(now: datetime | None = None) -> Glance:
    """From the rollups; what expires soon in whole UTC days, today's included (points
    lapsed earlier today count until the daily run writes them down)."""
    now = now or utcnow()
    until = now + timedelta(days=EXPIRING_DAYS)
    v = ProgrammeVersion
    return Glance(
        tiers=tier_totals(),
        point_value_minor=services.programme().point_value_minor,
        expiring=int(points_expiring(now.date(), until.date())),
        expiring_until=until,
        settings=db.session.scalar(select(v).order_by(v.version.desc()).limit(1)),
    )


def report(now: datetime | None = None) -> Report:
    """The programme's figures from the rollups (a row per month and kind, tier, or day of
    expiry): tier sizes and outstanding points are running sums over the months."""
    now = now or utcnow()
    settings = services.programme()
    value = settings.point_value_minor
    t, p = TierMovesMonthly, PointsMonthly
    # Tier counts at each month's end: the running sum of the history's moves into and out
    # of each tier (enrolment is a move into STANDARD from nowhere).
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, tier, members in db.session.execute(select(t.month, t.tier, t.members)):
        flows[_label(month)][tier] += members
    moves: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, kind, points in db.session.execute(select(p.month, p.kind, p.points)):
        moves[_label(month)][kind] += points
    all_months = sorted(set(flows) | set(moves) | {now.strftime("%Y-%m")})
    running = defaultdict(int)
    outstanding = 0
    tiers_by_month = {t.value: [] for t in LoyaltyTier}
    movements = {"issued": [], "redeemed": [], "expired": []}
    liability = []
    months = all_months[-REPORT_MONTHS:]
    for month in all_months:
        for tier, count in flows[month].items():
            running[tier] += count
        outstanding += sum(moves[month].values())
        if month in months:
            for tier in tiers_by_month:
                tiers_by_month[tier].append(running[tier])
            m = moves[month]
            movements["issued"].append(sum(max(m[k], 0) for k in ISSUED))
            movements["redeemed"].append(-m[EntryKind.REDEEM])
            movements["expired"].append(-m[EntryKind.EXPIRE])
            liability.append(outstanding * value)
    by_tier = {total.tier: total.points for total in tier_totals()}
    d = ExpiryDaily
    month = month_start(d.day)
    schedule = [
        (_label(month), int(points))
        for month, points in db.session.execute(
            select(month, func.sum(d.points))
            .where(d.day >= now.date())
            .group_by(month)
            .having(func.sum(d.points) > 0)
            .order_by(month)
            .limit(REPORT_MONTHS)
        )
    ]
    redeemed, expired = sum(movements["redeemed"]), sum(movements["expired"])
    rate = expired / (expired + redeemed) if expired + redeemed else 0.0
    scheduled = sum(points for _, points in schedule)
    return Report(
        months=months,
        tiers_by_month=tiers_by_month,
        movements=movements,
        liability_by_month=liability,
        liability_by_tier={t: p * value for t, p in by_tier.items()},
        outstanding_by_tier=by_tier,
        schedule=schedule,
        breakage_rate=rate,
        expected_breakage=round(scheduled * rate) * value,
        point_value_minor=value,
    )
