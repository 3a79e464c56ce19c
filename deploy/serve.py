"""Serve ffviz from several processes: N Streamlit processes behind nginx, with the rooms in Redis.

One machine (everything on loopback ports except nginx's, which listens where you say):

    python deploy/serve.py --processes 2 --port 8500                      # this machine only
    python deploy/serve.py --processes 4 --port 8500 --listen 0.0.0.0     # phones on the room's Wi-Fi

Several machines: run Redis and the app processes where you like (each app process with
FFVIZ_ROOM_STORE=redis://<redis host>:6379/0 and the same STREAMLIT_SERVER_COOKIE_SECRET),
then put nginx in front of them:

    python deploy/serve.py proxy --upstream 10.0.0.5:8501 --upstream 10.0.0.6:8501 --listen 0.0.0.0 --port 8500

It runs in the foreground; Ctrl-C or SIGTERM stops everything it started, newest first
(`python deploy/serve.py stop` does the same from another shell). Logs and nginx's scratch
files are in the run folder (default runs/deploy). Why nginx needs sticky sessions is in
`deploy/nginx.conf.template`. `tests/e2e/test_room_deploy.py` and `benchmarks/bench_room.py`
use the `Deployment` class directly.
"""

import argparse
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[1]
TEMPLATE = pathlib.Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_RUN_DIR = REPO / "runs" / "deploy"
START_SECONDS = 120  # The app processes import TensorFlow at start: slow on two busy cores.
STOP_SECONDS = 15  # Then a process that has not stopped is killed.
POLL_SECONDS = 0.2


