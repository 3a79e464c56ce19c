"""A room under load: K phones drawing and sending while the presenter's wall is open.

    .venv/bin/python -m benchmarks.bench_room                               # 30 phones, 2 minutes
    .venv/bin/python -m benchmarks.bench_room --audience 10 --seconds 30    # a quick look

It starts `deploy/serve.py`'s set-up on loopback ports (Redis, `--processes` app processes,
nginx in front), opens the Present page in headless Chromium and opens a room, warms each app
process with one phone (TensorFlow, the data and the model load on a process's first page),
then opens K phone-sized browser contexts, `--stagger` seconds apart. Once every phone has its
page, the drawing time starts: each phone draws a digit with the mouse, sends it, waits for its
number ("Sent as #N") and draws again every `--interval` seconds (the first time at a random
moment of the first interval) until the time is up. The wall records, in the browser, when its
"Latest drawing: #N" line changes.

The phones stand in for the audience's own devices, so they run in a Chromium of their own at
the lowest CPU priority (`--phone-nice 19`; 0 puts them level with the servers): in a room their
page loads and drawing do not take CPU from the servers or the presenter's wall. They still
share the two cores, so the time from the click to the phone's message (the first half of the
latency) includes their wait for a core.

It prints:

- drawings sent (Send clicks), confirmed (the phone got a number), in the store, and shown on
  the wall, and how many were lost (confirmed but never reached the wall);
- send-to-wall latency p50/p95/max: from the Send click to the wall showing that number;
- server RSS of each app process before the phones and at the end, and per phone session;
- CPU of each server process (app, nginx, Redis) and of the whole machine during the run,
  which includes Chromium's: the phones run on the same two cores as the servers.
"""

import argparse
import asyncio
import math
import os
import pathlib
import random
import re
import time

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from deploy.serve import Deployment
from ffviz.room_store_redis import RedisRoomStore

