import pandas as pd
import pytest

from quality import RECORD_ID, MissingColumnError, SourceMapping
from quality.canonical import CANONICAL_FIELDS
from quality.quarantine import FIELD_ISSUE_COLUMNS
from quality.standardize import standardize

CRM_MAPPING = SourceMapping.model_validate(
    {
        "full_name": {"column": "NAME", "order": "family_given"},
        "birth_date": {"column": "BIRTH_DT", "format": "DDMMYYYY"},
        "email": "MAIL",
        "phone": "TEL",
        "street": "STREET",
        "postcode": "ZIP",
        "city": "CITY",
        "country": "CTRY",
        "source_updated_at": "CHANGED",
    }
)

CRM_COLUMNS = ["ID", "NAME", "BIRTH_DT", "MAIL", "TEL", "STREET", "ZIP", "CITY", "CTRY", "CHANGED"]
CRM_ROWS = [
    # 1: good, DE
    ["1", "MÜLLER, HANS", "01021980", " Hans.Mueller@Example.DE ", "030 1234567",
     "Hauptstr.  5", "1067", "Dresden", "Deutschland", "2024-01-02T10:00:00+01:00"],
    # 2: good, NO, but an unreadable phone
    ["2", "NORDMANN OLE", "15071975", "ole@example.no", "12",
     "Karl Johans gate 1", "150", "Oslo", "Norge", "2024-01-02T10:00:00Z"],
    # 3 and 4: the same key twice; 3 also has an impossible date and a bad address
    ["3", "O'NEILL, MARY", "31021990", "bad@", "020 7946 0958",
     None, "sw1a1aa", "London", "UK", None],
    ["3", "SMITH JOHN", "01011970", "john@example.com", None,
     None, "90210", "Beverly Hills", "USA", None],
    # 5: no key
    [None, "GARCÍA JOSÉ", "01011970", "jose@correo.es", None,
     None, "8001", "Barcelona", "España", None],
    # 6: born before 1900
    ["6", "HANSEN KARI", "01011890", None, None, None, None, None, "NO", None],
    # 7: unknown country
    ["7", "SMITH JOHN", None, None, None, None, None, None, "Atlantis", None],
    # 8: good, US, nothing but a name
    ["8", "JOHNSON EMILY", None, None, None, None, None, None, None, None],
]  # fmt: skip


def crm_batch() -> pd.DataFrame:
    return pd.DataFrame(CRM_ROWS, columns=CRM_COLUMNS, dtype="object")


def test_rows_are_standardized() -> None:
    batch = standardize(crm_batch(), source="crm", primary_key="ID", mapping=CRM_MAPPING)

    records = batch.records.set_index(RECORD_ID, drop=False)
    assert len(records) == 8
    hans = records.loc["crm:1"]
    assert (hans.given_name, hans.family_name) == ("Hans", "Müller")
    assert hans.birth_date == pd.Timestamp("1980-02-01")
    assert hans.email == "hans.mueller@example.de"
    assert hans.phone == "+49301234567"
    assert (hans.street, hans.postcode, hans.city, hans.country) == (
        "Hauptstr. 5",
        "01067",
        "Dresden",
        "DE",
    )
    assert hans.source_updated_at == pd.Timestamp("2024-01-02T09:00:00Z")
    ole = records.loc["crm:2"]
    assert (ole.given_name, ole.postcode, ole.country) == ("Ole", "0150", "NO")
    # Validity is the suite's call: an unreadable phone and an unknown country are kept
    # as written for it.
    assert ole.phone == "12"
    assert records.loc["crm:7", "country"] == "Atlantis"
    assert records["email"].tolist()[2] == "bad@"


