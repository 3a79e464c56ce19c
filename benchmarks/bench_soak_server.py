"""Soak in a real server: Play and Reset on the Train page again and again, the server's memory sampled.

`benchmarks.bench_soak` cycles `TrainingRun`s in one Python process; this drives the whole app as
a presenter would, for issue 14: `streamlit run app.py` on a free loopback port, headless Chromium
on the Train page with a small network (64,64, the shipped sample), then cycles of Play, wait for
`--steps` steps (the page's charts redrawing meanwhile), Reset. After each cycle it reads the
server process's resident memory from /proc and prints the curve, then the growth from a baseline
to the last five cycles, the lowest of each (a leak lifts every sample; the allocator's arenas only
some). The baseline is the five cycles after `--warm-up` cycles: the server's arenas and caches grow
over its first cycles and then stay (2026-12-06: 891 MB after cycle 2, about 985 MB from cycle 15
on, flat for the 200 cycles after), while a leak grows without end.
`tests/robustness/test_robust_soak.py` runs 40 cycles and asserts the bound.

    .venv/bin/python -m benchmarks.bench_soak_server --minutes 10
    .venv/bin/python -m benchmarks.bench_soak_server --cycles 40
"""

import argparse
import os
import pathlib
import tempfile
import time

from benchmarks import bench_stage

REPO = pathlib.Path(__file__).resolve().parents[1]
SAMPLE = REPO / "assets" / "mnist_sample.npz"
TRAIN_URL = "train?layers=64,64&epochs=100"
TIMEOUT_MS = 120_000
WARM_UP_CYCLES = 15  # Cycles before the baseline; the server's memory had stopped growing by then.


def server_megabytes(pid):
    """The resident set size of process `pid` in MB (VmRSS from /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def training_threads(pid):
    """Threads of the server whose name says they train (`ffviz.registry.THREAD_NAME`, cut to 15 bytes)."""
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as comm:
                names.append(comm.read().strip())
        except OSError:
            continue  # The thread ended while we looked.
    return sum(name.startswith("ffviz-training") for name in names)


def one_cycle(page, steps):
    """Play, wait until the page shows `steps` steps, Reset, wait for the page's run to finish."""
    bench_stage.click(page, "train_play")
    page.wait_for_function(
        "(steps) => { const m = /Step\\s+([\\d,]+)/.exec(document.querySelector('.st-key-train_status')?.innerText"
        " || ''); return m && Number(m[1].replace(/,/g, '')) >= steps; }",
        arg=steps,
        timeout=TIMEOUT_MS,
        polling=100,
    )
    bench_stage.click(page, "train_reset")
    page.wait_for_function(
        "() => /no run yet/.test(document.querySelector('.st-key-train_status')?.innerText || '')",
        timeout=TIMEOUT_MS,
        polling=100,
    )


def keep_cycling(cycles_done, seconds, args):
    """Whether to run another cycle: until `--cycles` cycles if given, else for `--minutes` (3 cycles at least)."""
    if args.cycles is not None:
        return cycles_done < args.cycles
    return cycles_done < 3 or seconds < args.minutes * 60


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to cycle")
    parser.add_argument("--cycles", type=int, help="how many cycles to run (instead of --minutes)")
    parser.add_argument(
        "--warm-up", type=int, default=WARM_UP_CYCLES, help="cycles before the five that make the baseline"
    )
    parser.add_argument("--steps", type=int, default=30, help="steps per run before Reset")
    parser.add_argument("--data", type=pathlib.Path, default=SAMPLE, help="FFVIZ_DATA for the server")
    parser.add_argument("--log", type=pathlib.Path, help="the server's log file (default: one in the temp folder)")
    args = parser.parse_args()
    if args.cycles is not None and args.cycles < args.warm_up + 10:
        parser.error(f"--cycles must be at least --warm-up + 10 = {args.warm_up + 10}. Received: {args.cycles}")
    from playwright.sync_api import sync_playwright

    log_path = args.log or pathlib.Path(tempfile.gettempdir()) / f"bench_soak_server_{os.getpid()}.log"
    process, url = bench_stage.start_server(args.data, log_path)
    samples = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=bench_stage.CHROMIUM, args=bench_stage.CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport=bench_stage.VIEWPORT)
            page.goto(f"{url}/{TRAIN_URL}")
            bench_stage.wait_for_run(page)
            print(
                f"{time.strftime('%Y-%m-%d %H:%M')} | server RSS after loading the page: "
                f"{server_megabytes(process.pid):.0f} MB | {args.steps} steps per run, layers 64,64"
            )
            print("cycle  seconds  server RSS MB")
            started = time.monotonic()
            while keep_cycling(len(samples), time.monotonic() - started, args):
                one_cycle(page, args.steps)
                samples.append((len(samples) + 1, time.monotonic() - started, server_megabytes(process.pid)))
                print(f"{samples[-1][0]:5d}  {samples[-1][1]:7.1f}  {samples[-1][2]:9.1f}", flush=True)
            browser.close()
        time.sleep(2.0)  # The last run's thread ends after its reset.
        threads = training_threads(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    rss = [megabytes for _, _, megabytes in samples]
    first, last = min(rss[:5]), min(rss[-5:])
    print(
        f"{len(samples)} cycles: server RSS {first:.0f} MB over the first five, {last:.0f} MB over the last five "
        f"(lowest of each; {100 * (last - first) / first:+.1f}%); log {log_path}"
    )
    if len(rss) >= args.warm_up + 10:
        baseline = min(rss[args.warm_up : args.warm_up + 5])
        window = f"{args.warm_up + 1}-{args.warm_up + 5}"
        print(
            f"after {args.warm_up} warm-up cycles: {baseline:.0f} MB over cycles {window}, "
            f"{last:.0f} MB over the last five ({100 * (last - baseline) / baseline:+.1f}%)"
        )
    print(f"training threads left: {threads}")


if __name__ == "__main__":
    main()
