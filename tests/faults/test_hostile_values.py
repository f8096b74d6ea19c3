"""Values holding a NUL, through the quality stage's text cleaning (issue 18, items 3, 14).

Found by the hostile-file suite: pandas before 3.1 compares text in its hash tables only
up to the first NUL (pandas-dev/pandas#34551), so numbering raw values with
``pandas.factorize`` took keys ``K<NUL>1`` and ``K<NUL>2`` for one key, and published
both ``Ann<NUL>a`` and ``Ann<NUL>ette`` as ``Anna``.
"""

from __future__ import annotations

import pandas as pd

from quality import clean_text, map_pairs, map_values

# Text only: with a missing value among them, pandas takes another (right) path.
AS_READ = ["K\x001", "K\x002", "Ann\x00a", "Ann\x00ette", "a", "a\x00b"]
CLEANED = ["K1", "K2", "Anna", "Annette", "a", "ab"]


def test_clean_text_keeps_values_apart_that_differ_after_a_nul() -> None:
    assert clean_text(pd.Series(AS_READ, dtype=object)).tolist() == CLEANED


def test_map_values_and_map_pairs_see_every_distinct_value() -> None:
    values = pd.Series(AS_READ, dtype=object)
    assert map_values(values, repr).tolist() == [repr(value) for value in AS_READ]
    context = pd.Series(["DE"] * len(AS_READ), dtype=object)
    paired = map_pairs(values, context, lambda value, country: f"{value}/{country}")
    assert paired.tolist() == [f"{value}/DE" for value in AS_READ]