def find_program(name):
    """The path of a Debian program (nginx lives in /usr/sbin, often not on a user's PATH)."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if path is None:
        raise FileNotFoundError(
            f"{name} is not installed: on Debian, `apt-get install {name}` (scripts/setup.sh does)."
        )
    return path


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


def redis_answers(port):
    """Whether a Redis server answers PING on the loopback port (spoken directly, no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop_process(process, timeout=STOP_SECONDS):
    """SIGTERM a child process, then SIGKILL it if it has not ended within `timeout` seconds."""
    process.terminate()  # Nothing happens to a process that has already ended.
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def render_nginx(upstreams, listen, run_dir, workers=1):
    """nginx.conf from the template: `upstreams` are "host:port" strings, `listen` is "address:port"."""
    servers = "\n".join(f"        server {upstream} max_fails=0;" for upstream in upstreams)
    text = TEMPLATE.read_text()
    for name, value in {
        "UPSTREAMS": servers,
        "LISTEN": listen,
        "RUN_DIR": str(run_dir),
        "WORKERS": str(workers),
    }.items():
        text = text.replace(f"@{name}@", value)
    return text


class Deployment:
    """Redis, `processes` Streamlit processes and nginx, started together and stopped together.

    Args:
        processes: how many app processes.
        port: nginx's port (0: a free one).
        listen: nginx's address; the app processes and Redis always listen on 127.0.0.1.
        run_dir: logs, pid list, nginx.conf and nginx's scratch folders.
        environment: extra variables for the app processes (FFVIZ_DATA, ...).
    """

    def __init__(self, processes=2, port=0, listen="127.0.0.1", run_dir=DEFAULT_RUN_DIR, environment=None):
        if not isinstance(processes, int) or processes < 1:
            raise ValueError(f"processes must be a positive whole number. Received: processes={processes!r}")
        self.processes = processes
        self.port = port or free_loopback_port()
        self.listen = listen
        self.run_dir = pathlib.Path(run_dir).resolve()
        self.environment = dict(environment or {})
        self.children = []  # (name, Popen), in start order.
        self.redis_address = None
        self.app_urls = []

    @property
    def url(self):
        host = "127.0.0.1" if self.listen in ("0.0.0.0", "::") else self.listen
        return f"http://{host}:{self.port}"

    def app_pids(self):
        """Process id of each app process, in the order of `app_urls`."""
        return [process.pid for name, process in self.children if name.startswith("app")]

    def _spawn(self, name, command, environment=None):
        log = open(self.run_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child writes it until it stops.
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **(environment or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches only this script, which stops the children in order.
        )
        log.close()
        self.children.append((name, process))
        (self.run_dir / "pids").write_text("".join(f"{child} {proc.pid}\n" for child, proc in self.children))
        return process

    def _wait(self, what, ready):
        deadline = time.monotonic() + START_SECONDS
        while not ready():
            for name, process in self.children:
                if process.poll() is not None:
                    log = (self.run_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(
                        f"{name} exited with status {process.returncode} while waiting for {what}:\n{log}"
                    )
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} not ready after {START_SECONDS} s; logs in {self.run_dir}")
            time.sleep(POLL_SECONDS)

    def start(self):
        """Start Redis, the app processes and nginx; return when nginx answers through to an app."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            redis_port = free_loopback_port()
            self._spawn(
                "redis",
                [find_program("redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
                + ["--appendonly", "no"],
            )
            self._wait("redis-server", lambda: redis_answers(redis_port))
            self.redis_address = f"redis://127.0.0.1:{redis_port}/0"
            # One cookie secret for all processes: a request that lands on another process (after
            # one restarts) still passes Streamlit's XSRF check.
            environment = {
                **self.environment,
                "FFVIZ_ROOM_STORE": self.redis_address,
                "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
            }
            ports = [free_loopback_port() for _ in range(self.processes)]
            for index, port in enumerate(ports):
                self._spawn(f"app{index + 1}", streamlit_command(port), environment)
            self.app_urls = [f"http://127.0.0.1:{port}" for port in ports]
            for url in self.app_urls:
                self._wait(url, lambda url=url: http_ok(f"{url}/_stcore/health"))
            self._start_nginx([f"127.0.0.1:{port}" for port in ports])
        except BaseException:
            self.stop()
            raise
        return self

    def _start_nginx(self, upstreams):
        config = self.run_dir / "nginx.conf"
        config.write_text(render_nginx(upstreams, f"{self.listen}:{self.port}", self.run_dir))
        error_log = str(self.run_dir / "nginx-error.log")
        command = [find_program("nginx"), "-p", str(self.run_dir), "-e", error_log, "-c", str(config)]
        self._spawn("nginx", command + ["-g", "daemon off;"])
        self._wait("nginx", lambda: http_ok(f"{self.url}/_stcore/health"))

    def stop(self):
        """Stop every child, newest first: SIGTERM, then SIGKILL after STOP_SECONDS."""
        for _name, process in reversed(self.children):
            stop_process(process)
        self.children = []
        (self.run_dir / "pids").unlink(missing_ok=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exception):
        self.stop()


def streamlit_command(port, address="127.0.0.1"):
    """One app process: `streamlit run app.py` on `address:port`, headless, without a file watcher."""
    options = {
        "server.headless": "true",
        "server.address": address,
        "server.port": str(port),
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
    }
    return [sys.executable, "-m", "streamlit", "run", "app.py"] + [
        part for name, value in options.items() for part in (f"--{name}", value)
    ]


def stop_listed(run_dir):
    """Stop the processes that a `serve.py` in the background listed in `run_dir/pids`."""
    listing = pathlib.Path(run_dir) / "pids"
    if not listing.exists():
        print(f"serve: nothing to stop ({listing} does not exist)")
        return
    for line in reversed(listing.read_text().splitlines()):
        name, pid = line.split()
        try:
            os.kill(int(pid), signal.SIGTERM)
            print(f"serve: stopped {name} (pid {pid})")
        except ProcessLookupError:
            print(f"serve: {name} (pid {pid}) had already stopped")
    listing.unlink()


def wait_for_signal():
    """Block until Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="all", choices=("all", "proxy", "stop"))
    parser.add_argument("--processes", type=int, default=2, help="app processes (mode all)")
    parser.add_argument("--port", type=int, default=8500, help="nginx's port")
    parser.add_argument("--listen", default="127.0.0.1", help="nginx's address; 0.0.0.0 for phones on the network")
    parser.add_argument("--upstream", action="append", default=[], help="host:port of an app process (mode proxy)")
    parser.add_argument("--run-dir", default=str(DEFAULT_RUN_DIR))
    arguments = parser.parse_args(argv)
    if arguments.mode == "stop":
        stop_listed(arguments.run_dir)
        return
    if arguments.mode == "proxy":
        if not arguments.upstream:
            parser.error("proxy needs at least one --upstream host:port")
        run_dir = pathlib.Path(arguments.run_dir).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
        config = run_dir / "nginx.conf"
        config.write_text(render_nginx(arguments.upstream, f"{arguments.listen}:{arguments.port}", run_dir, "auto"))
        nginx = find_program("nginx")
        os.execv(nginx, [nginx, "-p", str(run_dir), "-e", "stderr", "-c", str(config), "-g", "daemon off;"])
    with Deployment(arguments.processes, arguments.port, arguments.listen, arguments.run_dir) as deployment:
        print(
            f"serve: {deployment.processes} app processes behind {deployment.url} (rooms in {deployment.redis_address})"
        )
        print(f"serve: presenter at {deployment.url}/present; logs in {deployment.run_dir}; Ctrl-C stops")
        wait_for_signal()
    print("serve: stopped")


if __name__ == "__main__":
    main()
