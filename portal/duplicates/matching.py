"""The matcher: a Fellegi-Sunter model trained and run by Splink on DuckDB, in process.

The identifying fields are standardised in Python (rules.py) once, by the export that feeds the
full scan and by the incremental check alike, so both compare exactly the same values. The model
(m and u probabilities per comparison level, trained by EM) is `model.json` beside this module,
written by `flask --app wsgi duplicates train`.

The full scan hands every customer to Splink, which generates pairs only within the blocking
rules (same phone, same mailbox, same name words, same post code with a similar name, same
business id), so a million customers are never compared all-pairs. The incremental check cannot
afford Splink's set-up per request (hundreds of milliseconds): it takes the few candidates the
indexed SQL look-ups return (queries.py) and evaluates the saved model's own comparison-level SQL
on them in an in-memory DuckDB connection, adding the saved weights, so a registration is scored
by the same levels and weights as the scan.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from portal.duplicates import rules

MODEL_PATH = Path(__file__).with_name("model.json")
# Pairs at or above this probability are proposed for review.
THRESHOLD = 0.9
COLUMNS = (
    "name_key",
    "sorted_name",
    "email_key",
    "phone_key",
    "street_key",
    "postcode_key",
    "birthday",
    "tax_hash",
    "registration_hash",
)
# What the explanation calls each comparison.
FIELD_NAMES = {
    "name": "name",
    "email": "e-mail",
    "phone": "phone",
    "address": "address",
    "birthday": "birthday",
    "business_id": "tax/registration number",
}
# The columns each comparison shows in an explanation ("name Jaramillo/Jaramilo").
SHOWN = {
    "name": "name_key",
    "email": "email_key",
    "phone": "phone_key",
    "address": "street_key",
    "birthday": "birthday",
}


@dataclass(frozen=True)
class Identity:
    """One customer's identifying values as they reach the matcher (raw, from the database)."""

    id: str
    name: str | None
    email: str | None
    phone: str | None
    street: str | None = None
    postal_code: str | None = None
    country: str | None = None
    special_dates: list | None = None
    tax_id: str | None = None
    registration_number: str | None = None


def standardised(identity: Identity, secret: bytes) -> dict:
    """The row the model compares: every column of COLUMNS, standardised."""
    name = rules.fold(identity.name)
    return {
        "unique_id": identity.id,
        "name_key": name or None,
        "sorted_name": rules.sorted_words(name),
        "email_key": rules.email_key(identity.email),
        "phone_key": rules.phone_key(identity.phone),
        "street_key": rules.street_key(identity.street),
        "postcode_key": rules.postcode_key(identity.postal_code, identity.country),
        "birthday": rules.birthday(identity.special_dates),
        "tax_hash": rules.keyed_hash(secret, identity.tax_id),
        "registration_hash": rules.keyed_hash(secret, identity.registration_number),
    }


# Columns blocked on alone, each through a copy that is null where more than BLOCK_LIMIT
# customers share the value: a switchboard number or a common name would otherwise make one
# block of thousands of customers, and millions of pairs that the other fields reject anyway.
BLOCKED = ("phone_key", "email_key", "sorted_name", "tax_hash", "registration_hash")
BLOCK_LIMIT = 30

SCHEMA = pa.schema([("unique_id", pa.string())] + [(c, pa.string()) for c in COLUMNS])


def arrow_table(rows: Iterable[dict]) -> pa.Table:
    rows = list(rows)
    # Column by column: several times faster than from_pylist on a million rows.
    return pa.Table.from_pydict({c: [row[c] for row in rows] for c in SCHEMA.names}, schema=SCHEMA)


def within_edits(column: str, edits: int) -> str:
    """Damerau-Levenshtein distance at most `edits`, its cost paid only by the pairs that can
    pass: the distance is at least the length difference and at least half the Levenshtein
    distance. DuckDB's damerau_levenshtein is some 20 times slower than levenshtein, and most
    blocked pairs are strangers: unguarded, it was three quarters of the scan."""
    left, right = f'"{column}_l"', f'"{column}_r"'
    return (
        f"abs(length({left}) - length({right})) <= {edits}"
        f" AND levenshtein({left}, {right}) <= {2 * edits}"
        f" AND damerau_levenshtein({left}, {right}) <= {edits}"
    )