def test_records_have_the_canonical_shape() -> None:
    records = standardize(crm_batch(), source="crm", primary_key="ID", mapping=CRM_MAPPING).records

    assert list(records.columns) == [*CANONICAL_FIELDS, RECORD_ID]
    assert str(records["birth_date"].dtype) == "datetime64[s]"
    assert str(records["source_updated_at"].dtype) == "datetime64[ns, UTC]"
    text_columns = [c for c in records.columns if c not in ("birth_date", "source_updated_at")]
    assert all(records[c].dtype == object for c in text_columns)
    assert records["email"].iloc[5] is None
    # Each record keeps the position of the raw row it came from.
    assert records.index.tolist() == list(range(8))


def test_unreadable_dates_are_set_aside_with_position_and_value() -> None:
    batch = standardize(crm_batch(), source="crm", primary_key="ID", mapping=CRM_MAPPING)

    issues = batch.issues
    assert list(issues.columns) == list(FIELD_ISSUE_COLUMNS)
    assert issues[["position", "field", "rule", "source_key", "value"]].values.tolist() == [
        [3, "birth_date", "invalid_date", "3", "31021990"]
    ]
    assert issues.loc[0, "detail"] == (
        'column `BIRTH_DT`: "31021990" is not a date in format DDMMYYYY'
    )
    # The record goes on without it.
    assert len(batch.records) == 8 and pd.isna(batch.records.loc[2, "birth_date"])


@pytest.mark.parametrize(
    ("mapping_field", "column"),
    [("email", "E_MAIL"), ("full_name", "FULLNAME")],
    ids=["email", "full-name"],
)
def test_missing_mapped_column_raises(mapping_field: str, column: str) -> None:
    mapping = SourceMapping.model_validate({mapping_field: column})

    with pytest.raises(MissingColumnError, match=f"`crm`.*`{column}`"):
        standardize(crm_batch(), source="crm", primary_key="ID", mapping=mapping)


def test_missing_primary_key_column_raises() -> None:
    with pytest.raises(MissingColumnError, match="`CUSTNO`"):
        standardize(crm_batch(), source="crm", primary_key="CUSTNO", mapping=CRM_MAPPING)


def test_constant_country_and_separate_name_columns() -> None:
    raw = pd.DataFrame(
        {"KEY": ["a1"], "FIRST": ["kari"], "LAST": ["NORDMANN"], "TLF": ["22 12 34 56"]},
        dtype="object",
    )
    mapping = SourceMapping.model_validate(
        {"given_name": "FIRST", "family_name": "LAST", "phone": "TLF", "country": {"value": "NO"}}
    )

    batch = standardize(raw, source="shop", primary_key="KEY", mapping=mapping)

    record = batch.records.iloc[0]
    assert (record.record_id, record.given_name, record.family_name) == (
        "shop:a1",
        "Kari",
        "Nordmann",
    )
    assert (record.country, record.phone) == ("NO", "+4722123456")
    assert pd.isna(record.birth_date)


def test_empty_batch() -> None:
    raw = pd.DataFrame({c: pd.Series(dtype="object") for c in CRM_COLUMNS})

    batch = standardize(raw, source="crm", primary_key="ID", mapping=CRM_MAPPING)

    assert batch.records.empty and batch.issues.empty
    assert list(batch.records.columns) == [*CANONICAL_FIELDS, RECORD_ID]


def test_mapped_attributes_follow_the_canonical_columns_as_trimmed_text() -> None:
    mapping = SourceMapping.model_validate(
        {
            **CRM_MAPPING.model_dump(exclude_none=True),
            "attributes": {"tax_id": "TAX", "tier": {"value": "gold"}},
        }
    )
    raw = crm_batch().assign(TAX=[" 12 345 ", None, "", "7", None, None, None, "8"])
    records = standardize(raw, source="crm", primary_key="ID", mapping=mapping).records
    assert list(records.columns) == [*CANONICAL_FIELDS, RECORD_ID, "tax_id", "tier"]
    assert records["tax_id"].tolist() == ["12 345", None, None, "7", None, None, None, "8"]
    assert set(records["tier"]) == {"gold"}
