"""Expectation suites: the default checks of a canonical customer record, and a source's own.

Every customer source is validated by the default suite, which a source can tune and
extend in the hub config::

    quality:
      rules:                         # the default rules, tuned for this source
        invalid_email: {mostly: 0.90}
        unknown_country: {blocking: false}
      expectations:                  # further Great Expectations expectations
        - rule: missing_email
          expectation: expect_column_values_to_not_be_null
          column: email
          mostly: 0.5
          quarantine: false          # judge the batch only; keep rows without e-mail
        - rule: short_postcode
          expectation: expect_column_value_lengths_to_be_between
          column: postcode
          options: {min_value: 4}

Each check has a batch-level threshold (``mostly``: the share of rows that must pass);
a broken threshold fails the source's quality check, and stops publishing when the
check is ``blocking`` (the default). Whether or not the threshold holds, what breaks a
check is set aside (unless ``quarantine: false``) at its ``level``:

- ``field`` (the default for a check of a field): the value is set aside, with its rule,
  raw text and location, and the record goes on without it;
- ``record`` (the default for the key's checks and table-level ones): the whole row goes
  to quarantine.

``invalid_date`` is judged while the source's values are read, before the suite runs;
it is tuned like the suite's rules.

The models here only describe a declaration; :mod:`quality.validation` runs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from quality.canonical import CANONICAL_FIELDS, RECORD_ID
from quality.countries import ISO_ALPHA2_CODES
from quality.dates import EARLIEST_BIRTH_DATE
from quality.emails import EMAIL_REGEX
from quality.placeholders import PLACEHOLDER_FAMILY_NAME_REGEX, PLACEHOLDER_GIVEN_NAME_REGEX
from quality.quarantine import INVALID_DATE

RuleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ExpectationType = Annotated[str, StringConstraints(pattern=r"^expect_[a-z0-9_]+$")]
Share = Annotated[float, Field(gt=0, le=1)]
Level = Literal["field", "record"]

_E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


class Check(BaseModel):
    """One check of a suite: a Great Expectations expectation with the hub's handling.

    Attributes:
        rule: Short rule name, used in quarantine, reports and the Dagster check.
        expectation: The expectation's type, as Great Expectations names it
            (``expect_column_values_to_match_regex``); ``None`` for a rule the hub judges
            while reading values (``invalid_date``).
        column: The canonical field checked; ``None`` for a table-level expectation.
        mostly: Share of rows that must pass for the batch to pass.
        quarantine: Whether what breaks it is set aside (a value or a row, by ``level``);
            an unreadable date (``invalid_date``) is noted and missing from its record
            whatever this says.
        level: ``field`` sets a failing value aside, ``record`` its whole row; by default
            ``field`` for a check of a field other than the key, else ``record``.
        blocking: Whether a broken threshold stops publishing.
        reason: How a failing value is described in quarantine details.
        options: Further arguments of the expectation (``regex``, ``value_set``, ...).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: RuleName
    expectation: ExpectationType | None
    column: str | None = None
    mostly: Share = 1.0
    quarantine: bool = True
    level: Level | None = None
    blocking: bool = True
    reason: str = "breaks the rule"
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _column_is_canonical(self) -> Check:
        known = (*CANONICAL_FIELDS, RECORD_ID)
        if self.column is not None and self.column not in known:
            raise ValueError(
                f"column {self.column!r} is not a canonical field (known: {', '.join(known)})"
            )
        if self.level == "field" and self.column in (None, "source_key", RECORD_ID):
            raise ValueError("level `field` needs a column other than the key")
        return self

    @property
    def sets_values_aside(self) -> bool:
        """Whether what breaks it is a value set aside, not a row held back."""
        if self.level is not None:
            return self.level == "field"
        return self.column not in (None, "source_key", RECORD_ID)


