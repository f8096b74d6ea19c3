"""Every standardizer is idempotent: standardizing its own output changes nothing.

A source fed from the hub's own output (a CRM synced back from the golden records, a
re-import of an export) must not drift away from it run after run.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality import SourceMapping
from quality.countries import COUNTRY_ALIASES, to_alpha2
from quality.dates import parse_dates, parse_timestamps
from quality.emails import normalize_emails
from quality.mapping import strftime_format
from quality.names import clean_name, fold_names, split_full_name
from quality.phones import to_e164
from quality.postcodes import normalize_postcodes
from quality.standardize import standardize
from quality.text import clean_text

REGIONS = [None, "DE", "ES", "GB", "NO", "US", "SE", "FR", "IT", "CH"]

# Any text at all: letters of every script, digits, punctuation, every kind of space.
_any_text = st.text(st.characters(codec="utf-8"), max_size=16)
_spaces = st.sampled_from([" ", " ", "  ", "\t", "\u00a0"])

# Letters of the names in our markets and their neighbours', in both cases.
_NAME_LETTERS = (
    string.ascii_letters
    + "ÄÖÜäöüßẞÅåÆæØøÉéÈèÊêËëÍíÏïÓóÚúÑñÇçŁłĐđÞþÐðİıŠšŽžČč"
    + "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψωςάέήίόύώϊϋΐΰ"
    + "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЫЭЮЯабвгдеёжзийклмнопрстуфхцчшщыэюя"
)


def _cased(words: list[str]) -> st.SearchStrategy[str]:
    """One of `words` as written, in upper case, in lower case or in title case."""
    return st.sampled_from(words).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.lower(), w.title()])
    )


_letters_word = st.text(st.sampled_from(_NAME_LETTERS), min_size=1, max_size=8)
_given_word = st.one_of(
    _cased(["Anna", "José", "Søren", "Åse", "Øyvind", "DeAndre", "Jean-Luc", "Ｊｏｈｎ", "Łukasz"]),
    _cased(["Þóra", "María José", "Ольга", "Γιώργος", "Ingrid"]),
    _letters_word,
)
_family_word = st.one_of(
    _cased(["Müller", "O'Neill", "McDonald", "Strauß", "GROẞMANN", "Müller-Lüdenscheidt"]),
    _cased(["García", "Nordmann", "Ødegård", "Łukaszewicz", "Иванова", "Παπαδόπουλος"]),
    _cased(["Herr", "Don"]),  # surnames that are also titles
    _letters_word,
)
_titles = st.lists(
    _cased(["Dr", "Dr.", "Mr", "Mrs.", "Ms", "Prof.", "Herr", "Frau", "Sra."]), max_size=2
)
_particles = st.lists(_cased(["van", "der", "de", "la", "von", "y", "del", "af"]), max_size=2)
_suffixes = st.lists(_cased(["Jr", "Jr.", "Sr", "II", "III"]), max_size=1)


@st.composite
def _full_names(draw: st.DrawFn, order: str = "given_family") -> str:
    """A person's name as a source writes it in one column: titles first, a suffix last,
    family and given names in the source's order or separated by a comma."""
    titles = draw(_titles)
    given = draw(st.lists(_given_word, min_size=1, max_size=2))
    family = [*draw(_particles), draw(_family_word)]
    if draw(st.booleans()):
        family[-1] += draw(st.sampled_from([",", " ,"]))
        words = [*titles, *family, *given]
    elif order == "family_given":
        words = [*titles, *family, *given]
    else:
        words = [*titles, *given, *family]
    words += draw(_suffixes)
    text = "".join(word + draw(_spaces) for word in words[:-1]) + words[-1]
    return draw(st.sampled_from(["", " ", "\n"])) + text + draw(st.sampled_from(["", " "]))


_names = st.one_of(
    _full_names(),
    _full_names("family_given"),
    _given_word,
    _family_word,
    st.lists(_letters_word, min_size=1, max_size=3).map(" ".join),
    _any_text,
)
_separators = st.sampled_from([" ", "  ", "\t", "\u00a0", "-", ".", ",", ", ", "/"])


