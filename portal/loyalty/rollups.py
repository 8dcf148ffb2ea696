"""The loyalty rollups (models: PointsMonthly, ExpiryDaily, TierTotalRow, TierMovesMonthly):
the rebuild from the ledger, the summary rows and the tier history.

The triggers of migration 0035_loyalty_rollups keep them in every writing transaction, so the
programme's report and index read a row per month, day or tier, never the ledger or the
accounts; `flask --app wsgi dashboards rebuild` runs `rebuild` with the other rollups.
"""

from __future__ import annotations

from sqlalchemy import delete, func, literal, select, union_all

from portal.counters import add_to, month_start, utc_day
from portal.extensions import db
from portal.loyalty.models import (
    ExpiryDaily,
    LoyaltyAccount,
    LoyaltyEntry,
    PointsMonthly,
    TierHistory,
    TierMovesMonthly,
    TierTotalRow,
)

ROLLUPS = (PointsMonthly, ExpiryDaily, TierTotalRow, TierMovesMonthly)


def rebuild() -> None:
    """Every loyalty rollup from its source table, set-based."""
    for model in ROLLUPS:
        db.session.execute(delete(model))
    e, a, h = LoyaltyEntry, LoyaltyAccount, TierHistory
    month = month_start(utc_day(e.at)).label("month")
    add_to(
        PointsMonthly.__table__,
        ["month", "kind"],
        select(month, e.kind, func.sum(e.points))
        .group_by(month, e.kind)
        .having(func.sum(e.points) != 0),
    )
    day = utc_day(e.expires_at).label("day")
    add_to(
        ExpiryDaily.__table__,
        ["day"],
        select(day, func.sum(e.remaining))
        .where(e.points > 0, e.expires_at.is_not(None))
        .group_by(day)
        .having(func.sum(e.remaining) != 0),
    )
    add_to(
        TierTotalRow.__table__,
        ["tier"],
        select(
            a.tier, func.count(), func.sum(a.balance), func.sum(a.pending), func.sum(a.debt)
        ).group_by(a.tier),
    )
    moved = month_start(utc_day(h.at))
    moves = union_all(
        select(moved.label("month"), h.to_tier.label("tier"), literal(1).label("change")),
        select(moved, h.from_tier, literal(-1)).where(h.from_tier.is_not(None)),
    ).subquery("moves")
    add_to(
        TierMovesMonthly.__table__,
        ["month", "tier"],
        select(moves.c.month, moves.c.tier, func.sum(moves.c.change))
        .group_by(moves.c.month, moves.c.tier)
        .having(func.sum(moves.c.change) != 0),
    )
