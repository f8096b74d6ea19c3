from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import recordlinkage
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.comparison import ATTRIBUTE_COMPARISONS, DEFAULT_COMPARISONS, compare_pairs
from matching.match_fields import prepare_match_fields

_NAMES = [
    *["Anna", "Ana", "Müller", "Mueller", "Muller", "Bill", "William", "Søren", "Soeren"],
    *["Soren", "Li", "Joe", "Jo", None, ""],
]


def _levels(records: pd.DataFrame) -> dict[str, int]:
    levels = compare_pairs(prepare_match_fields(records), (np.array([0]), np.array([1])))
    return {name: int(values[0]) for name, values in levels.items()}


@pytest.mark.parametrize(
    ("left", "right", "comparison", "level"),
    [
        ({"given_name": "William"}, {"given_name": "Bill"}, "given_name", 3),
        ({"given_name": "Katherine"}, {"given_name": "Katherine"}, "given_name", 4),
        ({"given_name": "Jonathan"}, {"given_name": "Jonahtan"}, "given_name", 3),
        ({"given_name": "J"}, {"given_name": "Jonas"}, "given_name", 2),
        ({"given_name": "Anna"}, {"given_name": "Peter"}, "given_name", 1),
        ({"given_name": "Anna"}, {}, "given_name", 0),
        ({"family_name": "Müller"}, {"family_name": "Muller"}, "family_name", 5),
        ({"family_name": "Müller"}, {"family_name": "Mueller"}, "family_name", 5),
        ({"family_name": "Mueller"}, {"family_name": "Muller"}, "family_name", 5),
        ({"family_name": "Jørgensen"}, {"family_name": "Joergensen"}, "family_name", 5),
        ({"family_name": "Joergensen"}, {"family_name": "Jorgensen"}, "family_name", 5),
        ({"family_name": "Strauß"}, {"family_name": "Strauss"}, "family_name", 5),
        ({"given_name": "Åse"}, {"given_name": "Aase"}, "given_name", 4),
        ({"given_name": "Aase"}, {"given_name": "Ase"}, "given_name", 4),
        ({"family_name": "Bauer"}, {"family_name": "Baur"}, "family_name", 3),
        (
            {"given_name": "Joe", "family_name": "Smith"},
            {"given_name": "Jo", "family_name": "Smith"},
            "given_name",
            2,
        ),
        (
            {"given_name": "Hansen", "family_name": "Ole"},
            {"given_name": "Ole", "family_name": "Hansen"},
            "family_name",
            4,
        ),
        (
            {"given_name": "Hansen", "family_name": "Ole"},
            {"given_name": "Ole", "family_name": "Hansen"},
            "given_name",
            4,
        ),
        ({"birth_date": "1980-03-04"}, {"birth_date": "1980-04-03"}, "birth_date", 2),
        ({"birth_date": "1980-03-04"}, {"birth_date": "1981-03-04"}, "birth_date", 2),
        ({"birth_date": "1980-03-04"}, {"birth_date": "1975-11-20"}, "birth_date", 1),
        ({"email": "a.b@x.no"}, {"email": "a.b@y.com"}, "email", 1),
        ({"email": "jonh.smith@gmail.com"}, {"email": "john.smith@gmail.com"}, "email", 2),
        ({"email": "anna.berg@gmial.com"}, {"email": "anna.berg@gmail.com"}, "email", 2),
        ({"email": "anna.berg@web.de"}, {"email": "Anna.Berg@web.de"}, "email", 4),
        ({"email": "anna.berg1@web.de"}, {"email": "anna.berg2@web.de"}, "email", 1),
        ({"email": "jo@web.de"}, {"email": "joe@web.de"}, "email", 1),
        ({"email": "kbinner@web.de"}, {"email": "mbinner@web.de"}, "email", 1),
        ({"email": "john.porter@web.de"}, {"email": "johnporter@web.de"}, "email", 1),
        (
            {"given_name": "Ola", "email": "familien@x.no"},
            {"given_name": "Kari", "email": "familien@x.no"},
            "email",
            3,
        ),
        (
            {"given_name": "William", "email": "w@x.no"},
            {"given_name": "Bill", "email": "w@x.no"},
            "email",
            4,
        ),
        ({"phone": "+4791234567"}, {"phone": "+4691234567"}, "phone", 2),
        ({"phone": "030 1234567"}, {"phone": "+49 30 1234567"}, "phone", 3),
        ({"phone": "0049 30 1234567"}, {"phone": "+49 30 1234567"}, "phone", 3),
        ({"phone": "91234567"}, {"phone": "+47 91234567"}, "phone", 3),
        ({"phone": "1234567"}, {"phone": "+49 30 1234567"}, "phone", 2),
        (
            {"street": "Storgata 1", "postcode": "0150"},
            {"street": "Storgata 1", "postcode": "0150"},
            "address",
            6,
        ),
        (
            {"street": "Storgata 1", "postcode": "0150"},
            {"street": "Storgaat 1", "postcode": "0150"},
            "address",
            5,
        ),
        (
            {"street": "Storgata 1", "postcode": "0150"},
            {"street": "Storgata 3", "postcode": "0150"},
            "address",
            4,
        ),
        (
            {"street": "Hauptstr. 12a", "city": "Köln"},
            {"street": "Hauptstr. 12", "city": "Köln"},
            "address",
            4,
        ),
        (
            {"street": "Storgata", "postcode": "0150"},
            {"street": "Storgata 1", "postcode": "0150"},
            "address",
            5,
        ),
        (
            {"street": "12 High Street", "postcode": "SW1A 1AA"},
            {"street": "High Street 12", "postcode": "SW1A 1AA"},
            "address",
            6,
        ),
        (
            {"street": "Calle Mayor 5, 3º", "city": "Madrid"},
            {"street": "Calle Mayor 5", "city": "Madrid"},
            "address",
            6,
        ),
        (
            {"street": "Storgata 1", "postcode": "0150"},
            {"street": "Storgata 1", "postcode": "5003"},
            "address",
            2,
        ),
        (
            {"street": "59", "postcode": "5031"},
            {"street": "59", "postcode": "5031"},
            "address",
            6,
        ),
        ({"postcode": "0150"}, {"postcode": "0151"}, "address", 1),
        (
            {"given_name": "Jörg", "family_name": "Müller"},
            {"given_name": "Joerg", "family_name": "Mueller"},
            "given_name",
            4,
        ),
        (
            {"given_name": "Manuel Mosquera", "family_name": "Iniesta"},
            {"given_name": "Manuel", "family_name": "Mosquera Iniesta"},
            "family_name",
            5,
        ),
        (
            {"given_name": "Aristides Requena", "family_name": "Escolano"},
            {"given_name": "Aristides", "family_name": "Requena Escolano"},
            "family_name",
            5,
        ),
        (
            {"given_name": "Shelle", "family_name": "y Reed"},
            {"given_name": "Shelley", "family_name": "Reed"},
            "given_name",
            4,
        ),
        (
            {"given_name": "Carina", "email": "carinahaase@web.de"},
            {"given_name": "Carina", "family_name": "Haase"},
            "family_name",
            5,
        ),
        (
            {"given_name": "Patricia", "email": "thewilliamsons@sky.com"},
            {"given_name": "Patricia", "family_name": "Williamson"},
            "family_name",
            0,
        ),
        (
            {"email": "maria1987@gmail.com"},
            {"birth_date": "1987-05-04"},
            "email_birth_year",
            3,
        ),
        (
            {"birth_date": "1987-05-04"},
            {"email": "ola_nordmann87@online.no"},
            "email_birth_year",
            2,
        ),
        (
            {"email": "fernando1954@yahoo.es"},
            {"birth_date": "1981-07-16"},
            "email_birth_year",
            1,
        ),
        (
            {"email": "maria1987@gmail.com", "birth_date": "1990-01-01"},
            {"birth_date": "1987-05-04"},
            "email_birth_year",
            0,
        ),
        (
            {"email": "maria1987@gmail.com"},
            {"email": "maria1987@gmail.com", "birth_date": "1987-05-04"},
            "email_birth_year",
            0,
        ),
        ({"email": "anna.berg5@web.de"}, {"birth_date": "1985-01-01"}, "email_birth_year", 0),
        ({"email": "kari2345@online.no"}, {"birth_date": "1945-01-01"}, "email_birth_year", 0),
    ],
    ids=[
        "nickname",
        "exact-given",
        "typo-given",
        "initial",
        "different-given",
        "missing-given",
        "diacritic-family",
        "transliterated-family",
        "transliterated-plain-family",
        "o-slash-family",
        "o-slash-transliterated-family",
        "eszett-family",
        "a-ring-given",
        "aa-given",
        "bauer-not-baur",
        "joe-not-jo",
        "swapped-family",
        "swapped-given",
        "day-month-swapped",
        "year-off",
        "different-birth",
        "email-local-part-elsewhere",
        "email-typo",
        "email-domain-typo",
        "same-email",
        "numbered-emails",
        "short-email-local",
        "other-initial-email",
        "other-separator-email",
        "family-email",
        "email-under-a-nickname",
        "same-phone-tail",
        "national-phone",
        "international-prefix-phone",
        "national-phone-no-trunk",
        "local-phone",
        "same-address",
        "street-typo",
        "neighbours",
        "neighbours-house-letter",
        "house-number-unknown",
        "number-first",
        "floor-left-out",
        "same-street-other-place",
        "house-number-only",
        "other-postcode",
        "transliterated-full-name",
        "split-differently",
        "split-differently-at-ae",
        "stray-space",
        "family-from-email",
        "no-family-in-email",
        "birth-year-in-email",
        "two-digit-birth-year-in-email",
        "father-with-the-sons-name",
        "both-birth-dates-known",
        "same-address-counted-already",
        "one-digit-is-no-year",
        "no-year-that-long-ago",
    ],
)
def test_levels(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    left: dict[str, str],
    right: dict[str, str],
    comparison: str,
    level: int,
) -> None:
    records = records_frame(record("s:1", **left), record("s:2", **right))
    assert _levels(records)[comparison] == level


