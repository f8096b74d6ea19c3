import pandas as pd

from quality import RECORD_ID, SourceMapping, quality_gate

MAPPING = SourceMapping.model_validate({"given_name": "first", "family_name": "last"})


def _gate(first: list[str | None], last: list[str | None]) -> pd.DataFrame:
    raw = pd.DataFrame({"id": [str(n) for n in range(len(first))], "first": first, "last": last})
    result = quality_gate(raw, source="census", primary_key="id", mapping=MAPPING)
    assert result.verdict.rows_passed == len(raw)
    return result


def test_placeholder_names_are_set_aside_and_their_records_go_on() -> None:
    result = _gate(
        ["BABY GIRL", "Lady of the", "unknown", "Sister", "Mr.", "Ann"],
        ["Smith", "Jones", "Brown", "Unknown", "Lee", "HOUSEHOLD"],
    )

    records = result.records.set_index(RECORD_ID)
    assert records["given_name"].tolist() == [None, None, None, None, None, "Ann"]
    assert records["family_name"].tolist() == ["Smith", "Jones", "Brown", None, "Lee", None]
    issues = result.issues[["position", "field", "rule", "value"]].values.tolist()
    assert issues == [
        [1, "given_name", "placeholder_given_name", "BABY GIRL"],
        [2, "given_name", "placeholder_given_name", "Lady of the"],
        [3, "given_name", "placeholder_given_name", "unknown"],
        [4, "family_name", "placeholder_family_name", "Unknown"],
        [4, "given_name", "placeholder_given_name", "Sister"],
        [5, "given_name", "placeholder_given_name", "Mr."],
        [6, "family_name", "placeholder_family_name", "HOUSEHOLD"],
    ]
    assert result.verdict.values_set_aside == 7
    # More than 5% placeholders fail the rule, but a name not known stops no publishing.
    given = next(e for e in result.verdict.expectations if e.rule == "placeholder_given_name")
    assert not given.success and not given.blocking


def test_names_that_look_like_placeholders_are_kept() -> None:
    # Family names that are also words, given names that contain a placeholder word,
    # and initials.
    first = ["Son", "Man", "Boy", "Na", "Nil", "V", "Sonja", "Ladyhawke", "Kid Creole"]
    last = ["Son", "Man", "Doe", "Person", "Parent", "Lady", "Baby", "Na", "Nil"]

    result = _gate(first, last)

    records = result.records.set_index(RECORD_ID)
    assert records["given_name"].tolist() == first
    assert records["family_name"].tolist() == last
    assert result.issues.empty