def _joined(parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    """Parts joined by drawn separators, with stray whitespace around the whole."""

    @st.composite
    def joined(draw: st.DrawFn) -> str:
        words = draw(parts)
        text = "".join(word + draw(_separators) for word in words[:-1]) + "".join(words[-1:])
        return draw(st.sampled_from(["", " ", "\n"])) + text + draw(st.sampled_from(["", " "]))

    return joined()


_email_local = st.from_regex(r"[A-Za-z0-9._%+\-ÄÖÜäöüßẞ]{1,12}", fullmatch=True)
_email_domain = st.from_regex(r"[A-Za-z0-9\-äöüæøå]{1,10}(\.[A-Za-z]{2,6}){1,2}", fullmatch=True)
_emails = st.one_of(
    st.builds(
        lambda pad, local, domain, end: f"{pad}{local}@{domain}{end}",
        st.sampled_from(["", " ", "\t"]),
        _email_local,
        _email_domain,
        st.sampled_from(["", " ", "\u00a0"]),
    ),
    _any_text,
)

_country_names = [
    *COUNTRY_ALIASES,
    *["Germany", "Norway", "Spain", "DEU", "NOR", "de", "no", "es", "gb", "us", "se"],
]
_countries = st.one_of(_joined(st.lists(_cased(_country_names), min_size=1, max_size=1)), _any_text)

_postcode_part = st.one_of(
    st.from_regex(r"[0-9]{3,5}", fullmatch=True),
    st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?", fullmatch=True),
    st.from_regex(r"[0-9][A-Za-z]{2}", fullmatch=True),
    st.sampled_from(["D-", "N-", "E-", "D", "١٢٣٤٥", "-"]),
)
_postcodes = st.one_of(_joined(st.lists(_postcode_part, min_size=1, max_size=3)), _any_text)


@st.composite
def _phones(draw: st.DrawFn) -> str:
    """Numbers as people write them: real shapes of a region, some with a digit mistyped,
    with or without their country code, or digits at random."""
    region = draw(st.sampled_from([r for r in REGIONS if r is not None]))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from([0, 1, 2])))
    if example is None or (draw(st.booleans()) and draw(st.booleans())):
        digits = draw(st.from_regex(r"[0-9]{3,14}", fullmatch=True))
    else:
        digits = phonenumbers.format_number(example, draw(st.sampled_from([0, 1, 2])))
    if draw(st.booleans()):  # a typo in one digit
        at = draw(st.sampled_from([i for i, c in enumerate(digits) if c.isdigit()]))
        digits = digits[:at] + draw(st.sampled_from("0123456789")) + digits[at + 1 :]
    prefix = draw(st.sampled_from(["", "", "+", "0", "00", "+47 ", "0049 ", "+1-"]))
    layout = draw(st.sampled_from([" ", "-", "", " / "]))
    return prefix + digits.replace(" ", layout)


_regions = st.sampled_from(REGIONS)
_postcode_countries = st.sampled_from([None, "DE", "ES", "GB", "NO", "US", "SE"])


@dataclass(frozen=True)
class _Standardizer:
    """A standardizer of one column, optionally read with a second (the row's country)."""

    apply: Callable[[pd.Series, pd.Series], pd.Series]
    values: st.SearchStrategy[str]
    contexts: st.SearchStrategy[str | None] = st.none()


def _on_values(standardizer: Callable[[pd.Series], pd.Series]) -> Callable[..., pd.Series]:
    return lambda values, _context: standardizer(values)


STANDARDIZERS = {
    "clean_text": _Standardizer(_on_values(clean_text), _any_text),
    "clean_name": _Standardizer(_on_values(clean_name), _names),
    "fold_names": _Standardizer(_on_values(fold_names), _names),
    "fold_names-transliterate": _Standardizer(
        _on_values(lambda names: fold_names(names, transliterate=True)), _names
    ),
    "normalize_emails": _Standardizer(_on_values(normalize_emails), _emails),
    "to_alpha2": _Standardizer(_on_values(to_alpha2), _countries),
    "normalize_postcodes": _Standardizer(normalize_postcodes, _postcodes, _postcode_countries),
    "to_e164": _Standardizer(to_e164, st.one_of(_phones(), _any_text), _regions),
}


@pytest.mark.parametrize("name", list(STANDARDIZERS), ids=list(STANDARDIZERS))
@settings(max_examples=80, deadline=None, derandomize=True)
@given(data=st.data())
def test_standardizing_a_standardized_value_changes_nothing(name: str, data: st.DataObject) -> None:
    standardizer = STANDARDIZERS[name]
    rows = data.draw(
        st.lists(st.tuples(standardizer.values, standardizer.contexts), min_size=1, max_size=8)
    )
    values = pd.Series([value for value, _ in rows], dtype=object)
    contexts = pd.Series([context for _, context in rows], dtype=object)

    once = standardizer.apply(values, contexts)
    twice = standardizer.apply(once, contexts)

    assert twice.tolist() == once.tolist()


# split_full_name turns one column into two, so it cannot take its own output; what can
# be read again is the name written back with a comma, "Family, Given", which every order
# reads the same way. A name with only one part has no such form, so only names with both
# parts are read back.
@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    order=st.sampled_from(["given_family", "family_given"]),
    full_names=st.lists(
        st.one_of(_full_names("given_family"), _full_names("family_given")), max_size=8
    ),
)
def test_a_split_name_written_back_splits_the_same(order: str, full_names: list[str]) -> None:
    split = split_full_name(pd.Series(full_names, dtype=object), order)  # type: ignore[arg-type]
    both = split.dropna()
    written_back = both["family_name"] + ", " + both["given_name"]

    again = split_full_name(written_back, order)  # type: ignore[arg-type]

    assert again.to_dict("records") == both.to_dict("records")