REPO = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 390, "height": 844}
WALL = {"width": 1400, "height": 1000}
TIMEOUT_MS = 60_000
JOIN_TIMEOUT_MS = 180_000  # Opening the page: the phones' Chromium shares the two cores with the servers.
WARM_UP_PHONES = 12  # At most; each lands on a random process.
SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
SENT = re.compile(r"Sent as #(\d+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Strokes as fractions of the canvas: a "1", a "7" and a "0" (a 16-sided loop).
SHAPES = [
    [(0.5, 0.15), (0.5, 0.85)],
    [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)],
    [
        (0.5 + 0.22 * math.sin(2 * math.pi * step / 16), 0.5 - 0.33 * math.cos(2 * math.pi * step / 16))
        for step in range(17)
    ],
]
# In the wall's page: remember when "Latest drawing: #N" first shows each new N (ms since the epoch).
WALL_WATCH = """() => {
  window.wallSeen = [];
  const read = () => {
    const box = document.querySelector('.st-key-present_latest');
    const match = box && box.innerText.match(/Latest drawing: #(\\d+)/);
    const last = window.wallSeen.length ? window.wallSeen[window.wallSeen.length - 1][0] : 0;
    if (match && Number(match[1]) > last) window.wallSeen.push([Number(match[1]), Date.now()]);
  };
  new MutationObserver(read).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime.


def machine_busy():
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = [int(value) for value in pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


async def wait_for_run(page):
    await page.wait_for_timeout(250)  # Streamlit starts a rerun up to ~200 ms after an event.
    await page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")


async def draw(page, canvas, points):
    box = await canvas.bounding_box()
    jitter = random.uniform(-0.05, 0.05)

    def absolute(point):
        return box["x"] + (point[0] + jitter) * box["width"], box["y"] + (point[1] + jitter) * box["height"]

    await page.mouse.move(*absolute(points[0]))
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*absolute(point), steps=2)
    await page.mouse.up()


class DrawingTime:
    """When the phones draw: they wait for `start` (every phone has opened its page), then draw until `deadline`."""

    def __init__(self):
        self.start = asyncio.Event()
        self.deadline = None

    def begin(self, seconds):
        self.deadline = time.time() + seconds
        self.start.set()


async def phone(browser, url, code, drawing_time, interval, results):
    """One audience member: join, wait for the drawing time, then draw and send every `interval` s (+-30%)."""
    context = await browser.new_context(viewport=PHONE, is_mobile=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = await context.new_page()
        canvas_box = page.locator(".st-key-join_canvas_box")
        try:
            await page.goto(f"{url}/join?room={code}", timeout=JOIN_TIMEOUT_MS)
            await canvas_box.wait_for(timeout=JOIN_TIMEOUT_MS)
        except PlaywrightError as error:  # A phone that never got the page is counted, not retried.
            results["join_failures"].append(f"{type(error).__name__}: {str(error)[:120]}")
            return
        results["joined"] += 1
        await drawing_time.start.wait()
        # The first drawing at a random moment of the first interval: a room does not send in unison.
        await asyncio.sleep(random.uniform(0.0, interval))
        last_number = 0
        while True:  # At least one drawing, then until the deadline.
            next_send = time.time() + interval * random.uniform(0.7, 1.3)
            try:
                await draw(page, canvas_box.locator("canvas.ffviz-digit-canvas").first, random.choice(SHAPES))
                await wait_for_run(page)
                clicked = time.time()
                results["clicks"] += 1
                await page.locator(".st-key-join_send button").click()
                result = page.locator(".st-key-join_result")
                await result.filter(has_text=re.compile(rf"Sent as #(?!{last_number}\b)\d+")).wait_for()
                last_number = int(SENT.search(await result.inner_text()).group(1))
                results["sent"][last_number] = clicked
            except PlaywrightError as error:  # A send that timed out is counted, and the phone goes on.
                results["failures"].append(f"{type(error).__name__}: {str(error)[:120]}")
            if next_send >= drawing_time.deadline:
                break
            await asyncio.sleep(max(0.0, next_send - time.time()))
    finally:
        await context.close()


def phone_chromium(run_dir, nice):
    """A Chromium for the phones that runs at `nice` (0: the servers' own priority).

    The phones stand in for the audience's own devices: in a room their drawing and page
    rendering do not take CPU from the servers or from the presenter's wall, so here they
    run at a lower priority than both (a wrapper script, since Playwright starts the browser).
    """
    if nice == 0:
        return CHROMIUM
    wrapper = pathlib.Path(run_dir) / "phone-chromium"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(nice)} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


async def run(arguments):
    environment = {"FFVIZ_DATA": arguments.data} if arguments.data else {}
    run_dir = REPO / "runs" / "bench_room"
    with Deployment(arguments.processes, run_dir=run_dir, environment=environment) as deployment:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            phones_browser = await playwright.chromium.launch(
                executable_path=phone_chromium(run_dir, arguments.phone_nice), args=CHROMIUM_ARGS, headless=True
            )
            wall_context = await browser.new_context(viewport=WALL)
            wall_context.set_default_timeout(TIMEOUT_MS)
            wall = await wall_context.new_page()
            await wall.goto(f"{deployment.url}/present")
            await wall.locator(".st-key-present_open button").click()
            heading = wall.locator(".st-key-present_join")
            await heading.wait_for()
            code = re.search(r"Room code: (\w+)", await heading.inner_text()).group(1)
            await wall.evaluate(WALL_WATCH)

            # Warm-up: phones that send once, until every app process has classified a drawing
            # (TensorFlow, the data and the model load on a process's first page).
            warm = {"clicks": 0, "sent": {}, "failures": [], "joined": 0, "join_failures": []}
            store = RedisRoomStore(deployment.redis_address)
            for _ in range(WARM_UP_PHONES):
                if len({drawing.server for drawing in store.drawings(code)}) == arguments.processes:
                    break
                right_away = DrawingTime()
                right_away.begin(0.0)
                await phone(phones_browser, deployment.url, code, right_away, 0.0, warm)
            pids = deployment.app_pids()
            rss_before = [rss_mb(pid) for pid in pids]
            servers = {name: process.pid for name, process in deployment.children}

            # The phones open their pages first (arriving `--stagger` s apart, as in a hall); the
            # measured drawing time starts when all have. Opening a Streamlit page costs a headless
            # Chromium on this machine more CPU than anything a phone does later, CPU that the
            # audience's own phones spend in a real room.
            results = {"clicks": 0, "sent": {}, "failures": [], "joined": 0, "join_failures": []}
            drawing_time = DrawingTime()
            phones = []
            joining_started = time.time()
            for _ in range(arguments.audience):
                phones.append(
                    asyncio.create_task(
                        phone(phones_browser, deployment.url, code, drawing_time, arguments.interval, results)
                    )
                )
                await asyncio.sleep(arguments.stagger)
            while results["joined"] + len(results["join_failures"]) < arguments.audience:
                await asyncio.sleep(0.2)
            joining_seconds = time.time() - joining_started
            cpu_before = {name: cpu_seconds(pid) for name, pid in servers.items()}
            busy_before, total_before = machine_busy()
            started = time.time()
            drawing_time.begin(arguments.seconds)
            await asyncio.sleep(max(0.0, drawing_time.deadline - time.time()))
            rss_during = [rss_mb(pid) for pid in pids]  # While every phone's session is open.
            await asyncio.gather(*phones)
            elapsed = time.time() - started
            busy_after, total_after = machine_busy()
            cpu_after = {name: cpu_seconds(pid) for name, pid in servers.items()}
            await wall.wait_for_timeout(3000)  # The wall's last refreshes.
            seen = await wall.evaluate("window.wallSeen")
            await wall.set_viewport_size({"width": WALL["width"], "height": 2400})  # The whole wall in one picture.
            await wall.screenshot(path=run_dir / "wall.png")
            await phones_browser.close()
            await browser.close()
        info = store.room_info(code)
        by_process = {}
        stored_at = {drawing.number: drawing.sent_at for drawing in store.drawings(code)}
        for drawing in store.drawings(code):
            by_process[drawing.server] = by_process.get(drawing.server, 0) + 1
    report(arguments, results, warm, seen, info, rss_before, rss_during, cpu_before, cpu_after, elapsed, stored_at)
    print(f"opening the pages took {joining_seconds:.0f} s (before the drawing time)")
    print(
        f"machine CPU busy during the run: {100 * (busy_after - busy_before) / (total_after - total_before):.0f}% "
        f"of {os.cpu_count()} cores (servers and Chromium); kept drawings per process: {by_process}"
    )


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(arguments, results, warm, seen, info, rss_before, rss_during, cpu_before, cpu_after, elapsed, stored_at):
    latencies = []
    lost = []
    # The two halves: click -> classified and stored (the phone's rerun), stored -> on the wall.
    to_store = [stored_at[number] - clicked for number, clicked in results["sent"].items() if number in stored_at]
    for number, clicked in sorted(results["sent"].items()):
        shown = next((at / 1000 for latest, at in seen if latest >= number), None)
        if shown is None:
            lost.append(number)
        else:
            latencies.append(shown - clicked)
    to_wall = [
        next(at / 1000 for latest, at in seen if latest >= number) - stored_at[number]
        for number in results["sent"]
        if number in stored_at and any(latest >= number for latest, _ in seen)
    ]
    wall_latest = seen[-1][0] if seen else 0
    print(
        f"\nroom load: {arguments.audience} phones, {arguments.processes} app processes behind nginx, Redis; "
        f"{elapsed:.0f} s, a drawing every {arguments.interval:g} s per phone; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"sent (Send clicks): {results['clicks']}   confirmed on the phone: {len(results['sent'])}   "
        f"in the store (with warm-up): {info.received}   wall's latest: #{wall_latest}   "
        f"lost (confirmed, never on the wall): {len(lost)}   phone-side failures: {len(results['failures'])}"
    )
    print(
        f"send-to-wall latency: p50 {percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
        f"max {max(latencies, default=float('nan')):.2f} s over {len(latencies)} drawings"
    )
    print(
        f"  of which click -> stored: p50 {percentile(to_store, 0.5):.2f} s, p95 {percentile(to_store, 0.95):.2f} s; "
        f"stored -> on the wall: p50 {percentile(to_wall, 0.5):.2f} s, p95 {percentile(to_wall, 0.95):.2f} s"
    )
    sessions = max(1, results["joined"])
    print(
        f"phones joined: {results['joined']} of {arguments.audience} (failed to open the page: "
        f"{len(results['join_failures'])})"
    )
    growth = sum(rss_during) - sum(rss_before)
    print(
        "RSS per app process before the phones / with all phones: "
        + ", ".join(f"{before:.0f} / {during:.0f} MB" for before, during in zip(rss_before, rss_during))
        + f"; per phone session: {growth / sessions:.1f} MB"
    )
    cpu = {name: 100 * (cpu_after[name] - cpu_before[name]) / elapsed for name in cpu_before}
    print("CPU (% of one core): " + ", ".join(f"{name} {share:.0f}%" for name, share in cpu.items()))
    for failure in results["join_failures"][:3] + results["failures"][:5]:
        print(f"  failure: {failure}")
    if warm["failures"]:
        print(f"  warm-up failures: {len(warm['failures'])}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_room", description=__doc__.split("\n\n")[0])
    parser.add_argument("--audience", type=int, default=30, help="phones (browser contexts)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the phones draw")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between one phone's drawings")
    parser.add_argument("--processes", type=int, default=2, help="app processes behind nginx")
    parser.add_argument(
        "--phone-nice",
        type=int,
        default=19,
        help="CPU niceness of the phones' Chromium (0: the same priority as the servers and the wall)",
    )
    parser.add_argument("--stagger", type=float, default=1.0, help="seconds between two phones' arrivals")
    default_data = os.environ.get("FFVIZ_DATA") or (str(SHARED_MNIST) if SHARED_MNIST.exists() else None)
    parser.add_argument("--data", default=default_data, help="FFVIZ_DATA for the app processes (default: full MNIST)")
    arguments = parser.parse_args(argv)
    asyncio.run(run(arguments))


if __name__ == "__main__":
    main()
