"""Fixtures for the browser tests: one Streamlit server, Debian's Chromium, a page per test.

The server runs the real `app.py` from the repository root on a free loopback port,
with its output in a log file. Every test fails if the server wrote a traceback
while it ran, and the session fails if one appears later.
"""

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from deploy.serve import stop_process
from tests.e2e.helpers import SCREENSHOTS
from tests.helpers import free_loopback_port, wait_until

# Debian's chromium: Playwright's own browser download is not reachable here.
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags, Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_SECONDS = 60
# The app trains and predicts with TensorFlow on two shared CPU cores: give
# `expect()` more than its 5 s default.
EXPECT_TIMEOUT_MS = 20_000


def pytest_collection_modifyitems(items):
    """Mark every test in this folder `e2e`, so `-m "not e2e"` leaves them out."""
    folder = Path(__file__).resolve().parent
    for item in items:
        if folder in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so `page` can tell that a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def server_is_healthy(url):
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


class AppServer:
    """A running `streamlit run app.py`: its URL and its log."""

    def __init__(self, url, log_path):
        self.url = url
        self.log_path = log_path

    def log(self):
        return self.log_path.read_text(errors="replace")

    def __repr__(self):
        return f"AppServer({self.url}, log={self.log_path})"


@pytest.fixture(scope="session")
def app_server(pytestconfig, tmp_path_factory):
    """Start the app once for all browser tests; stop it at the end."""
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=pytestconfig.rootpath, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = AppServer(url, log_path)
    server.pid = process.pid  # For tests that watch the server's own threads and CPU time.

    def healthy_or_exited():
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with status {process.returncode}:\n{server.log()}")
        return server_is_healthy(url)

    try:
        try:
            wait_until(healthy_or_exited, SERVER_START_SECONDS, interval=0.5, message="the server's health check")
        except AssertionError as error:
            pytest.fail(f"streamlit was not healthy: {error}\n{server.log()}")
        yield server
        # Read the log before stopping the server: what it prints while shutting down
        # (Streamlit closing websockets, TensorFlow threads ending) is not the app's doing.
        log = server.log()
    finally:
        stop_process(process, timeout=10)
    assert "Traceback" not in log, f"the server log has a traceback:\n{log}"


@pytest.fixture(autouse=True)
def no_traceback_in_server_log(request):
    """Fail the test whose run left a traceback in the server log."""
    if "app_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("app_server")
    start = len(server.log())
    yield
    written = server.log()[start:]
    assert "Traceback" not in written, f"the server wrote a traceback during this test:\n{written}"


@pytest.fixture(scope="session")
def browser():
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    # Screenshots of failures from an earlier session would be mistaken for this one's.
    for old_failure in SCREENSHOTS.glob("failed_*.png"):
        old_failure.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test: its own Streamlit session. A failed test leaves a screenshot."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"failed_{request.node.name}.png", full_page=True)
    context.close()
