"""How matching is tuned: the typed `matching:` section of the hub config."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

#: Keys a blocking pass can require two records to share, besides the attributes declared
#: under `attributes`. Name keys are folded first.
BUILTIN_BLOCKING_KEYS: tuple[str, ...] = (
    "email",
    "phone",
    "birth_date",
    "birth_year",
    "given_name",
    "given_name_initial",
    "given_name_prefix3",
    "given_name_soundex",
    "given_name_metaphone",
    "family_name",
    "family_name_initial",
    "family_name_prefix3",
    "family_name_soundex",
    "family_name_metaphone",
    "names_metaphone_any_order",
    "full_name",
    "street",
    "postcode",
    "city",
)

DEFAULT_BLOCKING_PASSES: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("phone",),
    ("birth_date", "family_name_metaphone"),
    ("birth_date", "given_name_metaphone"),
    ("birth_date", "postcode"),
    ("names_metaphone_any_order", "postcode"),
    ("names_metaphone_any_order", "birth_year"),
    ("family_name_metaphone", "given_name_initial", "postcode"),
    ("given_name_metaphone", "family_name_initial", "postcode"),
    ("family_name_prefix3", "given_name_prefix3", "birth_year"),
    ("street", "postcode"),
    ("full_name",),
)


#: Share of records with an e-mail address or a phone number below which contacts are
#: sparse: the built-in passes lean on them, so `SPARSE_CONTACT_PASSES` join the run's.
SPARSE_CONTACT_SHARE = 0.5


#: How an extra attribute is compared (see `AttributeComparison.comparison`).
AttributeComparisonKind = Literal["exact", "edit_distance", "jaro_winkler"]


class AttributeComparison(BaseModel):
    """How matching compares one extra attribute that sources map (see `quality.SourceMapping`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    comparison: AttributeComparisonKind = "exact"
    """``exact``: same or different (gender, a customer tier); ``edit_distance``: exact, one
    typo or two apart (ids, numbers); ``jaro_winkler``: graded text similarity (a birth
    place, an occupation)."""
    identifies_person: bool = False
    """Two records that agree on it exactly are one person even where given names or birth
    dates disagree (a national id, a customer number shared by all systems)."""


class SortedNeighbourhoodPass(BaseModel):
    """A blocking pass that pairs records lying close together in the order of one key.

    Records are sorted by the key (ties by position) and each is paired with the next
    ``window - 1``, so a typo that exact keys miss (``johansen`` and ``jhoansen``, an id with
    one digit wrong) still meets its neighbours. With `block_on`, records are sorted and
    paired only among those sharing every one of those keys.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sorted_neighbourhood: str
    """The blocking key records are sorted by."""
    window: int = Field(default=5, ge=2)
    """Records in one window: each record pairs with the ``window - 1`` after it."""
    block_on: list[str] = []
    """Blocking keys records must share exactly to be paired."""

    @property
    def keys(self) -> list[str]:
        """Every blocking key the pass reads, the sort key first."""
        return [self.sorted_neighbourhood, *self.block_on]


def _pass_kind(blocking_pass: Any) -> str:
    if isinstance(blocking_pass, dict | SortedNeighbourhoodPass):
        return "sorted_neighbourhood"
    return "keys"


#: A blocking pass: the keys records must all share, or a sorted-neighbourhood pass.
BlockingPass = Annotated[
    Annotated[list[str], Tag("keys")]
    | Annotated[SortedNeighbourhoodPass, Tag("sorted_neighbourhood")],
    Discriminator(_pass_kind),
]


#: Passes added to the run's where e-mail addresses and phone numbers are sparse (see
#: `SPARSE_CONTACT_SHARE`): names, birth dates and places that a typo in one of them, a
#: move or a missing postcode would keep the built-in passes from pairing.
SPARSE_CONTACT_PASSES: tuple[list[str] | SortedNeighbourhoodPass, ...] = (
    ["street"],
    ["birth_date", "city"],
    ["birth_date", "family_name_initial"],
    ["birth_date", "given_name_initial"],
    ["family_name_soundex", "given_name_soundex"],
    SortedNeighbourhoodPass(
        sorted_neighbourhood="family_name", window=5, block_on=["given_name_initial"]
    ),
)


class MatchSettings(BaseModel):
    """Blocking, scoring and clustering settings for one matching run.

    Every field has a default, so the whole `matching:` section is optional.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    attributes: dict[str, AttributeComparison] = {}
    """Extra attributes to compare, by the name sources map them under."""
    default_blocking_passes: bool = True
    """Whether the built-in passes (`DEFAULT_BLOCKING_PASSES`) are in force as well as those
    declared; ``false`` leaves only the declared ones."""
    blocking_passes: list[BlockingPass] = Field(
        default_factory=lambda: [list(keys) for keys in DEFAULT_BLOCKING_PASSES],  # type: ignore[arg-type]
        min_length=1,
    )
    """The passes in force: candidate pairs are their union. A pass pairs records sharing all
    its keys, or is a `SortedNeighbourhoodPass`. Passes declared are added to the built-in
    ones (a declared pass equal to one of them counts once), unless
    ``default_blocking_passes`` is false."""
    max_block_size: int = Field(default=1_000, ge=2)
    """A block with more records than this is skipped (and counted) rather than paired out."""
    max_pairs_per_record: float = Field(default=50.0, gt=0.0)
    """Budget of candidate pairs per record: a pass whose estimated pairs (counted from its
    block sizes before it runs, all taken as new) and the pairs found before it exceed it
    is skipped, and reported, rather than run."""
    link_threshold: float = Field(default=0.8, gt=0.0, lt=1.0)
    """Match probability from which a pair is linked."""
    review_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
    """Match probability from which an unlinked pair goes to steward review."""
    max_cluster_size: int = Field(default=20, ge=2)
    """Largest number of records one customer may gather; bigger groups are split."""
    review_customer_size: int = Field(default=6, ge=2)
    """Customers with at least this many records go to steward review."""
    learn_from_stewards: bool = False
    """When a run trains its scoring model, train it with the stewards' standing
    decisions as labelled pairs too (same customer: a match; different: a non-match); a
    run scoring with a saved model (``model: latest``) only obeys them. Off by default:
    on generated data it left the next queue as long (bench/README.md)."""
    conflicting_attributes: list[Literal["birth_date", "given_name"]] | None = None
    """Attributes whose plain disagreement (both known, not a typo, nickname or initial of
    each other) keeps two records apart, which clustering never joins; elsewhere such a
    disagreement is evidence the model weighs like any other. Unset: both, where the
    records hold households (partners, twins, a parent and a child of one name), and none
    where they show they do not (see `matching.households`)."""
    term_frequency_adjustments: list[Literal["given_name", "family_name"]] = Field(
        default_factory=lambda: ["given_name", "family_name"]  # type: ignore[arg-type]
    )
    """Comparisons whose exact agreement is weighed by how rare the shared value is:
    sharing a rare family name counts for more than sharing the most common one."""
    model: Literal["auto", "retrain", "latest"] = "auto"
    """Which scoring model a hub run uses. ``auto``: the latest saved version that fits
    the comparisons (the built-in ones and those of `attributes`, level for level), unless
    the data drifted from what it was trained on past `retrain_when_records_change` or
    `retrain_when_levels_shift` (see `matching.drift`); then, or when none fits, train
    one and save it as a new version. ``latest``: the latest fitting version however far
    the data drifted. ``retrain``: train one on every run."""
    retrain_when_records_change: float = Field(default=0.25, ge=0.0)
    """With ``model: auto``, train a new model once the records grew or shrank by more
    than this share of those the saved one was trained on."""
    retrain_when_levels_shift: float = Field(default=0.05, gt=0.0, le=1.0)
    """With ``model: auto``, train a new model once, on any comparison, the share of
    candidate pairs at each level moved this far (total variation distance) from the
    shares the saved model was trained on: e.g. a new source without phone numbers."""
    em_iterations: int = Field(default=50, ge=1)
    """Most expectation–maximisation rounds to train the scoring model."""
    em_tolerance: float = Field(default=1e-5, gt=0.0)
    """Training stops once no probability moves more than this in one round."""
    u_sample_pairs: int = Field(default=200_000, ge=1_000)
    """Random record pairs drawn to estimate how often non-matches agree by chance."""
    random_seed: int = 0
    """Seed for the random pairs, so a re-run on the same input gives the same model."""
    comparison_chunk_pairs: int = Field(default=500_000, ge=1_000)
    """Pairs compared at once; bounds memory on large inputs."""
    must_link: list[tuple[str, str]] = []
    """Pairs of record ids that are one customer whatever their scores say (a steward's
    "same person"): always linked, never split apart."""
    cannot_link: list[tuple[str, str]] = []
    """Pairs of record ids that are different customers whatever their scores say (a
    steward's "not the same person"): never linked, never in one cluster."""

    @model_validator(mode="after")
    def _passes_are_declared_without_the_defaults(self) -> MatchSettings:
        if not self.default_blocking_passes and "blocking_passes" not in self.model_fields_set:
            raise ValueError(
                "default_blocking_passes is false: declare the passes in force under "
                "`blocking_passes`"
            )
        return self

    @field_validator("attributes")
    @classmethod
    def _attributes_have_their_own_names(
        cls, attributes: dict[str, AttributeComparison]
    ) -> dict[str, AttributeComparison]:
        taken = {*BUILTIN_BLOCKING_KEYS, "address"}
        clashing = sorted(taken & set(attributes))
        if clashing:
            raise ValueError(
                f"attribute {clashing[0]!r} has the name of a built-in comparison or "
                "blocking key; map it under another name"
            )
        return attributes

    @field_validator("blocking_passes")
    @classmethod
    def _passes_are_sets_of_keys(
        cls, passes: list[BlockingPass], info: ValidationInfo
    ) -> list[BlockingPass]:
        known = {*BUILTIN_BLOCKING_KEYS, *info.data.get("attributes", {})}
        seen: dict[Hashable, int] = {}
        for number, blocking_pass in enumerate(passes):
            keys = _pass_keys(blocking_pass)
            if not keys:
                raise ValueError(f"pass {number} has no keys; give at least one blocking key")
            unknown = [key for key in keys if key not in known]
            if unknown:
                raise ValueError(
                    f"pass {number}: unknown blocking key {unknown[0]!r}; use one of "
                    f"{', '.join(BUILTIN_BLOCKING_KEYS)} or an attribute declared under "
                    "`attributes`"
                )
            if len(set(keys)) != len(keys):
                raise ValueError(f"pass {number} repeats a key: {keys}")
            identity = pass_identity(blocking_pass)
            if identity in seen:
                raise ValueError(f"pass {number} repeats pass {seen[identity]}: {keys}")
            seen[identity] = number
        if not info.data.get("default_blocking_passes", True):
            return passes
        # Declared passes add to the built-in ones; one equal to a built-in one counts once.
        built_in: list[BlockingPass] = [list(keys) for keys in DEFAULT_BLOCKING_PASSES]
        known_passes = {pass_identity(blocking_pass) for blocking_pass in built_in}
        return [*built_in, *(p for p in passes if pass_identity(p) not in known_passes)]

    @field_validator("must_link", "cannot_link")
    @classmethod
    def _pairs_of_two_records(cls, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for number, (first, second) in enumerate(pairs):
            if first == second:
                raise ValueError(f"pair {number} names record {first!r} twice")
        return pairs

    @model_validator(mode="after")
    def _review_below_link(self) -> MatchSettings:
        if self.review_threshold > self.link_threshold:
            raise ValueError(
                f"review_threshold ({self.review_threshold}) must not exceed "
                f"link_threshold ({self.link_threshold})"
            )
        return self


def _pass_keys(blocking_pass: BlockingPass) -> list[str]:
    if isinstance(blocking_pass, SortedNeighbourhoodPass):
        return blocking_pass.keys
    return blocking_pass


def pass_identity(blocking_pass: BlockingPass) -> Hashable:
    """What two passes share exactly when they pair the same records."""
    if isinstance(blocking_pass, SortedNeighbourhoodPass):
        sort_key, window = blocking_pass.sorted_neighbourhood, blocking_pass.window
        return sort_key, window, frozenset(blocking_pass.block_on)
    return frozenset(blocking_pass)
