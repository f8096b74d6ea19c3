"""Shared fixtures: database servers for tests that need a real one, and demo hubs
published once per session and copied for each test.

A server-backed test is marked `services`; it skips with the reason when its server is
unreachable, unless HUB_REQUIRE_SERVICES is set (as CI does), where an unreachable server
fails it.

`hub_builds` runs the demo hub once per warehouse kind, size and seed, and gives each test
its own copy of what it published: the demo folder (sources, config, kept pairs) and the
warehouse (a SQLite file, or a PostgreSQL database made from the built one as a template).
A test changes only its copy, so no test sees another's decisions or runs.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

if TYPE_CHECKING:
    from demo import DemoSources

SERVER_URLS = {
    "postgresql": os.environ.get(
        "HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get("HUB_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def server_engine(kind: str) -> sa.Engine:
    """An engine on the local ``kind`` server, or a skip (a failure in CI) when it is down."""
    engine = sa.create_engine(SERVER_URLS[kind])
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = f"no {kind} server at {SERVER_URLS[kind]}: {exc.orig}"
        if os.environ.get("HUB_REQUIRE_SERVICES"):
            pytest.fail(f"HUB_REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)
    return engine


@contextmanager
def _postgresql_schema() -> Iterator[str]:
    """URL of a fresh, empty schema on the local PostgreSQL server, dropped afterwards."""
    engine = server_engine("postgresql")
    schema = f"hub_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """URL of a fresh, empty schema on the local PostgreSQL server, dropped afterwards."""
    with _postgresql_schema() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgresql_url() -> Iterator[str]:
    """`postgresql_url` shared by a test module's tests."""
    with _postgresql_schema() as url:
        yield url


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """URL of a fresh, empty database on the local MariaDB server, dropped afterwards."""
    engine = server_engine("mariadb")
    database = f"hub_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
    yield engine.url.set(database=database).render_as_string(hide_password=False)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP DATABASE `{database}`"))
    engine.dispose()


# The PostgreSQL half is marked, so that `-m "not services"` deselects only that half.
WAREHOUSE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)]
SERVER_FIXTURES = {"postgresql_url", "module_postgresql_url", "mariadb_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a test that takes a server fixture without the `services` marker, which
    `make test-fast` would otherwise run."""
    unmarked = [
        item.nodeid
        for item in items
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("services") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use a database server but are not marked `services`: "
            + ", ".join(unmarked)
        )


@pytest.fixture(params=WAREHOUSE_KINDS)
def warehouse_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The same warehouse test on embedded SQLite and on the local PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return str(request.getfixturevalue("postgresql_url"))


@pytest.fixture(params=WAREHOUSE_KINDS)
def warehouse_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` and ``postgresql``: the same test on a hub published into each."""
    return str(request.param)


WAREHOUSE_FILE = "warehouse.sqlite"
"""Where a built SQLite hub publishes, in its demo folder (and so in each copy of it)."""


@dataclasses.dataclass(frozen=True)
class PublishedHub:
    """A demo folder and the warehouse that a run of the hub on it published."""

    demo: DemoSources
    warehouse_url: str
    """Set it as ``HUB_WAREHOUSE_URL`` so that the demo's config publishes there."""
    run_id: str
    """The run that published it."""


class HubBuilds:
    """Demo hubs run once each, by warehouse kind, size and seed; copies of them."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._built: dict[tuple[str, int, int], PublishedHub] = {}
        self._databases: list[str] = []
        self._server: sa.Engine | None = None

    def built(self, kind: str, *, people: int, seed: int) -> PublishedHub:
        """The demo of this size and seed, published into a ``kind`` warehouse once."""
        key = (kind, people, seed)
        if key not in self._built:
            self._built[key] = self._build(kind, people, seed)
        return self._built[key]

    @contextmanager
    def copy(self, kind: str, into: Path, *, people: int, seed: int) -> Iterator[PublishedHub]:
        """A copy of `built` in the folder `into`/demo with a warehouse of its own, which
        is dropped afterwards."""
        built = self.built(kind, people=people, seed=seed)
        folder = into / "demo"
        shutil.copytree(
            built.demo.config.parent, folder, ignore=shutil.ignore_patterns(f"{WAREHOUSE_FILE}*")
        )
        demo = _moved(built.demo, folder)
        if kind == "sqlite":
            # The backup API reads what the write-ahead log holds too, whoever has it open.
            source = built.demo.config.parent / WAREHOUSE_FILE
            with (
                closing(sqlite3.connect(source)) as original,
                closing(sqlite3.connect(folder / WAREHOUSE_FILE)) as copied,
            ):
                original.backup(copied)
            yield PublishedHub(demo, f"sqlite:///{folder / WAREHOUSE_FILE}", built.run_id)
            return
        template = sa.make_url(built.warehouse_url).database
        database = f"hub_test_{uuid.uuid4().hex[:10]}"
        # Refused while anyone is connected to the template: a build leaves no one.
        self._execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        try:
            yield PublishedHub(demo, self._database_url(database), built.run_id)
        finally:
            self._execute(f'DROP DATABASE "{database}" WITH (FORCE)')

    def close(self) -> None:
        """Drop the PostgreSQL databases built."""
        for database in self._databases:
            self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if self._server is not None:
            self._server.dispose()

    def _build(self, kind: str, people: int, seed: int) -> PublishedHub:
        # Imported here, so that a run of quick tests need not load Dagster.
        from demo import generate_demo
        from pipelines.config import WAREHOUSE_URL_ENV, load_config
        from pipelines.runner import run_hub

        folder = self._root / f"{kind}-{people}-{seed}"
        if kind == "sqlite":
            url = f"sqlite:///{folder / WAREHOUSE_FILE}"
        else:
            database = f"hub_built_{uuid.uuid4().hex[:10]}"
            self._execute(f'CREATE DATABASE "{database}"')
            self._databases.append(database)
            url = self._database_url(database)
        demo = generate_demo(folder, people=people, seed=seed)
        with pytest.MonkeyPatch.context() as env:
            env.setenv(WAREHOUSE_URL_ENV, url)
            run = run_hub(load_config(demo.config))
        return PublishedHub(demo, url, run.run_id)

    def _execute(self, statement: str) -> None:
        if self._server is None:
            self._server = server_engine("postgresql").execution_options(
                isolation_level="AUTOCOMMIT"
            )
        with self._server.connect() as connection:
            connection.execute(sa.text(statement))

    def _database_url(self, database: str) -> str:
        assert self._server is not None
        return self._server.url.set(database=database).render_as_string(hide_password=False)


def _moved(demo: DemoSources, folder: Path) -> DemoSources:
    """What `generate_demo` wrote, as copied into `folder`."""
    built = demo.config.parent

    def moved(path: Path) -> Path:
        return folder / path.relative_to(built)

    return dataclasses.replace(
        demo,
        config=moved(demo.config),
        truth=moved(demo.truth),
        sources=MappingProxyType({name: moved(p) for name, p in demo.sources.items()}),
        interactions=MappingProxyType({name: moved(p) for name, p in demo.interactions.items()}),
    )


@pytest.fixture(scope="session")
def hub_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubBuilds]:
    """Demo hubs published once per session; `HubBuilds.copy` gives a test its own."""
    builds = HubBuilds(tmp_path_factory.mktemp("built_hubs"))
    yield builds
    builds.close()
