"""The hub config: one YAML file declaring the warehouse, the sources and match settings.

Loading checks the whole file and reports every problem at once, each naming the
file, the source and the field, so a data engineer fixes them in one go.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url

from connectors import ConnectorSpec
from errors import TerminalError
from matching import MatchSettings, SurvivorshipRules
from quality import (
    InteractionMapping,
    InteractionMappingBase,
    QualitySettings,
    SourceMapping,
    SourceMappingBase,
    expectation,
)
from serving import ConsoleSettings

#: Environment variable that overrides the config's warehouse URL.
WAREHOUSE_URL_ENV = "HUB_WAREHOUSE_URL"
#: Environment variable naming the hub config file, where no ``--config`` does.
CONFIG_ENV = "HUB_CONFIG"


def config_path() -> Path:
    """The config file to read by default: ``$HUB_CONFIG``, else ``./hub.yaml``."""
    return Path(os.environ.get(CONFIG_ENV, "hub.yaml"))


#: The names a source may map in `fields:` (extra attributes go under `attributes:`).
MAPPABLE_NAMES = (*(n for n in SourceMapping.model_fields if n != "attributes"), "attributes")

# Cron: five fields of numbers, names (MON, JAN), ranges, lists and steps; or a macro.
_CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
)
_CRON_NAMES = {
    **{day: n for n, day in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))},
    **{
        month: n
        for n, month in enumerate(
            ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
            start=1,
        )
    },
}
_CRON_ITEM = re.compile(r"(\*|(\w+)(-(\w+))?)(/(\d+))?")


def _cron_problem(expression: str) -> str | None:
    """What is wrong with a cron expression, or ``None`` when it is fine."""
    if expression in ("@hourly", "@daily", "@weekly", "@monthly"):
        return None
    parts = expression.split()
    if len(parts) != len(_CRON_FIELDS):
        return f"a cron expression has 5 fields (minute hour day month weekday), not {len(parts)}"
    for part, (field, low, high) in zip(parts, _CRON_FIELDS, strict=True):
        for item in part.split(","):
            match = _CRON_ITEM.fullmatch(item)
            if match is None:
                return f"{field} {item!r} is not a value, range or step"
            for value in (match.group(2), match.group(4)):
                if value is None:
                    continue
                number = int(value) if value.isdigit() else _CRON_NAMES.get(value.upper())
                if number is None or not low <= number <= high:
                    return f"{field} {value!r} is outside {low}-{high}"
    return None


SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class ConfigError(TerminalError):
    """The config file cannot be used; ``problems`` lists every reason, one per line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


class WarehouseSettings(BaseModel):
    """Where the hub publishes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = "sqlite:///warehouse.sqlite"
    """SQLAlchemy URL; a relative SQLite path is relative to the config file's folder."""
    max_retries: int = Field(default=2, ge=0)
    """Retries of a stage that failed because the warehouse could not be reached."""
    retry_delay_seconds: int = Field(default=30, ge=0)
    """Wait before the first retry; each later retry waits twice as long."""
    lock_wait_seconds: int = Field(default=60, ge=0)
    """How long a run waits for another run that is writing the warehouse (one at a time)."""


class SyncSettings(BaseModel):
    """How and when a source is synced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["full_refresh", "incremental"] = "full_refresh"
    """``full_refresh`` reads everything and marks rows gone from the source as deleted;
    ``incremental`` reads only what changed since the last sync's cursor."""
    schedule: str | None = None
    """Cron expression for the source's Dagster schedule (e.g. ``"0 * * * *"``)."""
    max_delete_share: float = Field(default=0.1, ge=0, le=1)
    """The most of the source's rows that a full refresh may mark deleted at once; where
    more are gone, the deletions are held back until a run with ``--allow-deletes``."""
    max_retries: int = Field(default=2, ge=0)
    """Retries of a sync that failed because the source could not be reached."""
    retry_delay_seconds: int = Field(default=30, ge=0)
    """Wait before the first retry; each later retry waits twice as long."""

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, schedule: str | None) -> str | None:
        problem = None if schedule is None else _cron_problem(schedule.strip())
        if problem is not None:
            raise ValueError(f"{schedule!r}: {problem}")
        return schedule


