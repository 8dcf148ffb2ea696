"""Organisation tree at 10,000 nodes: expanding a node with 1,000 children, and the tree reads.

`python -m bench.org_tree [--database-url URL]`: SQLite in a temporary file by default, or the
given database (PostgreSQL: its public schema is dropped and rebuilt). Builds one organisation
of 10,050 nodes: the root, 9 divisions, 1,000 locations under the first division, 8,990
departments under those locations and a 50-deep chain of sub-departments; 2,000 members hold
roles at random locations. Then times, over 50 runs after a warm-up:

- the expand request (GET /organizations/nodes/<division>/children as HTMX, signed in as
  staff): server time through the WSGI app (view, authorization, one query, template);
- the bare query behind it, and the other tree reads: descendants, ancestors (50 deep);
- descendants as a recursive CTE over parent_id, the alternative to the materialized path.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.customers.services import register_customer
from portal.customers.values import BusinessIdentification, ContactInfo, CustomerType, NewCustomer
from portal.extensions import db
from portal.models import new_uuid, utcnow
from portal.organizations import queries, rules, services
from portal.organizations.models import (
    OrganizationMember,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.security.models import AuthSession, Role, User

RUNS = 50
TARGET_MS = 100
Node = OrganizationNode


def build(rng: random.Random) -> tuple[Node, Node, Node]:
    """The organisation; returns (root, the division with 1,000 locations, the deepest node)."""
    staff = User(
        email="bench.admin@staff.efi.example",
        name="Bench Admin",
        roles=list(db.session.scalars(sa.select(Role).where(Role.name == "administrator"))),
    )
    db.session.add(staff)
    customer = register_customer(
        staff,
        NewCustomer(
            name="Bench Grill Group",
            customer_type=CustomerType.FULL_SERVICE_RESTAURANT,
            contact=ContactInfo(email="ops@bench.example", phone="+13055550100"),
            type_data={"cuisine_type": "Jamaican", "seating_capacity": 80},
            business=BusinessIdentification(tax_id="12-3456789", registration_number="R-1"),
        ),
    )
    root = services.create_organization(staff, customer.id, "Bench Grill Group", "BGG")
    rows: list[dict] = []

    def add(parent: dict, node_type: str, code: str) -> dict:
        row = {
            "id": new_uuid(),
            "organization_id": root.id,
            "parent_id": parent["id"],
            "path": parent["path"] + services.tree.new_segment(),
            "depth": parent["depth"] + 1,
            "type": node_type,
            "name": f"{node_type.title()} {code}",
            "code": code,
            "status": "ACTIVE",
            "attributes": {},
            "created_at": utcnow(),
            "created_by": staff.email,
            "updated_at": utcnow(),
            "updated_by": staff.email,
        }
        rows.append(row)
        return row

    top = {"id": root.id, "path": root.path, "depth": 0}
    divisions = [add(top, "DIVISION", f"D{i}") for i in range(9)]
    locations = [add(divisions[0], "LOCATION", f"L{i:04}") for i in range(1000)]
    departments = [add(locations[i % 1000], "DEPARTMENT", f"P{i:04}") for i in range(8990)]
    deepest = departments[0]
    for level in range(50):
        deepest = add(deepest, "DEPARTMENT", f"C{level:02}")
    db.session.execute(sa.insert(Node), rows)

    buyer = db.session.scalar(
        sa.select(OrganizationRole.id).where(
            OrganizationRole.organization_id == root.id, OrganizationRole.name == "Buyer"
        )
    )
    users = [
        {
            "id": new_uuid(),
            "email": f"buyer{i}@bench.example",
            "name": f"Buyer {i}",
            "kind": "external",
            "active": True,
            "is_demo": False,
            "failed_logins": 0,
            "created_at": utcnow(),
        }
        for i in range(2000)
    ]
    members = [
        {
            "id": new_uuid(),
            "organization_id": root.id,
            "user_id": u["id"],
            "start_date": date(2026, 1, 1),
            "status": "ACTIVE",
            "created_at": utcnow(),
        }
        for u in users
    ]
    places = [rng.choice(locations + departments) for _ in members]
    assignments = [
        {
            "id": new_uuid(),
            "member_id": m["id"],
            "role_id": buyer,
            "node_id": place["id"],
            "node_path": place["path"],
            "created_at": utcnow(),
            "created_by": staff.email,
        }
        for m, place in zip(members, places, strict=True)
    ]
    db.session.execute(sa.insert(User), users)
    db.session.execute(sa.insert(OrganizationMember), members)
    db.session.execute(sa.insert(RoleAssignment), assignments)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
    return root, db.session.get(Node, divisions[0]["id"]), db.session.get(Node, deepest["id"])


def signed_in_client(app):
    staff = db.session.scalar(sa.select(User).where(User.email == "bench.admin@staff.efi.example"))
    session_id = f"bench-{os.urandom(6).hex()}"
    db.session.add(AuthSession(id=session_id, user_id=staff.id, method="bench"))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(_user_id=session_id, _fresh=True, seen=utcnow().isoformat())
    return client


def timed(work: Callable[[], object]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run. On a busy machine the wall clock also counts
    waiting for a core; CPU time (this thread: the app and, on SQLite, the database) does not."""
    work()  # warm-up: plans, templates, caches
    wall, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.thread_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return wall, cpu


