"""The model's comparison levels: the guarded "typo" level finds exactly the pairs that
Damerau-Levenshtein alone finds, so the saved weights keep their meaning."""

import json

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.duplicates import matching

# A small alphabet makes transpositions, repeats and near misses common.
words = st.text(alphabet="abcde@.", min_size=0, max_size=9)


@settings(max_examples=50, deadline=None)
@given(
    pairs=st.lists(st.tuples(words, words), min_size=1, max_size=200), edits=st.sampled_from([1, 2])
)
def test_the_guarded_typo_level_is_damerau_levenshtein(pairs, edits):
    connection = duckdb.connect()
    connection.execute("CREATE TABLE p (x_l VARCHAR, x_r VARCHAR)")
    connection.executemany("INSERT INTO p VALUES (?, ?)", pairs)
    differ = connection.execute(
        f"SELECT x_l, x_r FROM p WHERE ({matching.within_edits('x', edits)})"  # noqa: S608
        f" IS DISTINCT FROM (damerau_levenshtein(x_l, x_r) <= {edits})"
    ).fetchall()
    assert differ == []


def test_the_saved_model_uses_the_guarded_level():
    typos = [
        level.sql
        for levels in matching.model().comparisons.values()
        for level in levels
        if "damerau_levenshtein" in level.sql
    ]
    assert typos == [
        matching.within_edits("name_key", 2),
        matching.within_edits("email_key", 2),
        matching.within_edits("phone_key", 1),
    ]


def test_every_level_of_the_saved_model_has_its_weight_in_the_file():
    """The scan (Splink) and the registration check (our scoring) read the same m and u for
    every level: no Splink default the check would weigh as nothing."""
    saved = json.loads(matching.MODEL_PATH.read_text())
    for comparison in saved["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert level["m_probability"], level["label_for_charts"]
                assert level["u_probability"], level["label_for_charts"]
    weights = {
        name: {lv.label: lv.weight for lv in levels}
        for name, levels in matching.model().comparisons.items()
    }
    # No birthday in the training data: a different one must not count for a match.
    assert weights["birthday"]["different"] == weights["birthday"]["same"] == 0
    assert weights["name"]["different"] < -5


def test_explicit_m_takes_splinks_defaults_and_neutralises_unseen_comparisons():
    model = {
        "comparisons": [
            {
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.6, "u_probability": 0.01},
                    {"m_probability": None, "u_probability": 0.02},
                    {"m_probability": None, "u_probability": 0.97},
                ]
            },
            {
                "comparison_levels": [
                    {"m_probability": None, "u_probability": 5e-7},
                    {"m_probability": None, "u_probability": 5e-7},
                ]
            },
        ]
    }
    matching._explicit_m(model)
    seen, unseen = (c["comparison_levels"] for c in model["comparisons"])
    assert [lv.get("m_probability") for lv in seen] == [None, 0.6, 0.025, 0.025]
    assert [lv["m_probability"] for lv in unseen] == [5e-7, 5e-7]
