"""Customer data validation rules at 1M customers: the preview's count of the existing
customers a rule set fails, and what enforcing the rules adds to a registration.

`python -m bench.validation`: the preview reads $BENCH_PREVIEW_URL (default bench_1m) in a
read-only session, so it needs no copy of the 12 GB database; the registrations write to
$BENCH_DATABASE_URL (default bench_validation, migrated to head; never bench_1m). What the
configured check adds to a registration (one primary-key read and the checks in Python) does
not grow with the number of customers, so a small database measures it. It is measured in
alternating rounds in one process: without the configured check (the code before it), with
no rules saved, and with a realistic set, so that the ratios hold on a shared, noisy machine
better than the absolute times.
"""

from __future__ import annotations

import os
import statistics
import time
from unittest import mock

import sqlalchemy as sa

from bench.dashboards import administrator, signed_in
from portal import create_app
from portal.customers import services
from portal.customers.queries import validation as queries
from portal.customers.rules.configured import PatternRule, RuleSet
from portal.customers.services import validation
from portal.customers.values import ContactInfo, CustomerType, NewCustomer
from portal.extensions import db
from portal.security.models import User

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_validation"
PREVIEW_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_1m"
D, T, R = (
    CustomerType.DIASPORA_COMMUNITY,
    CustomerType.TOURIST,
    CustomerType.FULL_SERVICE_RESTAURANT,
)
ONE_FIELD = RuleSet(required={D: ("cultural_affinity",)})
REALISTIC = RuleSet(
    required={D: ("alternative_phone", "generational_remove"), R: ("legal_entity_name",)},
    patterns=(
        PatternRule("email", r"[^@\s]+@[a-z0-9.\-]+\.[a-z]{2,}", "Use a lower-case domain."),
        PatternRule("name", r"[A-Z].*", "Start with a capital."),
        PatternRule("first_encounter", r"[A-Za-z ,.'\-]+", customer_type=T),
    ),
)
ROUNDS = 5
PER_ROUND = 40


def _timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def bench_preview() -> None:
    for name, rules in (("one required field", ONE_FIELD), ("3 required + 3 patterns", REALISTIC)):
        times = []
        for _ in range(3):
            seconds, failing = _timed(lambda rules=rules: queries.failing(rules))
            times.append(seconds)
            db.session.rollback()
        print(
            f"preview, {name:<26} median {statistics.median(times) * 1000:8.0f} ms "
            f"(runs: {', '.join(f'{t * 1000:.0f}' for t in times)}), fails {failing.total:,}"
        )


COUNT_URL = "/customers/validation-rules/preview/count"
HTMX = {"HX-Request": "true"}


def _form(rules: RuleSet) -> dict:
    """The rules page's form fields for `rules`."""
    data: dict = {f"required_{kind.value}": list(names) for kind, names in rules.required.items()}
    for n, rule in enumerate(rules.patterns):
        data |= {
            f"patterns-{n}-field": rule.field,
            f"patterns-{n}-customer_type": rule.customer_type.value if rule.customer_type else "",
            f"patterns-{n}-pattern": rule.pattern,
            f"patterns-{n}-message": rule.message,
        }
    return data


def bench_preview_page(app, actor: User, rounds: int = 3) -> None:
    """The Preview button as a person sees it: how long until the page answers, and until the
    count is there (the page's own request for it, where the page asks for it after)."""
    client = signed_in(app, actor)
    data = _form(REALISTIC)
    page, count = [], []
    for _ in range(rounds):
        seconds, answer = _timed(
            lambda: client.post("/customers/validation-rules/preview", data=data)
        )
        assert answer.status_code == 200, answer.status_code
        asks = COUNT_URL in answer.text  # else the count came with the page
        waited = 0.0
        if asks:
            waited, counted = _timed(lambda: client.post(COUNT_URL, data=data, headers=HTMX))
            assert counted.status_code == 200, counted.status_code
        page.append(seconds)
        count.append(seconds + waited)
    print(
        f"preview page, 3 required + 3 patterns: answers in "
        f"{statistics.median(page) * 1000:.0f} ms, the count there after "
        f"{statistics.median(count) * 1000:.0f} ms (medians of {rounds})"
    )


