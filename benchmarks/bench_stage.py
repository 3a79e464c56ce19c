"""The live stage at the engine's speed: the app in a real browser against the command line's loop.

Issue 12 asks the Train page to train at >= 90% of the command line's steps per second with the
page open and its charts live, the first step within 2 s of Start (once the shape is compiled),
and the Goodness page to draw its bars within 250 ms (p50) / 500 ms (p95) of the mouse-up. This
runs `streamlit run app.py` on a free loopback port with the full MNIST (`FFVIZ_DATA`), drives it
with headless Chromium (Playwright, /usr/bin/chromium) and prints, in one run:

- CLI steps/s: `Trainer.run()` as `python -m ffviz train` drives it, in this process, after warm-up,
  measured before and after the app (the mean of the two);
- in-app steps/s: the step count shown on the Train page (default preset) over wall time, with
  the page open and its charts refreshing, after the first step; and the ratio of the two;
- Start to first step: the click on Play until the page shows step >= 1, for a network shape new
  to the server (it compiles) and again after Reset (the compiled steps are reused);
- mouse-up to bars: from releasing the mouse after a stroke on the canvas until the bar chart
  shows the new goodness, p50 and p95 over `--drawings` strokes after a first one (not counted).

    .venv/bin/python -m benchmarks.bench_stage --data ../shared/data/mnist.npz --seconds 30
"""

import argparse
import os
import pathlib
import re
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np

from benchmarks.bench_runner import FULL_MNIST, cli_loop_rate, load_arrays

REPO = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 720}
TIMEOUT_MS = 180_000  # A first compile on a loaded machine.
# Both runs plan this many epochs, so neither ends inside its timed window on a fast machine
# (10 epochs took 20 s on 2026-12-05); the number of epochs changes no step's work.
EPOCHS = 100
BARS = ".st-key-goodness_chart .barlayer .trace path"
# The bars' outlines as one string: it changes when a new reading is drawn.
BARS_SIGNATURE = f"() => [...document.querySelectorAll('{BARS}')].map((bar) => bar.getAttribute('d')).join('|')"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data, log_path):
    """`streamlit run app.py` on a free port; returns (process, url) once its health check answers."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    environment = dict(os.environ, FFVIZ_DATA=str(data))
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"the server did not start; see {log_path}")


def wait_for_run(page):
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=TIMEOUT_MS
    )


def shown_step(page):
    text = page.locator(".st-key-train_status").inner_text()
    match = re.search(r"Step\s+([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else 0


def click(page, key):
    page.locator(f".st-key-{key} button:visible").click()


def start_to_first_step(page):
    """Seconds from the click on Play until the page shows step 1 or later."""
    started = time.perf_counter()
    click(page, "train_play")
    page.wait_for_function(
        "() => /Step\\s+[1-9]/.test(document.querySelector('.st-key-train_status')?.innerText || '')",
        timeout=TIMEOUT_MS,
        polling=50,
    )
    return time.perf_counter() - started


def in_app_rate(page, seconds):
    """Steps per wall second shown on the Train page, and the page's own figure, over `seconds`."""
    first, started = shown_step(page), time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    last, ended = shown_step(page), time.perf_counter()
    shown = page.locator(".st-key-train_status").inner_text()
    return (last - first) / (ended - started), shown


def drawing_latencies(page, drawings):
    """Mouse-up to finished bars for `drawings` + 1 strokes; the first (it may trace the graph) is dropped."""
    canvas = page.get_by_test_id("stMain").locator("canvas.ffviz-digit-canvas").first
    canvas.wait_for(timeout=TIMEOUT_MS)
    box = canvas.bounding_box()
    rng = np.random.default_rng(0)
    latencies = []
    for index in range(drawings + 1):
        before = page.evaluate(BARS_SIGNATURE)
        x = box["x"] + box["width"] * rng.uniform(0.2, 0.8)
        top, bottom = box["y"] + box["height"] * rng.uniform(0.1, 0.4), box["y"] + box["height"] * rng.uniform(0.6, 0.9)
        page.mouse.move(x, top)
        page.mouse.down()
        page.mouse.move(x + rng.uniform(-30, 30), bottom, steps=4)
        started = time.perf_counter()
        page.mouse.up()
        page.wait_for_function(
            f"(before) => {{ const now = ({BARS_SIGNATURE})(); return now !== '' && now !== before; }}",
            arg=before,
            timeout=TIMEOUT_MS,
            polling="raf",
        )
        if index > 0:
            latencies.append(time.perf_counter() - started)
        wait_for_run(page)
    return np.array(latencies)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=pathlib.Path, default=FULL_MNIST)
    parser.add_argument("--seconds", type=float, default=30.0, help="timed seconds of each rate")
    parser.add_argument("--drawings", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from ffviz.config import FFConfig
    from ffviz.system import device_description

    config = FFConfig(epochs=EPOCHS)  # The default preset, as the Train page opened with ?epochs=EPOCHS.
    arrays = load_arrays(args.data)
    print(f"{time.strftime('%Y-%m-%d %H:%M')} | {device_description()} | {os.cpu_count()} CPUs | data {args.data.name}")
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    cli_before = cli_loop_rate(config, arrays, args.seconds)
    log_path = pathlib.Path("/tmp") / f"bench_stage_{os.getpid()}.log"
    process, url = start_server(args.data, log_path)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{url}/train?epochs={EPOCHS}")
            wait_for_run(page)
            compile_first = start_to_first_step(page)
            app_rate, status = in_app_rate(page, args.seconds)
            click(page, "train_reset")
            wait_for_run(page)
            warm_first = start_to_first_step(page)
            click(page, "train_reset")
            wait_for_run(page)
            page.goto(url)
            wait_for_run(page)
            latencies = drawing_latencies(page, args.drawings)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    cli_after = cli_loop_rate(config, arrays, args.seconds)
    cli = (cli_before + cli_after) / 2
    print(f"CLI steps/s:                     {cli:.1f} (before {cli_before:.1f}, after {cli_after:.1f})")
    print(f"in-app steps/s, Train page open: {app_rate:.1f}")
    print(f"ratio in-app / CLI:              {100 * app_rate / cli:.0f}%")
    print(f"page's own status:               {' | '.join(status.split(chr(10)))}")
    print(
        f"Start to first step:             {compile_first:.2f} s (new shape, compiles); "
        f"{warm_first:.2f} s (after Reset)"
    )
    p50, p95 = np.percentile(latencies, [50, 95])
    print(f"mouse-up to bars ({len(latencies)} drawings):  p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}; server log {log_path}")


if __name__ == "__main__":
    main()
