"""A throw-away `redis-server` for the room tests: a free loopback port, no disk, stopped by the test.

Used by the store tests (`tests/unit/test_rooms_store.py`), the page tests that put drawings
into a room from outside the app, and the deploy test. Where Debian's `redis-server` is not
installed the caller skips with `MISSING`; `.ci/run` installs it, so CI runs them all.
"""

import contextlib
import shutil
import subprocess

import pytest

from deploy.serve import redis_answers, stop_process
from tests.helpers import free_loopback_port, wait_until

REDIS_SERVER = shutil.which("redis-server")
MISSING = "redis-server is not installed (Debian package redis-server; .ci/run and scripts/setup.sh install it)"
START_SECONDS = 20


@contextlib.contextmanager
def running_redis():
    """Start redis-server on a free loopback port and yield its address ("redis://127.0.0.1:<port>/0")."""
    if REDIS_SERVER is None:
        raise RuntimeError(MISSING)
    port = free_loopback_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:

        def up():
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with status {process.returncode}")
            return redis_answers(port)

        wait_until(up, START_SECONDS, interval=0.05, message="redis-server answering PING")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process, timeout=10)


@pytest.fixture(scope="module")
def redis_address():
    """A fresh redis-server on a free loopback port for the test module, stopped at its end; skips without one.

    A fixture for every test folder: the root `conftest.py` loads this module as a pytest plugin.
    """
    if REDIS_SERVER is None:
        pytest.skip(MISSING)
    with running_redis() as address:
        yield address
