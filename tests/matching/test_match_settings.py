from __future__ import annotations

import pytest

from matching import MatchSettings, MatchSettingsError


def test_section_is_optional() -> None:
    assert MatchSettings.from_hub_config({"sources": {}}) == MatchSettings()
    assert MatchSettings.from_hub_config(None) == MatchSettings()


def test_reads_matching_section() -> None:
    settings = MatchSettings.from_hub_config(
        {"matching": {"link_threshold": 0.9, "blocking_passes": [["email"], ["postcode"]]}}
    )
    assert settings.link_threshold == 0.9
    assert settings.blocking_passes == [["email"], ["postcode"]]


@pytest.mark.parametrize(
    ("section", "culprit"),
    [
        ({"link_threshold": 1.5}, "matching.link_threshold"),
        ({"blocking_passes": [["email", "shoe_size"]]}, "matching.blocking_passes.0.1"),
        ({"blocking_passes": [[]]}, "matching.blocking_passes"),
        ({"max_cluster_size": 1}, "matching.max_cluster_size"),
        ({"link_treshold": 0.9}, "matching.link_treshold"),
        ({"review_threshold": 0.97}, "review_threshold (0.97) must not exceed"),
    ],
    ids=["threshold-range", "unknown-key", "empty-pass", "cluster-size", "typo", "review>link"],
)
def test_errors_name_the_field(section: dict[str, object], culprit: str) -> None:
    with pytest.raises(MatchSettingsError, match=r"hub\.yaml") as error:
        MatchSettings.from_hub_config({"matching": section}, origin="hub.yaml")
    assert culprit in str(error.value)


def test_every_problem_reported_at_once() -> None:
    with pytest.raises(MatchSettingsError) as error:
        MatchSettings.from_hub_config({"matching": {"link_threshold": 2, "em_iterations": 0}})
    assert "link_threshold" in str(error.value)
    assert "em_iterations" in str(error.value)
