"""The run report names a match model that cannot be right (issue 19, item 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.cli.report import render_run


@pytest.mark.parametrize("doubts", [[], ["`email` exact counts against a match (-1.58)"]])
def test_the_run_report_says_when_a_model_is_implausible(doubts: list[str]) -> None:
    summary = {
        "rows_landed": {"crm": 2},
        "standardized": {"crm": 2},
        "quarantined": {"crm": 0},
        "candidate_pairs": {"email": {"pairs": 1, "new_pairs": 1}},
        "links": 1,
        "review_pairs": 0,
        "golden_customers": 1,
        "model": {"version": 3, "trained": True, "implausible": doubts},
    }

    report = render_run(summary, pd.DataFrame(columns=["source", "stage", "rule", "rows"]))

    assert ("it looks implausible" in report) == bool(doubts)
    for doubt in doubts:
        assert f"      - {doubt}" in report
