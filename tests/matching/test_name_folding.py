from __future__ import annotations

import pandas as pd
import pytest

from matching.names import fold_text, nickname_group_ids


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Müller", "muller"),
        ("Søren", "soren"),
        ("Åse", "ase"),
        ("Núñez", "nunez"),
        ("Strauß", "strauss"),
        ("José-María", "jose maria"),
        ("  Ærø  ", "aero"),
    ],
    ids=["umlaut", "o-slash", "a-ring", "tilde", "eszett", "hyphen-acute", "ae-spaces"],
)
def test_fold_text(raw: str, folded: str) -> None:
    assert fold_text(raw) == folded


def test_nicknames_share_a_group_and_strangers_do_not() -> None:
    groups = nickname_group_ids(pd.Series(["william", "bill", "liam", "robert", "zebedee"]))
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0]
    assert groups[4] == -1
