"""The model's comparison levels: the guarded "typo" level finds exactly the pairs that
Damerau-Levenshtein alone finds, so the saved weights keep their meaning."""

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