def settings():
    """The comparisons and blocking rules (Splink settings without trained parameters)."""
    import splink.comparison_level_library as cll
    from splink import SettingsCreator, block_on
    from splink.comparison_library import CustomComparison

    def typo(column: str, edits: int, label: str = "typo"):
        return cll.CustomLevel(within_edits(column, edits)).configure(label_for_charts=label)

    def levels(name: str, *middle):
        return CustomComparison(
            output_column_name=name,
            comparison_levels=[
                cll.NullLevel(SHOWN.get(name, name)),
                *middle,
                cll.ElseLevel().configure(label_for_charts="different"),
            ],
        )

    both_null = " AND ".join(
        f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in ("tax_hash", "registration_hash")
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-6,
        comparisons=[
            levels(
                "name",
                cll.ExactMatchLevel("name_key").configure(label_for_charts="same"),
                cll.ExactMatchLevel("sorted_name").configure(label_for_charts="swapped"),
                cll.JaroWinklerLevel("name_key", 0.92).configure(label_for_charts="close"),
                typo("name_key", 2),
                cll.JaroWinklerLevel("name_key", 0.8).configure(label_for_charts="similar"),
                # One of the names kept, the other changed (married, mistyped beyond a typo).
                cll.CustomLevel(
                    "list_has_any(string_split(\"name_key_l\", ' '), "
                    "string_split(\"name_key_r\", ' '))"
                ).configure(label_for_charts="one name in common"),
            ),
            levels(
                "email",
                cll.ExactMatchLevel("email_key").configure(label_for_charts="same"),
                typo("email_key", 2),
                cll.CustomLevel(
                    "split_part(\"email_key_l\", '@', 1) = split_part(\"email_key_r\", '@', 1)"
                ).configure(label_for_charts="same mailbox name"),
            ),
            levels(
                "phone",
                cll.ExactMatchLevel("phone_key").configure(label_for_charts="same"),
                typo("phone_key", 1),
            ),
            levels(
                "address",
                cll.And(
                    cll.ExactMatchLevel("street_key"), cll.ExactMatchLevel("postcode_key")
                ).configure(label_for_charts="same"),
                cll.And(
                    cll.JaroWinklerLevel("street_key", 0.88), cll.ExactMatchLevel("postcode_key")
                ).configure(label_for_charts="close"),
                cll.ExactMatchLevel("postcode_key").configure(label_for_charts="same post code"),
            ),
            levels(
                "birthday",
                cll.ExactMatchLevel("birthday").configure(label_for_charts="same"),
            ),
            CustomComparison(
                output_column_name="business_id",
                comparison_levels=[
                    cll.CustomLevel(both_null).configure(is_null_level=True),
                    cll.Or(
                        cll.ExactMatchLevel("tax_hash"), cll.ExactMatchLevel("registration_hash")
                    ).configure(label_for_charts="same"),
                    cll.ElseLevel().configure(label_for_charts="different"),
                ],
            ),
        ],
        blocking_rules_to_generate_predictions=[block_on(f"{column}_block") for column in BLOCKED]
        + [
            block_on("postcode_key", "substr(sorted_name, 1, 3)"),
            block_on("street_key", "postcode_key"),
            block_on("birthday", "substr(name_key, 1, 4)"),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )


def _linker(table: pa.Table, model: dict | object):
    from splink import DuckDBAPI, Linker

    # Spills go to the system's temporary directory, not the working directory.
    connection = duckdb.connect(config={"temp_directory": tempfile.gettempdir()})
    connection.register("standardised", table)
    blocks = ", ".join(
        f"CASE WHEN count(*) OVER (PARTITION BY {c}) <= {BLOCK_LIMIT} THEN {c} END AS {c}_block"
        for c in BLOCKED
    )
    # Our own column names only.
    connection.execute(f"CREATE TABLE customers AS SELECT *, {blocks} FROM standardised")  # noqa: S608
    api = DuckDBAPI(connection=connection)
    frame = api.register("customers", dataset_display_name="customers")
    return Linker(frame, model, log_level=logging.WARNING)


# Random pairs whose agreement estimates u (how often strangers agree) per level.
U_PAIRS = 2_000_000


def train(table: pa.Table, path: Path = MODEL_PATH) -> dict:
    """EM-train the model on `table` (no labels: Fellegi-Sunter learns m from the data) and save
    it as JSON at `path`."""
    from splink import block_on

    linker = _linker(table, settings())
    training = linker.training
    # Only columns the data has: the demo has no business ids, FEBRL no e-mail or phone.
    present = {c for c in COLUMNS if table.column(c).null_count < len(table)}
    sure = [("name_key", "phone_key"), ("name_key", "email_key"), ("name_key", "postcode_key")]
    training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in sure if present.issuperset(rule)], recall=0.8
    )
    training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=1)
    # Each EM run blocks on one field (its capped copy) and so learns the weights of the others.
    # Not on the phone: one is often shared by strangers (a household, a switchboard), and EM
    # blocked on it settles on a "match" class of such strangers (every m went wrong).
    for column in ("email_key", "sorted_name"):
        if column in present:
            training.estimate_parameters_using_expectation_maximisation(
                block_on(f"{column}_block"), estimate_without_term_frequencies=True
            )
    if "email_key" not in present:  # FEBRL-like data: no contact details to block on
        training.estimate_parameters_using_expectation_maximisation(
            block_on("postcode_key"), estimate_without_term_frequencies=True
        )
    model = linker.misc.save_model_to_json()
    _floor_unseen_u(model)
    _explicit_m(model)
    path.write_text(json.dumps(model, indent=2))
    _model.cache_clear()
    return model


