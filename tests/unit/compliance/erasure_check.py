"""The database as text, to look for traces of an erased person."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db


def dump_database() -> str:
    """Every row of every table as text, as `pg_dump --data-only` would show it."""
    lines = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)
