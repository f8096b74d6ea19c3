"""One run at a time per warehouse: the lock, its waits, and a killed holder's lock."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from warehouse import LockHolder, WarehouseBusy, connect, warehouse_lock
from warehouse.schema import metadata

HOLD = """
import sys, time
from warehouse import connect, warehouse_lock
engine = connect(sys.argv[1])
with warehouse_lock(engine, "run-that-dies", wait_seconds=0):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[sa.Engine]:
    engine = connect(warehouse_url)
    yield engine
    engine.dispose()


def test_a_second_run_is_refused_with_the_name_of_the_run_holding_it(
    engine: sa.Engine, warehouse_url: str
) -> None:
    other = connect(warehouse_url)
    with warehouse_lock(engine, "first-run", wait_seconds=0):
        taken = threading.Event()

        def second() -> None:
            try:
                with warehouse_lock(other, "second-run", wait_seconds=0):
                    taken.set()
            except WarehouseBusy as exc:
                errors.append(str(exc))

        errors: list[str] = []
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=30)
    other.dispose()
    assert not taken.is_set()
    assert len(errors) == 1
    assert "run first-run (started " in errors[0]
    assert f"on {socket.gethostname()}, process {os.getpid()})" in errors[0]
    assert "warehouse.lock_wait_seconds" in errors[0]


def test_a_second_run_waits_for_the_first_and_says_whom_it_waits_for(
    engine: sa.Engine, warehouse_url: str
) -> None:
    other = connect(warehouse_url)
    waited_for: list[LockHolder | None] = []
    order: list[str] = []

    def second() -> None:
        with warehouse_lock(other, "second-run", wait_seconds=30, on_wait=waited_for.append):
            order.append("second holds it")

    with warehouse_lock(engine, "first-run", wait_seconds=0):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(1.0)
        order.append("first lets go")
    thread.join(timeout=30)
    other.dispose()

    assert order == ["first lets go", "second holds it"]
    assert [holder.run_id if holder else None for holder in waited_for] == ["first-run"]


def test_a_run_holding_the_lock_takes_it_again_in_its_own_steps(engine: sa.Engine) -> None:
    with (
        warehouse_lock(engine, "run", wait_seconds=0),
        warehouse_lock(engine, "run's step", wait_seconds=0),
    ):
        pass
    with warehouse_lock(engine, "next run", wait_seconds=0):
        pass


def test_the_lock_of_a_killed_run_is_taken_over(
    engine: sa.Engine, warehouse_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, warehouse_url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(WarehouseBusy, match="run run-that-dies"),
            warehouse_lock(engine, "blocked", wait_seconds=0),
        ):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        with caplog.at_level(logging.WARNING), warehouse_lock(engine, "next", wait_seconds=10):
            pass
    finally:
        holder.kill()
    assert "took over the warehouse's lock from run run-that-dies" in caplog.text


CONNECT = """
import sys
from warehouse import connect
connect(sys.argv[1]).dispose()
"""


@pytest.mark.slow
def test_processes_that_reach_a_new_warehouse_at_once_never_see_its_schema_half_made(
    warehouse_url: str,
) -> None:
    for _ in range(3):
        reaching = [
            subprocess.Popen(
                [sys.executable, "-c", CONNECT, warehouse_url],
                stderr=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).parents[2],
            )
            for _ in range(4)
        ]
        errors = [process.communicate(timeout=120)[1] for process in reaching]
        assert [process.returncode for process in reaching] == [0] * 4, errors
        # Empty again, for the next round.
        engine = sa.create_engine(warehouse_url)
        with engine.begin() as connection:
            metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE alembic_version"))
        engine.dispose()
