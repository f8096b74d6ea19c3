from __future__ import annotations

import pandas as pd

from matching.names import nickname_group_ids


def test_nicknames_share_a_group_and_strangers_do_not() -> None:
    groups = nickname_group_ids(pd.Series(["william", "bill", "liam", "robert", "zebedee"]))
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0]
    assert groups[4] == -1