def _floor_unseen_u(model: dict) -> None:
    """A level no random pair reached (the same e-mail, among a million pairs of strangers) has
    no u; Splink would then weigh it nothing. Never seen in U_PAIRS pairs means at most about
    1/U_PAIRS: that bound is its u, so an agreement on a rare value counts."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and not level.get("u_probability"):
                level["u_probability"] = 1 / U_PAIRS


def _explicit_m(model: dict) -> None:
    """Every level's m in the file, so that the scan (Splink) and the registration check (our
    own scoring) weigh a level alike: Splink gives a level EM never reached a default m (0.95
    for the top level, the rest shared among the others), which our scoring read as no weight.
    A comparison the data never filled at all (birthdays: the demo has none) would then weigh
    a different birthday +16.6 against a floored u; it weighs nothing (m = u) until trained
    on data that has it."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        unseen = all(lv.get("m_probability") is None for lv in levels)
        for rank, level in enumerate(levels):
            if unseen:
                level["m_probability"] = level["u_probability"]
            elif level.get("m_probability") is None:
                level["m_probability"] = 0.95 if rank == 0 else 0.05 / (len(levels) - 1)


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    weight: float
    gamma: int


@dataclass(frozen=True)
class Model:
    prior: float  # match weight of two random records
    comparisons: dict[str, list[Level]]  # the null level (gamma -1) first, then by specificity

    def weights(self, gammas: dict[str, int], left: dict, right: dict) -> list[dict]:
        """The explanation of one pair: per comparison its level and weight (null levels,
        where a value is missing, weigh nothing and are left out)."""
        found = []
        for name, levels in self.comparisons.items():
            level = next((lv for lv in levels if lv.gamma == gammas.get(name)), None)
            if level is None or level.gamma < 0:
                continue
            found.append(
                {
                    "field": name,
                    "label": _label(name, level.label, left, right),
                    "weight": round(level.weight, 2),
                }
            )
        return found

    def score(self, weights: Sequence[dict]) -> tuple[float, float]:
        match_weight = self.prior + sum(w["weight"] for w in weights)
        return match_weight, rules.probability(match_weight)


def _label(name: str, level: str, left: dict, right: dict) -> str:
    field = FIELD_NAMES[name]
    column = SHOWN.get(name)
    if level in ("same", "different") or column is None:
        return f"{level} {field}"
    return f"{field} {left.get(column)}/{right.get(column)}"


def _bayes_weight(level: dict) -> float:
    m, u = level.get("m_probability"), level.get("u_probability")
    if not m or not u:
        return 0.0
    return math.log2(m / u)