class RuleSettings(BaseModel):
    """How a source tunes one rule of the default suite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mostly: Share | None = None
    quarantine: bool | None = None
    level: Level | None = None
    blocking: bool | None = None


def canonical_customer_checks(today: dt.date | None = None) -> list[Check]:
    """The default suite of every customer source.

    Args:
        today: The latest plausible birth date; defaults to the current UTC day.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    return [
        Check(
            rule="missing_source_key",
            expectation="expect_column_values_to_not_be_null",
            column="source_key",
            reason="is missing",
        ),
        Check(
            rule="duplicate_source_key",
            expectation="expect_column_values_to_be_unique",
            column="source_key",
            reason="occurs more than once in the source",
        ),
        Check(
            rule=INVALID_DATE,
            expectation=None,
            column="birth_date",
            mostly=0.95,
            reason="is not a date in the source's format",
        ),
        Check(
            rule="invalid_email",
            expectation="expect_column_values_to_match_regex",
            column="email",
            mostly=0.95,
            reason="is not a valid e-mail address",
            options={"regex": EMAIL_REGEX},
        ),
        Check(
            rule="invalid_phone",
            expectation="expect_column_values_to_match_regex",
            column="phone",
            mostly=0.95,
            reason="is not an E.164 phone number",
            options={"regex": _E164_PATTERN},
        ),
        Check(
            rule="unknown_country",
            expectation="expect_column_values_to_be_in_set",
            column="country",
            mostly=0.95,
            reason="is not a known country",
            options={"value_set": sorted(ISO_ALPHA2_CODES)},
        ),
        *(
            Check(
                rule=f"placeholder_{column}",
                expectation="expect_column_values_to_not_match_regex",
                column=column,
                mostly=0.95,
                blocking=False,
                reason="stands for a name not known",
                options={"regex": regex},
            )
            for column, regex in (
                ("given_name", PLACEHOLDER_GIVEN_NAME_REGEX),
                ("family_name", PLACEHOLDER_FAMILY_NAME_REGEX),
            )
        ),
        Check(
            rule="implausible_birth_date",
            expectation="expect_column_values_to_be_between",
            column="birth_date",
            mostly=0.95,
            reason=f"is not between {EARLIEST_BIRTH_DATE:%Y-%m-%d} and today",
            options={
                "min_value": EARLIEST_BIRTH_DATE.to_pydatetime(),
                "max_value": dt.datetime.combine(today, dt.time()),
            },
        ),
    ]


DEFAULT_RULES = tuple(check.rule for check in canonical_customer_checks())
"""The rules of the default suite, which ``quality.rules`` may tune."""


class QualitySettings(BaseModel):
    """A source's quality declaration: tuned default rules and its own expectations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[RuleName, RuleSettings] = Field(default_factory=dict)
    expectations: list[Check] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules_are_known_and_new_ones_unique(self) -> QualitySettings:
        unknown = sorted(set(self.rules) - set(DEFAULT_RULES))
        if unknown:
            raise ValueError(
                f"rules: {', '.join(unknown)} not in the default suite "
                f"(its rules: {', '.join(DEFAULT_RULES)}); declare new rules under `expectations`"
            )
        seen: set[str] = set()
        for check in self.expectations:
            if check.expectation is None:
                raise ValueError(f"expectations: rule `{check.rule}` names no `expectation`")
            if check.rule in DEFAULT_RULES:
                raise ValueError(
                    f"expectations: `{check.rule}` is a rule of the default suite; "
                    "tune it under `rules`"
                )
            if check.rule in seen:
                raise ValueError(f"expectations: rule `{check.rule}` is declared twice")
            seen.add(check.rule)
        return self

    def checks(self, today: dt.date | None = None) -> list[Check]:
        """The source's suite: the default checks as tuned, then its own expectations."""
        # Validated again as a whole: a tuning must make a valid check (no key rule at
        # level `field`).
        tuned = [
            Check.model_validate(
                {**check.model_dump(), **self.rules[check.rule].model_dump(exclude_none=True)}
            )
            if check.rule in self.rules
            else check
            for check in canonical_customer_checks(today)
        ]
        return tuned + list(self.expectations)
