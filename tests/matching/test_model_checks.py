"""A fitted model that cannot be right is named, not trusted in silence (issue 19, item 3)."""

from __future__ import annotations

from matching import implausibilities, link_records
from matching.scoring import ComparisonParameters, FellegiSunterModel

EMAIL = ("missing", "different", "one typo apart", "exact, used by several people", "exact")


def _model(m: tuple[float, ...], prior: float = 1e-4, converged: bool = True) -> FellegiSunterModel:
    u = (1.0, 0.9999, 0.00001, 0.00003, 0.00006)
    return FellegiSunterModel(
        prior=prior,
        comparisons=(ComparisonParameters("email", EMAIL, m, u),),
        iterations=50 if not converged else 6,
        converged=converged,
    )


def test_a_sensible_model_raises_no_doubt() -> None:
    assert implausibilities(_model((1.0, 0.30, 0.02, 0.05, 0.63)), records=1_000) == []


def test_each_kind_of_implausible_fit_is_named() -> None:
    # Exact agreement rarer among matches than among random pairs; most pairs matches.
    model = _model((1.0, 0.99996, 0.00001, 0.00001, 0.00002), prior=0.05, converged=False)

    doubts = implausibilities(model, records=1_000)

    assert doubts == [
        "training stopped after 50 rounds without converging",
        "`email` exact counts against a match (-1.58)",
        "`email` different counts for a match (+0.00)",
        "it expects 50.0 matching records per record",
    ]


def test_models_fitted_on_generated_customers_are_plausible(
    synthetic_customers,  # type: ignore[no-untyped-def]
) -> None:
    records, _ = synthetic_customers(300)

    links = link_records(records)

    assert implausibilities(links.model, len(records)) == []
