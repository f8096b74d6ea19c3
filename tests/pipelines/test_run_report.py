"""The run report: a match model that cannot be right, and what kept records apart (issue 19)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.cli.report import render_run


def _report(**summary: object) -> str:
    """The report of a run of two records linked into one customer, and `summary`."""
    return render_run(
        {
            "rows_landed": {"crm": 2},
            "standardized": {"crm": 2},
            "quarantined": {"crm": 0},
            "candidate_pairs": {"email": {"pairs": 1, "new_pairs": 1}},
            "links": 1,
            "review_pairs": 0,
            "golden_customers": 1,
            "model": {"version": 3, "trained": True},
            **summary,
        },
        pd.DataFrame(columns=["source", "stage", "rule", "rows"]),
    )


@pytest.mark.parametrize("doubts", [[], ["`email` exact counts against a match (-1.58)"]])
def test_the_run_report_says_when_a_model_is_implausible(doubts: list[str]) -> None:
    report = _report(model={"version": 3, "trained": True, "implausible": doubts})

    assert ("it looks implausible" in report) == bool(doubts)
    for doubt in doubts:
        assert f"      - {doubt}" in report


@pytest.mark.parametrize(
    ("conflicts", "expected"),
    [
        (
            {
                "attributes": ["birth_date", "given_name"],
                "households": "9 of 60 pairs …: households",
            },
            "kept apart by       birth date or given name differing\n    9 of 60 pairs …",
        ),
        (
            {"attributes": [], "households": "0 of 80 pairs …: no households"},
            "kept apart by       nothing: weighed as evidence\n    0 of 80 pairs …",
        ),
        (
            {"attributes": ["birth_date"], "households": None},
            "birth date differing (as configured)",
        ),
    ],
)
def test_the_run_report_says_what_kept_records_apart_and_why(
    conflicts: dict[str, object], expected: str
) -> None:
    assert expected in _report(conflicts=conflicts)