def line(label: str, seconds: tuple[list[float], list[float]], note: str = "") -> str:
    wall, cpu = seconds
    ordered = sorted(wall)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    ms = (statistics.median(wall) * 1000, p95 * 1000, statistics.median(cpu) * 1000)
    return f"{label:<44}" + "".join(f"{value:>9.1f}" for value in ms) + f"  {note}"


def recursive_descendants(node_id: str) -> int:
    tree = sa.select(Node.id).where(Node.id == node_id).cte("tree", recursive=True)
    tree = tree.union_all(sa.select(Node.id).join(tree, Node.parent_id == tree.c.id))
    return db.session.scalar(sa.select(sa.func.count()).select_from(tree))


def path_descendants(node: Node) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Node).where(queries.under(node.path))
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ORG_DATABASE_URL"))
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    url = options.database_url or f"sqlite:///{tempfile.mkdtemp()}/org_tree.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        started = time.perf_counter()
        root, division, deepest = build(random.Random(options.seed))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Node))
        print(
            f"{db.engine.dialect.name}: {total:,} nodes built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = signed_in_client(app)
        url_children = f"/organizations/nodes/{division.id}/children"

        def expand():
            response = client.get(url_children, headers={"HX-Request": "true"})
            assert response.status_code == 200, response.status_code
            return response

        shown = expand().text.count('role="treeitem"')
        expand_s = timed(expand)
        print(f"{'':<44}{'median':>9}{'p95':>9}{'cpu':>9}  (ms)")
        print(line(f"expand {shown:,} children (request)", expand_s, f"target < {TARGET_MS} ms"))
        print(line("  its query (children + counts)", timed(lambda: queries.children(division))))
        print(line("descendants of root, path range", timed(lambda: path_descendants(root))))
        print(
            line(
                "descendants of root, recursive CTE", timed(lambda: recursive_descendants(root.id))
            )
        )
        print(
            line("descendants of division, path range", timed(lambda: path_descendants(division)))
        )
        print(
            line(
                "descendants of division, recursive CTE",
                timed(lambda: recursive_descendants(division.id)),
            )
        )
        print(
            line(
                f"ancestors + effective attributes ({deepest.depth} deep)",
                timed(lambda: rules.effective_attributes(queries.chain(deepest))),
            )
        )
        wall_ms, cpu_ms = (statistics.median(series) * 1000 for series in expand_s)
        verdict = "meets" if wall_ms < TARGET_MS else "MISSES"
        print(
            f"expand figure: {wall_ms:.1f} ms median server time, {cpu_ms:.1f} ms CPU "
            f"({verdict} the {TARGET_MS} ms target; load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs)"
        )
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
