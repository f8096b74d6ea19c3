"""The hub config: every problem reported at once, naming the file, source and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_config

DATA = Path(__file__).parents[1] / "data"

GOOD = """
warehouse:
  url: sqlite:///out/warehouse.sqlite
sources:
  crm_legacy:
    connector: {kind: sql, url: "sqlite:///crm.sqlite", table: CUSTOMER}
    primary_key: CUST_NO
    trust_rank: 1
    fields:
      full_name: {column: NAME, order: family_given}
      birth_date: {column: BIRTH_DT, format: DDMMYYYY}
      country: {value: "NO"}
  webshop:
    connector: {kind: csv, path: shop/customers.csv, delimiter: ";"}
    primary_key: customer_id
    trust_rank: 2
    fields: {email: email, given_name: first_name}
"""


def test_good_config_resolves_paths_next_to_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    (tmp_path / "hub.yaml").write_text(GOOD, encoding="utf-8")
    config = load_config(tmp_path / "hub.yaml")
    assert config.warehouse.url == f"sqlite:///{tmp_path}/out/warehouse.sqlite"
    assert config.sources["crm_legacy"].connector.url == f"sqlite:///{tmp_path}/crm.sqlite"
    assert config.sources["webshop"].connector.path == str(tmp_path / "shop/customers.csv")
    assert config.trust_ranks == {"crm_legacy": 1, "webshop": 2}
    assert config.sources["crm_legacy"].mapping.fields["country"].value == "NO"
    assert config.matching.link_threshold > config.matching.review_threshold


def test_environment_overrides_the_warehouse_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hub.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://hub@db/warehouse")
    assert load_config(tmp_path / "hub.yaml").warehouse.url == (
        "postgresql+psycopg://hub@db/warehouse"
    )


def test_every_problem_is_reported_at_once_with_file_source_and_field() -> None:
    path = DATA / "bad_hub.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    expected = [
        "field `warehouse.pool`: unknown setting",
        "source `crm_legacy`: field `connector`: give exactly one of `table` or `query`",
        "source `crm_legacy`: field `trust_rank`",
        "source `crm_legacy`: field `fields.full_name.order`",
        "source `crm_legacy`: field `fields.birth_date.format`: date format 'QQ'",
        "source `crm_legacy`: field `fields.birthday`: not a canonical field",
        "source `Web-Shop`: the name must be lower_snake_case",
        "source `Web-Shop`: field `connector`: Input tag 'ftp'",
        "source `newsletter`: field `primary_key`: required but missing",
        "source `newsletter`: field `fields.phone`: `format` applies only to",
        "field `matching.link_threshold`",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), f"{fragment!r} not in {problems}"
    assert len(problems) == len(expected), problems
    assert all(p.startswith(f"{path}: ") for p in problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [a, b", "line 1: not valid YAML"),
        ("- just\n- a list\n", "expected a mapping with `sources`"),
        ("sources: {}\n", "field `sources`"),
    ],
    ids=["broken-yaml", "not-a-mapping", "no-sources"],
)
def test_unusable_files_say_why(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hub.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("99 * * * *", "minute '99' is outside 0-59"),
        ("0 * * *", "has 5 fields"),
        ("every hour", "has 5 fields"),
    ],
    ids=["out-of-range", "four-fields", "words"],
)
def test_a_schedule_must_be_a_cron_expression(tmp_path: Path, schedule: str, message: str) -> None:
    config = GOOD.replace(
        "    trust_rank: 2\n", f"    trust_rank: 2\n    sync: {{schedule: '{schedule}'}}\n"
    )
    (tmp_path / "hub.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "hub.yaml")
    (problem,) = caught.value.problems
    assert "source `webshop`: field `sync.schedule`" in problem
    assert message in problem


@pytest.mark.parametrize(
    ("quality", "where", "message"),
    [
        (
            "{rules: {invalid_mail: {mostly: 0.9}}}",
            "field `quality`",
            "rules: invalid_mail not in the default suite",
        ),
        (
            "{rules: {invalid_email: {mostly: 1.5}}}",
            "field `quality.rules.invalid_email.mostly`",
            "less than or equal to 1",
        ),
        (
            "{expectations: [{rule: r, expectation: expect_column_values_to_be_shiny, "
            "column: email}]}",
            "field `quality.expectations.0` (rule `r`)",
            "`expect_column_values_to_be_shiny` is not a Great Expectations expectation",
        ),
        (
            "{expectations: [{rule: r, expectation: expect_column_values_to_match_regex, "
            "column: email, options: {pattern: x}}]}",
            "field `quality.expectations.0` (rule `r`)",
            "pattern: extra fields not permitted",
        ),
        (
            "{expectations: [{rule: r, expectation: expect_column_values_to_not_be_null, "
            "column: mail}]}",
            "field `quality.expectations.0`",
            "column 'mail' is not a canonical field",
        ),
    ],
    ids=["unknown-rule", "share-over-one", "unknown-expectation", "bad-argument", "column"],
)
def test_a_bad_quality_declaration_names_the_source_and_field(
    tmp_path: Path, quality: str, where: str, message: str
) -> None:
    config = GOOD.replace("    trust_rank: 2\n", f"    trust_rank: 2\n    quality: {quality}\n")
    (tmp_path / "hub.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "hub.yaml")
    (problem,) = caught.value.problems
    assert f"source `webshop`: {where}" in problem
    assert message in problem


@pytest.mark.parametrize(
    ("attributes", "where", "message"),
    [
        ("{Tax-ID: tax}", "field `fields.attributes`", "'Tax-ID' must be lower_snake_case"),
        ("{email: mail}", "field `fields.attributes`", "'email' is a canonical field"),
        (
            "{tax_id: {column: tax, format: DDMMYYYY}}",
            "field `fields.attributes`",
            "attribute `tax_id`: attributes take only `column` or `value`",
        ),
    ],
    ids=["name", "canonical", "format"],
)
def test_a_bad_attribute_names_the_source_and_field(
    tmp_path: Path, attributes: str, where: str, message: str
) -> None:
    config = GOOD.replace(
        "fields: {email: email, given_name: first_name}",
        f"fields: {{email: email, given_name: first_name, attributes: {attributes}}}",
    )
    (tmp_path / "hub.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "hub.yaml")
    (problem,) = caught.value.problems
    assert f"source `webshop`: {where}" in problem
    assert message in problem


def test_survivorship_rules_are_read_and_a_bad_one_is_named(tmp_path: Path) -> None:
    rules = "survivorship:\n  default: [most_recent]\n  fields:\n    email: [most_frequent]\n"
    (tmp_path / "hub.yaml").write_text(GOOD + rules, encoding="utf-8")
    config = load_config(tmp_path / "hub.yaml")
    assert config.survivorship.chain("email") == ["most_frequent"]
    assert config.survivorship.chain("city") == ["most_recent"]

    (tmp_path / "hub.yaml").write_text(GOOD + rules.replace("email", "emial"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "hub.yaml")
    (problem,) = caught.value.problems
    assert "hub.yaml" in str(caught.value) and "survivorship.fields" in problem
    assert "'emial' is not a person field" in problem
