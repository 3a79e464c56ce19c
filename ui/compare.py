"""The FF vs backprop page's callbacks: two `ffviz.runner.TrainingRun`s on the same data and time budget.

Both runs train the same hidden layers in their own threads at the same time, so they share
the CPU as fairly as the operating system does. Both compile first, and both clocks start
together once both are compiled (`ffviz.runner.start_together`), so neither budget pays for
compiling. Each stops when its wall-clock time passes the budget: the page checks at every
refresh, and the keep-alive callback checks as well, so a run also stops on time while the
user is on another page.
"""

import streamlit as st

from ffviz.config import RACE_EPOCHS, FFConfig, parse_layer_sizes
from ffviz.runner import COMPILING, RUNNING, TrainingRun, start_together
from ui import session

RUNS = "compare_runs"  # dict: {"FF": run, "Backprop": run, "budget": seconds} or None.
PROBLEM = "compare_problem"  # A message for st.error, or None.
EVAL_EVERY = 50  # Steps between quick accuracy checks on 1,000 test images.


def runs():
    return st.session_state.get(RUNS)


def within_budget(run, budget, session_alive):
    """A keep-alive callable: the browser tab is open and the run has time left."""

    def keep_alive():
        if session_alive is not None and not session_alive():
            return False
        return run.snapshot()["elapsed"] < budget

    return keep_alive


def _with_keep_alive(run, budget, session_alive):
    run.keep_alive = within_budget(run, budget, session_alive)
    return run


def start():
    """Build and start one FF run and one backprop run of the same layers."""
    from ffviz.backprop import BackpropTrainer
    from ffviz.network import FFNetwork

    stop()
    st.session_state[PROBLEM] = None
    try:
        layer_sizes = parse_layer_sizes(st.session_state["compare_layers"])
        config = FFConfig().replace(layer_sizes=layer_sizes, epochs=RACE_EPOCHS)
    except ValueError as error:
        st.session_state[PROBLEM] = str(error)
        st.session_state[RUNS] = None
        return
    budget = float(st.session_state["compare_budget"])
    data = session.load_data()
    arrays = (data.x_train, data.y_train, data.x_test, data.y_test)
    session_alive = session.session_keep_alive()
    ff = TrainingRun(FFNetwork(config), *arrays, eval_every=EVAL_EVERY)
    backprop = TrainingRun(None, *arrays, trainer=BackpropTrainer(config, *arrays), eval_every=EVAL_EVERY)
    started = {
        "FF": _with_keep_alive(ff, budget, session_alive),
        "Backprop": _with_keep_alive(backprop, budget, session_alive),
    }
    st.session_state[RUNS] = {**started, "budget": budget, "dataset": data.name}
    start_together([ff, backprop])


def stop():
    current = runs()
    if current is not None:
        for method in ("FF", "Backprop"):
            current[method].stop(wait=False)


def enforce_budget():
    """Stop each run whose time is up; the keep-alive check may be up to two seconds late."""
    current = runs()
    if current is None:
        return
    for method in ("FF", "Backprop"):
        run = current[method]
        if run.state == RUNNING and run.snapshot()["elapsed"] >= current["budget"]:
            run.stop(wait=False)


def running():
    """Whether either run still compiles or trains."""
    current = runs()
    return current is not None and any(current[method].state in (COMPILING, RUNNING) for method in ("FF", "Backprop"))


def summary(run, budget):
    """One line about a run: steps, seconds and its latest test accuracy."""
    snapshot = run.snapshot()
    accuracies = [record.get("test_accuracy", record.get("quick_accuracy")) for record in snapshot["history"]]
    accuracies = [value for value in accuracies if value is not None]
    accuracy = f", test accuracy {100 * accuracies[-1]:.1f}%" if accuracies else ""
    ended = " (time budget used)" if snapshot["elapsed"] >= budget else ""
    return f"{snapshot['step']} steps in {snapshot['elapsed']:.0f} s · {snapshot['state']}{ended}{accuracy}", snapshot