class _Source(BaseModel):
    """What every source declares: how to read it, its key, and how to sync it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connector: ConnectorSpec
    primary_key: str = Field(min_length=1)
    """Column holding the source's own key for a row."""
    sync: SyncSettings = SyncSettings()

    @model_validator(mode="after")
    def _incremental_needs_a_cursor(self) -> _Source:
        if self.sync.mode == "incremental" and not self.connector.has_cursor:
            raise ValueError(
                f"`sync.mode: incremental` needs a cursor: {self.connector.cursor_hint}"
            )
        return self


class SourceSettings(_Source):
    """A source of customers: its columns map onto the canonical customer record."""

    content: Literal["customers"] = "customers"
    trust_rank: int = Field(ge=1)
    """1 is the most trusted source; survivorship prefers lower ranks."""
    fields: SourceMapping  # type: ignore[valid-type]
    quality: QualitySettings = QualitySettings()
    """The source's expectation suite: the default one, tuned and extended."""

    @property
    def mapping(self) -> SourceMappingBase:
        """The field mapping, typed for the quality stage."""
        return self.fields


class InteractionSourceSettings(_Source):
    """A source of interactions (orders, tickets, …) with customers of another source."""

    content: Literal["interactions"]
    customer_source: SourceName
    """The customer source whose keys the interactions' ``customer_key`` holds."""
    fields: InteractionMapping  # type: ignore[valid-type]

    @property
    def mapping(self) -> InteractionMappingBase:
        """The field mapping, typed for the quality stage."""
        return self.fields


def _content(source: Any) -> str:
    if isinstance(source, dict):
        return str(source.get("content", "customers"))
    return str(getattr(source, "content", "customers"))


#: A source of either content, as the rest of the hub handles it.
Source = SourceSettings | InteractionSourceSettings

AnySource = Annotated[
    Annotated[SourceSettings, Tag("customers")]
    | Annotated[InteractionSourceSettings, Tag("interactions")],
    Discriminator(_content),
]


class HubConfig(BaseModel):
    """The whole hub config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warehouse: WarehouseSettings = WarehouseSettings()
    sources: dict[SourceName, AnySource] = Field(min_length=1)
    matching: MatchSettings = MatchSettings()
    survivorship: SurvivorshipRules = SurvivorshipRules()
    """Which record's value each golden field takes (see `matching.SurvivorshipRules`)."""
    data_docs: Path | None = Path("data_docs")
    """Folder for the Great Expectations Data Docs of each run, relative to the config
    file; ``null`` writes none."""
    console: ConsoleSettings = ConsoleSettings()
    match_state: Path | None = Path("match_state.npz")
    """File where each run keeps the candidate pairs it compared, relative to the config
    file, so that the next run compares only pairs touching new or changed records;
    ``null`` keeps none, and every run compares every pair."""

    @model_validator(mode="after")
    def _interactions_name_a_customer_source(self) -> HubConfig:
        if not self.customer_sources:
            raise ValueError("declare at least one source of customers")
        for name, source in self.interaction_sources.items():
            if source.customer_source not in self.customer_sources:
                raise ValueError(
                    f"source `{name}`: `customer_source` {source.customer_source!r} is not "
                    f"a customer source (those are: {', '.join(self.customer_sources)})"
                )
        return self

    @property
    def customer_sources(self) -> dict[str, SourceSettings]:
        """The sources of customers, in config order."""
        return {n: s for n, s in self.sources.items() if isinstance(s, SourceSettings)}

    @property
    def interaction_sources(self) -> dict[str, InteractionSourceSettings]:
        """The sources of interactions, in config order."""
        return {n: s for n, s in self.sources.items() if isinstance(s, InteractionSourceSettings)}

    @property
    def trust_ranks(self) -> dict[str, int]:
        """Customer source name → trust rank."""
        return {name: source.trust_rank for name, source in self.customer_sources.items()}


