import pandas as pd
import pytest

from quality.names import clean_name, fold_name, fold_names, split_full_name

SPLITS = [
    ("MÜLLER, HANS", "family_given", "Hans", "Müller"),
    ("MÜLLER HANS PETER", "family_given", "Hans Peter", "Müller"),
    ("Anna Müller", "given_family", "Anna", "Müller"),
    ("Müller, Anna", "given_family", "Anna", "Müller"),
    ("Dr. Anna van der Berg", "given_family", "Anna", "van der Berg"),
    ("VAN DER BERG ANNA", "family_given", "Anna", "van der Berg"),
    ("Herr Ole  Nordmann", "given_family", "Ole", "Nordmann"),
    ("NORDMANN, KARI", "given_family", "Kari", "Nordmann"),
    ("Sra. María García", "given_family", "María", "García"),
    ("John Smith Jr.", "given_family", "John", "Smith"),
    ("MCDONALD, RONALD SR", "family_given", "Ronald", "McDonald"),
    ("O'NEILL, MARY", "family_given", "Mary", "O'Neill"),
    ("prof. dr. MÜLLER-LÜDENSCHEIDT, KLAUS", "given_family", "Klaus", "Müller-Lüdenscheidt"),
    ("DeAndre Jordan", "given_family", "DeAndre", "Jordan"),
    ("Ｊｏｈｎ Smith", "given_family", "John", "Smith"),
]


@pytest.mark.parametrize(
    ("full_name", "order", "given", "family"),
    SPLITS,
    ids=[case[0] for case in SPLITS],
)
def test_split_full_name(full_name: str, order: str, given: str, family: str) -> None:
    names = split_full_name(pd.Series([full_name]), order)  # type: ignore[arg-type]

    assert names.loc[0, "given_name"] == given
    assert names.loc[0, "family_name"] == family


def test_split_full_name_single_word_is_a_family_name() -> None:
    names = split_full_name(pd.Series(["MADONNA"]), "given_family")

    assert names.loc[0, "family_name"] == "Madonna"
    assert pd.isna(names.loc[0, "given_name"])


def test_split_full_name_keeps_missing_and_alignment() -> None:
    full_names = pd.Series(["Anna Müller", None, "Anna Müller"], index=[10, 11, 12])

    names = split_full_name(full_names)

    assert list(names.index) == [10, 11, 12]
    assert names["family_name"].tolist()[::2] == ["Müller", "Müller"]
    assert names["given_name"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  SMITH ", "Smith"),
        ("de la cruz", "de la Cruz"),
        ("LeBlanc", "LeBlanc"),
        ("Frau Petra", "Petra"),
        ("Herr", "Herr"),
        ("DON", "Don"),
        ("Smith Jr. III", "Smith"),
        ("Smith, Jr, II", "Smith"),
    ],
    ids=[
        "upper",
        "particles",
        "mixed-case-kept",
        "title",
        "title-word-as-family-name",
        "title-word-upper",
        "two-suffixes",
        "two-suffixes-with-commas",
    ],
)
def test_clean_name(raw: str, expected: str) -> None:
    assert clean_name(pd.Series([raw])).tolist() == [expected]


def test_clean_name_blank_is_missing() -> None:
    assert clean_name(pd.Series(["   ", None])).isna().all()


@pytest.mark.parametrize(
    ("raw", "folded", "transliterated"),
    [
        ("Müller", "muller", "mueller"),
        ("Mueller", "mueller", "mueller"),
        ("Søren", "soren", "soeren"),
        ("Åse", "ase", "aase"),
        ("Núñez", "nunez", "nunez"),
        ("Strauß", "strauss", "strauss"),
        ("STRAUẞ", "strauss", "strauss"),
        ("José-María", "jose maria", "jose maria"),
        ("  Ærø  ", "aero", "aeroe"),
    ],
    ids=[
        "umlaut",
        "written-out",
        "o-slash",
        "a-ring",
        "tilde",
        "eszett",
        "capital-eszett",
        "hyphen",
        "ae",
    ],
)
def test_fold_name(raw: str, folded: str, transliterated: str) -> None:
    assert fold_name(raw) == folded
    assert fold_name(raw, transliterate=True) == transliterated


def test_muller_mueller_and_muller_meet_in_one_of_the_folds() -> None:
    names = pd.Series(["Müller", "Mueller", "Muller", None])

    plain, spelled = fold_names(names), fold_names(names, transliterate=True)

    assert plain[0] == plain[2] == "muller"
    assert spelled[0] == spelled[1] == "mueller"
    assert plain[3] is None and spelled[3] is None