_person = st.fixed_dictionaries(
    {
        "given_name": st.sampled_from(_NAMES),
        "family_name": st.sampled_from(_NAMES),
        "birth_date": st.sampled_from([None, "1980-03-04", "1980-04-03", "1981-03-04"]),
        "email": st.sampled_from(
            [None, "a@x.no", "a@y.no", "b@x.no", "anna.berg@web.de", "anna.berg@wbe.de"]
            + ["anan.berg@web.de", "anna.berg1@web.de", "anna.berg@gmx.de", "anna1980@x.no"]
            + ["anna_berg81@x.no"]
        ),
        "phone": st.sampled_from(
            [None, "+4791234567", "+4691234567", "+4799999999", "91234567", "0491234567"]
        ),
        "street": st.sampled_from(
            [None, "Storgata 1", "Storgaat 1", "Storgata 3", "Storgata", "1 Storgata"]
            + ["Gran Vía 3", "Gran Vía 3, 2º", "12"]
        ),
        "postcode": st.sampled_from([None, "0150", "0151"]),
        "city": st.sampled_from([None, "Oslo", "Bergen"]),
    }
)


# 150 pairs of people, each through every comparison: some 17 s on two cores.
@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(first=_person, second=_person)
def test_comparisons_are_symmetric(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    first: dict[str, Any],
    second: dict[str, Any],
) -> None:
    forward = records_frame(record("s:1", **first), record("s:2", **second))
    backward = records_frame(record("s:1", **second), record("s:2", **first))
    assert _levels(forward) == _levels(backward)