def allowing_deletes(config: HubConfig) -> HubConfig:
    """``config`` with every source allowed to mark all its rows deleted in a full refresh
    (``--allow-deletes``: the user has confirmed that what is gone is gone)."""
    sources = {
        name: source.model_copy(
            update={"sync": source.sync.model_copy(update={"max_delete_share": 1.0})}
        )
        for name, source in config.sources.items()
    }
    return config.model_copy(update={"sources": sources})


def load_config(path: str | Path) -> HubConfig:
    """Read, check and resolve the config at ``path``.

    Relative file paths and SQLite URLs are anchored at the config's folder; the
    ``HUB_WAREHOUSE_URL`` environment variable overrides ``warehouse.url``.

    Raises:
        ConfigError: with every problem found, each naming the file, source and field.
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, [f"{path}: cannot read the config: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [f"{path}{where}: not valid YAML: {reason}"]) from None
    if not isinstance(document, dict):
        raise ConfigError(path, [f"{path}: expected a mapping with `sources`, got {document!r}"])
    try:
        config = HubConfig.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(path, [_describe(path, error) for error in exc.errors()]) from None
    problems = _expectation_problems(path, config)
    if problems:
        raise ConfigError(path, problems)
    return _resolved(config, path.resolve().parent)


def _expectation_problems(path: Path, config: HubConfig) -> list[str]:
    """Declared expectations that Great Expectations would refuse, one line each."""
    problems = []
    for name, source in config.customer_sources.items():
        for n, check in enumerate(source.quality.expectations):
            try:
                expectation(check)
            except ValueError as exc:
                problems.append(
                    f"{path}: source `{name}`: field `quality.expectations.{n}` "
                    f"(rule `{check.rule}`): {exc}"
                )
    return problems


def _resolved(config: HubConfig, base_dir: Path) -> HubConfig:
    url = os.environ.get(WAREHOUSE_URL_ENV) or config.warehouse.url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = Path(parsed.database).expanduser()
        if not database.is_absolute():
            url = parsed.set(database=str(base_dir / database)).render_as_string(False)
    sources = {
        name: source.model_copy(update={"connector": source.connector.resolved(base_dir)})
        for name, source in config.sources.items()
    }
    return config.model_copy(
        update={
            "warehouse": config.warehouse.model_copy(update={"url": url}),
            "sources": sources,
            "data_docs": _under(base_dir, config.data_docs),
            "match_state": _under(base_dir, config.match_state),
        }
    )


def _under(base_dir: Path, path: Path | None) -> Path | None:
    """A path of the config, relative to its folder; ``None`` stays ``None``."""
    return None if path is None else base_dir / path.expanduser()


def _describe(path: Path, error: Any) -> str:
    """One pydantic error as ``FILE: source `NAME`: field `a.b`: message``."""
    location = [str(part) for part in error["loc"]]
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting (check the spelling)"
    elif error["type"] == "missing":
        message = "required but missing"
    if location[:1] == ["sources"] and len(location) >= 2:
        source, field = location[1], location[2:]
        if field[:1] == ["[key]"]:
            return f"{path}: source `{source}`: the name must be lower_snake_case ({message})"
        if field[:1] in (["customers"], ["interactions"]):
            del field[0]  # the source's content, which pydantic adds to the location
        if field[:1] == ["connector"] and len(field) > 1:
            del field[1]  # the connector kind pydantic adds to the location
        if error["type"] == "extra_forbidden" and field[:1] == ["fields"]:
            message = f"not a canonical field (known: {', '.join(MAPPABLE_NAMES)})"
        where = f"source `{source}`: field `{'.'.join(field)}`" if field else f"source `{source}`"
        return f"{path}: {where}: {message}"
    return f"{path}: field `{'.'.join(location) or '(top)'}`: {message}"
