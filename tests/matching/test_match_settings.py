from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from matching import MatchSettings
from matching.settings import DEFAULT_BLOCKING_PASSES, SortedNeighbourhoodPass


def test_every_setting_has_a_default() -> None:
    settings = MatchSettings.model_validate({})
    assert settings == MatchSettings()
    assert settings.review_threshold < settings.link_threshold


def test_reads_matching_section() -> None:
    settings = MatchSettings.model_validate(
        {
            "link_threshold": 0.9,
            "default_blocking_passes": False,
            "blocking_passes": [["email"], ["postcode"]],
        }
    )
    assert settings.link_threshold == 0.9
    assert settings.blocking_passes == [["email"], ["postcode"]]


def test_declared_passes_add_to_the_built_in_ones() -> None:
    built_in = [list(keys) for keys in DEFAULT_BLOCKING_PASSES]

    settings = MatchSettings.model_validate(
        {"attributes": {"ssn": {"comparison": "exact"}}, "blocking_passes": [["ssn"], ["email"]]}
    )

    # `email` is a built-in pass: it counts once.
    assert settings.blocking_passes == [*built_in, ["ssn"]]
    assert MatchSettings.model_validate(settings.model_dump()) == settings


def test_without_the_built_in_passes_some_must_be_declared() -> None:
    with pytest.raises(ValidationError, match="declare the passes in force"):
        MatchSettings.model_validate({"default_blocking_passes": False})


@pytest.mark.parametrize(
    ("section", "culprit"),
    [
        ({"link_threshold": 1.5}, "link_threshold"),
        ({"blocking_passes": [["email", "shoe_size"]]}, "blocking_passes"),
        ({"blocking_passes": [[]]}, "blocking_passes"),
        ({"blocking_passes": [["email"], ["email"]]}, "blocking_passes"),
        ({"max_cluster_size": 1}, "max_cluster_size"),
        ({"link_treshold": 0.9}, "link_treshold"),
        ({"review_threshold": 0.97}, ""),
        ({"attributes": {"address": {}}}, "attributes"),
        ({"must_link": [["crm:1", "crm:1"]]}, "must_link"),
        ({"cannot_link": [["crm:1", "web:2", "web:3"]]}, "cannot_link.0"),
        ({"model": "newest"}, "model"),
    ],
    ids=[
        "threshold-range",
        "unknown-key",
        "empty-pass",
        "repeated-pass",
        "cluster-size",
        "typo",
        "review>link",
        "attribute-clash",
        "must-link-to-itself",
        "cannot-link-three",
        "model-choice",
    ],
)
def test_errors_name_the_field(section: dict[str, object], culprit: str) -> None:
    with pytest.raises(ValidationError) as error:
        MatchSettings.model_validate(section)
    locations = [".".join(str(part) for part in e["loc"]) for e in error.value.errors()]
    assert culprit in locations


def test_review_threshold_must_not_exceed_link_threshold() -> None:
    with pytest.raises(ValidationError, match=r"review_threshold \(0.97\) must not exceed"):
        MatchSettings.model_validate({"review_threshold": 0.97})


def test_every_problem_reported_at_once() -> None:
    with pytest.raises(ValidationError) as error:
        MatchSettings.model_validate({"link_threshold": 2, "em_iterations": 0})
    assert {e["loc"][0] for e in error.value.errors()} == {"link_threshold", "em_iterations"}


def test_unknown_blocking_key_is_named_with_the_known_ones() -> None:
    with pytest.raises(
        ValidationError, match=r"pass 1: unknown blocking key 'shoe_size'.*postcode"
    ):
        MatchSettings.model_validate({"blocking_passes": [["email"], ["email", "shoe_size"]]})


def test_a_declared_attribute_is_a_blocking_key() -> None:
    settings = MatchSettings.model_validate(
        {
            "attributes": {"national_id": {"comparison": "edit_distance"}},
            "blocking_passes": [["national_id"], ["email"]],
        }
    )
    assert settings.attributes["national_id"].comparison == "edit_distance"
    assert not settings.attributes["national_id"].identifies_person


def test_an_unknown_attribute_comparison_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        MatchSettings.model_validate({"attributes": {"national_id": {"comparison": "soundex"}}})
    assert error.value.errors()[0]["loc"] == ("attributes", "national_id", "comparison")


def test_a_config_mixes_passes_of_keys_and_sorted_neighbourhood_passes() -> None:
    section = yaml.safe_load(
        """
        attributes: {national_id: {comparison: edit_distance}}
        default_blocking_passes: false
        blocking_passes:
          - [email]
          - [birth_date, family_name_metaphone]
          - {sorted_neighbourhood: family_name, window: 7, block_on: [birth_year]}
          - {sorted_neighbourhood: national_id}
        """
    )
    passes = MatchSettings.model_validate(section).blocking_passes
    assert passes[:2] == [["email"], ["birth_date", "family_name_metaphone"]]
    assert passes[2] == SortedNeighbourhoodPass(
        sorted_neighbourhood="family_name", window=7, block_on=["birth_year"]
    )
    assert passes[3] == SortedNeighbourhoodPass(sorted_neighbourhood="national_id", window=5)


@pytest.mark.parametrize(
    ("sorted_pass", "message"),
    [
        ({"sorted_neighbourhood": "famly_name"}, r"pass 1: unknown blocking key 'famly_name'"),
        (
            {"sorted_neighbourhood": "family_name", "block_on": ["birth_yr"]},
            r"pass 1: unknown blocking key 'birth_yr'",
        ),
        (
            {"sorted_neighbourhood": "family_name", "block_on": ["family_name"]},
            r"pass 1 repeats a key",
        ),
        (
            {"sorted_neighbourhood": "email", "block_on": ["phone"], "window": 3},
            r"pass 1 repeats pass 0",
        ),
        (
            {"sorted_neighbourhood": "family_name", "window": 1},
            r"blocking_passes\.1\.sorted_neighbourhood\.window\n.*greater than or equal to 2",
        ),
        (
            {"sorted_neighbourhood": "family_name", "windw": 3},
            r"blocking_passes\.1\.sorted_neighbourhood\.windw\n.*Extra inputs",
        ),
        ({"window": 3}, r"blocking_passes\.1\.sorted_neighbourhood\.sorted_neighbourhood\n"),
    ],
    ids=[
        "unknown-sort-key",
        "unknown-block-on-key",
        "sort-key-in-block-on",
        "repeated-pass",
        "window-below-2",
        "typo",
        "no-sort-key",
    ],
)
def test_sorted_neighbourhood_errors_name_the_pass_and_key(
    sorted_pass: dict[str, object], message: str
) -> None:
    first = {"sorted_neighbourhood": "email", "block_on": ["phone"], "window": 3}
    with pytest.raises(ValidationError, match=message):
        MatchSettings.model_validate({"blocking_passes": [first, sorted_pass]})