def test_comparisons_plug_into_recordlinkage_compare(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    records = records_frame(
        record("s:1", given_name="William", family_name="Berg", email="w@x.no"),
        record("s:2", given_name="Bill", family_name="Berg", email="w@y.no"),
        record("s:3", given_name="Anna", family_name="Nilsen"),
    )
    fields = prepare_match_fields(records)
    pairs = recordlinkage.Index()
    pairs.full()
    candidate_index = pairs.index(fields)
    compare = recordlinkage.Compare(features=list(DEFAULT_COMPARISONS))
    features = compare.compute(candidate_index, fields)

    left = candidate_index.get_level_values(0).to_numpy()
    right = candidate_index.get_level_values(1).to_numpy()
    levels = compare_pairs(fields, (left, right))
    for name, values in levels.items():
        assert features[name].to_numpy().tolist() == values.tolist()


@pytest.mark.parametrize(
    ("comparison", "left", "right", "label"),
    [
        ("exact", "F", "f", "exact"),
        ("exact", "F", "M", "different"),
        ("edit_distance", "1804974", "1804974", "exact"),
        ("edit_distance", "1804974", "1809474", "one edit apart"),
        ("edit_distance", "1804974", "1804", "different"),
        ("edit_distance", "1804974", "1814975", "two edits apart"),
        ("jaro_winkler", "Bergen", "Bregen", "jaro_winkler >= 0.92"),
        ("jaro_winkler", "Bergen", None, "missing"),
    ],
    ids=["exact", "different", "id", "id-swap", "id-short", "id-two", "place-typo", "missing"],
)
def test_attribute_comparisons(
    comparison: str, left: str | None, right: str | None, label: str
) -> None:
    attribute = ATTRIBUTE_COMPARISONS[comparison]("extra")
    field = attribute.match_fields[0]
    records = pd.DataFrame({"record_id": ["s:1", "s:2"], "extra": [left, right]})
    fields = prepare_match_fields(records, ["extra"])
    forward = compare_pairs(fields, (np.array([0]), np.array([1])), [attribute])["extra"][0]
    backward = compare_pairs(fields, (np.array([1]), np.array([0])), [attribute])["extra"][0]
    assert attribute.level_labels[forward] == label
    assert forward == backward
    assert field == "attribute:extra"


def test_exact_levels_are_counted_over_all_record_pairs(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    records = records_frame(
        record("s:1", given_name="Ola", email="familien@x.no", birth_date="1980-01-02"),
        record("s:2", given_name="Kari", email="familien@x.no", birth_date="1980-01-02"),
        record("s:3", given_name="Kari", email="familien@x.no"),
        record("s:4", given_name="Per", email="per@x.no", birth_date="1980-01-02"),
        record("s:5", given_name="Per", email="per@x.no"),
        record("s:6", given_name="Anna", email="anna@x.no"),
    )
    fields = prepare_match_fields(records)
    email, birth_date = DEFAULT_COMPARISONS[3], DEFAULT_COMPARISONS[2]
    # Three pairs share the family's address, one pair Per's own; three share a birth date.
    assert email.counted_levels(fields) == {3: 3.0, 4: 1.0}
    assert birth_date.counted_levels(fields) == {3: 3.0}
    # The counts are of exactly the pairs compare_pairs puts at those levels.
    left, right = np.triu_indices(len(records), k=1)
    levels = compare_pairs(fields, (left, right))
    for comparison in (email, birth_date):
        for level, pairs in comparison.counted_levels(fields).items():
            assert (levels[comparison.comparison_name] == level).sum() == pairs
