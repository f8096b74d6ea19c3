"""Shared fixtures: database servers for tests that need a real one.

A server-backed test skips with the reason when its server is unreachable, unless
HUB_REQUIRE_SERVICES is set (as CI does), where an unreachable server fails it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

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


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The same warehouse test on embedded SQLite and on the local PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return str(request.getfixturevalue("postgresql_url"))