def parse_model(model: dict) -> Model:
    comparisons = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        nulls = [lv for lv in levels if lv.get("is_null_level")]
        rest = [lv for lv in levels if not lv.get("is_null_level")]
        comparisons[comparison["output_column_name"]] = [
            Level(label="missing", sql=lv["sql_condition"], weight=0.0, gamma=-1) for lv in nulls
        ] + [
            Level(
                label=lv.get("label_for_charts", ""),
                sql=lv["sql_condition"],
                weight=_bayes_weight(lv),
                gamma=len(rest) - 1 - index,
            )
            for index, lv in enumerate(rest)
        ]
    prior = model["probability_two_random_records_match"]
    return Model(prior=math.log2(prior / (1 - prior)), comparisons=comparisons)


@lru_cache(maxsize=1)
def _model() -> Model:
    return parse_model(json.loads(MODEL_PATH.read_text()))


def model() -> Model:
    return _model()


def scan(table: pa.Table, threshold: float = THRESHOLD) -> Iterator[dict]:
    """Every pair of `table` at or above `threshold`: ids (lower first), match weight,
    probability and the explanation."""
    linker = _linker(table, json.loads(MODEL_PATH.read_text()))
    predicted = linker.inference.predict(threshold_match_probability=threshold)
    relation = predicted.as_duckdbpyrelation()
    gamma_columns = [f"gamma_{name}" for name in model().comparisons]
    shown = sorted(set(SHOWN.values()))
    columns = ["unique_id_l", "unique_id_r", *gamma_columns]
    columns += [f"{c}_{side}" for c in shown for side in ("l", "r")]
    # Only the pairs above the threshold: a few per cent of the customers at most.
    for row in relation.select(*columns).fetchall():
        yield _pair(dict(zip(columns, row, strict=True)), shown)


def _pair(row: dict, shown: list[str]) -> dict:
    left = {c: row[f"{c}_l"] for c in shown}
    right = {c: row[f"{c}_r"] for c in shown}
    gammas = {name: row[f"gamma_{name}"] for name in model().comparisons}
    weights = model().weights(gammas, left, right)
    match_weight, probability = model().score(weights)
    a, b = sorted((row["unique_id_l"], row["unique_id_r"]))
    return {
        "customer_a": a,
        "customer_b": b,
        "match_weight": match_weight,
        "probability": probability,
        "weights": weights,
    }


_local = threading.local()


def _scoring_sql(found: Model) -> str:
    cases = []
    for name, levels in found.comparisons.items():
        whens = " ".join(
            f"ELSE {lv.gamma}"
            if lv.sql.strip().upper() == "ELSE"
            else f"WHEN {lv.sql} THEN {lv.gamma}"
            for lv in levels
        )
        cases.append(f'CASE {whens} END AS "{name}"')
    # The saved model's own level conditions, as the scan ran them.
    return f"SELECT r.unique_id, {', '.join(cases)} FROM l, r"  # noqa: S608


def compare(new: dict, candidates: Sequence[dict]) -> list[dict]:
    """Score one standardised record against a few candidates with the saved model: the
    pairs of each candidate, as the scan would store them."""
    if not candidates:
        return []
    found = model()
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = duckdb.connect()
    left = arrow_table([new]).rename_columns(["unique_id", *(f"{c}_l" for c in COLUMNS)])
    right = arrow_table(candidates).rename_columns(["unique_id", *(f"{c}_r" for c in COLUMNS)])
    connection.register("l", left)
    connection.register("r", right)
    rows = connection.execute(_scoring_sql(found)).fetchall()
    by_id = {c["unique_id"]: c for c in candidates}
    names = list(found.comparisons)
    pairs = []
    for unique_id, *gammas in rows:
        weights = found.weights(dict(zip(names, gammas, strict=True)), new, by_id[unique_id])
        match_weight, probability = found.score(weights)
        pairs.append(
            {
                "customer_id": unique_id,
                "match_weight": match_weight,
                "probability": probability,
                "weights": weights,
            }
        )
    return sorted(pairs, key=lambda p: -p["probability"])