# Dates come out as timestamps, not text: what can be read again is the date written in
# the source's own format, which must read as the same date.
DATE_FORMATS = [None, "DDMMYYYY", "DD.MM.YYYY", "MM/DD/YYYY", "YYYYMMDD", "DDMMYY", "%d.%m.%Y"]


@pytest.mark.parametrize("date_format", DATE_FORMATS, ids=[str(f) for f in DATE_FORMATS])
@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    dates=st.lists(
        st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), _any_text),
        min_size=1,
        max_size=8,
    )
)
def test_a_parsed_date_written_in_its_format_reads_the_same(
    date_format: str | None, dates: list[dt.date | str]
) -> None:
    strftime = strftime_format(date_format or "%Y-%m-%d")
    raw = pd.Series(
        [d.strftime(strftime) if isinstance(d, dt.date) else d for d in dates], dtype=object
    )
    parsed = parse_dates(raw, date_format)

    again = parse_dates(parsed.dt.strftime(strftime).astype(object), date_format)

    pd.testing.assert_series_equal(again, parsed)
    # Valid dates were generated: all of them must have been read.
    assert parsed[[isinstance(d, dt.date) for d in dates]].notna().all()


TIMESTAMP_FORMATS = [None, "YYYY-MM-DD HH:mm:ss", "DD.MM.YYYY HH:mm", "%Y-%m-%dT%H:%M:%S%z"]
_offsets = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])


@pytest.mark.parametrize("date_format", TIMESTAMP_FORMATS, ids=[str(f) for f in TIMESTAMP_FORMATS])
@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    moments=st.lists(
        st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2090, 12, 31), timezones=_offsets),
        min_size=1,
        max_size=8,
    )
)
def test_a_parsed_timestamp_written_in_its_format_reads_the_same(
    date_format: str | None, moments: list[dt.datetime]
) -> None:
    strftime = strftime_format(date_format or "%Y-%m-%dT%H:%M:%S%z")
    if "%z" not in strftime:
        moments = [m.replace(tzinfo=None) for m in moments]  # the format has no offset
    else:
        moments = [m if m.tzinfo else m.replace(tzinfo=dt.UTC) for m in moments]
    raw = pd.Series([m.strftime(strftime) for m in moments], dtype=object)
    parsed = parse_timestamps(raw, date_format)
    assert parsed.notna().all()

    again = parse_timestamps(parsed.dt.strftime(strftime).astype(object), date_format)

    pd.testing.assert_series_equal(again, parsed)


# standardize() turns raw rows into typed records: fed its own records, written as text
# the way a source would hold them, it must give the same records.
_WRITTEN_BACK = SourceMapping.model_validate(
    {
        "given_name": "given_name",
        "family_name": "family_name",
        "birth_date": {"column": "birth_date", "format": "YYYY-MM-DD"},
        "email": "email",
        "phone": "phone",
        "street": "street",
        "postcode": "postcode",
        "city": "city",
        "country": "country",
        "source_updated_at": "source_updated_at",
    }
)

_raw_row = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True),
        "given_name": st.one_of(st.none(), _names),
        "family_name": st.one_of(st.none(), _names),
        "birth_date": st.one_of(
            st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)).map(str), _any_text
        ),
        "email": st.one_of(st.none(), _emails),
        "phone": st.one_of(st.none(), _phones()),
        "street": st.one_of(st.none(), _any_text),
        "postcode": st.one_of(st.none(), _postcodes),
        "city": st.one_of(st.none(), _any_text),
        "country": st.one_of(st.none(), _countries),
        "source_updated_at": st.one_of(
            st.none(),
            st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1)).map(
                lambda m: m.isoformat()
            ),
        ),
    }
)


def _as_source_text(records: pd.DataFrame) -> pd.DataFrame:
    """Standardized records as a source would hold them: every column text."""
    text = records.drop(columns=["source", "record_id"]).rename(columns={"source_key": "id"})
    text["birth_date"] = records["birth_date"].dt.strftime("%Y-%m-%d")
    text["source_updated_at"] = records["source_updated_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    return text.astype(object).where(text.notna(), None)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(rows=st.lists(_raw_row, min_size=1, max_size=6))
def test_standardizing_standardized_records_gives_the_same_records(
    rows: list[dict[str, str | None]],
) -> None:
    raw = pd.DataFrame(rows, dtype=object)
    once = standardize(raw, source="crm", primary_key="id", mapping=_WRITTEN_BACK).records

    twice = standardize(
        _as_source_text(once), source="crm", primary_key="id", mapping=_WRITTEN_BACK
    ).records

    pd.testing.assert_frame_equal(twice, once)