def _new(n: int, tag: str) -> NewCustomer:
    return NewCustomer(
        name=f"Bench {tag} {n}",
        customer_type=D,
        contact=ContactInfo(
            email=f"bench-{tag}-{n}-{time.time_ns()}@example.org",
            phone="+18765551234",
            alternative_phone="+18765550000",
        ),
        type_data={
            "origin_region": "Kingston, Jamaica",
            "generational_remove": 1,
            "caribbean_cuisines": ["JAMAICAN"],
        },
    )


def _register_round(actor: User, tag: str, n: int) -> tuple[float, float]:
    """Wall and CPU seconds per registration over PER_ROUND registrations."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(PER_ROUND):
        services.register_customer(actor, _new(n * PER_ROUND + i, tag))
    return (
        (time.perf_counter() - wall) / PER_ROUND,
        (time.process_time() - cpu) / PER_ROUND,
    )


def bench_registration(actor: User) -> None:
    results: dict[str, list[tuple[float, float]]] = {"before": [], "none": [], "rules": []}
    for n in range(ROUNDS):
        with mock.patch.object(validation, "configured_errors", return_value={}):
            results["before"].append(_register_round(actor, "before", n))
        db.session.execute(sa.delete(validation.ValidationRuleVersion))
        db.session.commit()
        results["none"].append(_register_round(actor, "none", n))
        validation.save_rules(actor, REALISTIC, "bench")
        results["rules"].append(_register_round(actor, "rules", n))
        db.session.execute(sa.delete(validation.ValidationRuleVersion))
        db.session.commit()
    base_wall = statistics.median(w for w, _ in results["before"])
    base_cpu = statistics.median(c for _, c in results["before"])
    for name, label in (
        ("before", "registration, no configured check"),
        ("none", "registration, check, no rules saved"),
        ("rules", "registration, check, 3 required + 3 patterns"),
    ):
        wall = statistics.median(w for w, _ in results[name])
        cpu = statistics.median(c for _, c in results[name])
        print(
            f"{label:<46} wall {wall * 1000:6.1f} ms ({wall / base_wall:4.2f}x)  "
            f"cpu {cpu * 1000:6.1f} ms ({cpu / base_cpu:4.2f}x)"
        )


def _app(url: str, *, read_only: bool = False):
    # The SECRET_KEY bench_1m's encrypted fields were written with ($BENCH_SECRET_KEY).
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "x"),
        "LOG_LEVEL": "WARNING",
        "WTF_CSRF_ENABLED": False,  # the page's posts are timed, not their tokens
    }
    if read_only:  # every connection refuses writes
        options = {"options": "-c default_transaction_read_only=on"}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": options}
    return create_app(config)


def _count_customers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("customer")))


def main(argv: list[str] | None = None) -> None:
    print("Shared 2-core machine: wall times are noisy; compare the ratios of one run.")
    with _app(os.environ.get("BENCH_PREVIEW_URL", PREVIEW_URL), read_only=True).app_context():
        print(f"PostgreSQL {db.engine.url.database}: {_count_customers():,} customers")
        bench_preview()
        db.session.remove()
        db.engine.dispose()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    assert not url.endswith("/bench_1m"), "the registrations write: use another database"
    app = _app(url)
    with app.app_context():
        print(f"PostgreSQL {db.engine.url.database}: {_count_customers():,} customers")
        actor = db.session.scalar(sa.select(User).limit(1))
        if actor is None:
            actor = User(email="bench@staff.efi.example", name="Bench")
            db.session.add(actor)
            db.session.commit()
        bench_preview_page(app, administrator())
        bench_registration(actor)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
