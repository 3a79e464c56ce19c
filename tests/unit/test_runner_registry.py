"""Runs that survive a reload (`ffviz.registry`) and a history that stays bounded (`ffviz.run_history`)."""

import pytest

from ffviz import registry, run_worker
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.run_history import RunHistory
from ffviz.runner import TrainingRun
from tests import helpers


def records(first, last, accuracy_every=None):
    return [
        {"step": step, **({"test_accuracy": 0.5} if accuracy_every and step % accuracy_every == 0 else {})}
        for step in range(first, last + 1)
    ]


def test_history_keeps_the_recent_records_whole_and_thins_the_older():
    history = RunHistory(whole=1000, thinned=200)
    for start in range(1, 30_001, 250):
        history.extend(records(start, start + 249, accuracy_every=6000))
    kept = history.records()
    steps = [record["step"] for record in kept]
    assert history.total == 30_000 and history.thinned == 30_000 - len(kept)
    assert len(kept) <= 1000 + history.spill + 200
    assert steps == sorted(steps) and steps[-1] == 30_000
    complete = history.complete_from()
    assert steps[steps.index(complete) :] == list(range(complete, 30_001)) and 30_000 - complete >= 999
    assert {6000, 12000, 18000, 24000} <= set(steps)  # Epoch accuracy records are never thinned.


def test_history_below_its_bound_is_complete():
    history = RunHistory(whole=100, thinned=10)
    history.extend(records(1, 100))
    assert [record["step"] for record in history.records()] == list(range(1, 101)) and history.thinned == 0
    with pytest.raises(ValueError, match="Received"):
        RunHistory(whole=0)


@pytest.fixture
def make_run(sample):
    x_train, y_train, x_test, y_test = sample
    runs = []

    def make(**changes):
        config = FFConfig(layer_sizes=(24, 16), epochs=50, seed=0).replace(**changes)
        run = TrainingRun(FFNetwork(config), x_train, y_train, x_test[:200], y_test[:200])
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.close()
        run.join()


def test_a_run_reports_how_many_records_it_thinned(make_run):
    run = make_run()
    run._history = RunHistory(whole=50, thinned=10)
    run.start()
    helpers.wait_until(lambda: run.status()["step"] >= 200, 180)
    run.stop()
    snapshot = run.snapshot()
    assert snapshot["history_total"] == snapshot["step"]
    assert snapshot["history_thinned"] == snapshot["history_total"] - len(snapshot["history"]) > 0


def test_registry_finds_a_run_by_id_and_forgets_it_on_discard(make_run):
    runs = registry.RunRegistry(max_runs=3, grace_seconds=60)
    run = make_run()
    run_id = runs.add(run)
    assert runs.get(run_id) is run and runs.ids() == [run_id] and runs.touch(run_id)
    assert runs.get("no-such-id") is None and not runs.touch("no-such-id")
    runs.discard(run_id)
    assert runs.get(run_id) is None and len(runs) == 0
    with pytest.raises(ValueError, match="closed"):
        run.start()


def test_registry_holds_a_bounded_number_of_runs_closing_the_least_recently_touched(make_run):
    runs = registry.RunRegistry(max_runs=2, grace_seconds=60)
    first, second, third = make_run(), make_run(), make_run()
    first_id, second_id = runs.add(first), runs.add(second)
    runs.touch(first_id)  # The second is now the least recently touched.
    third_id = runs.add(third)
    assert set(runs.ids()) == {first_id, third_id} and runs.get(second_id) is None
    assert second._closed and not first._closed


def test_a_run_nobody_watches_stops_after_the_grace_period(make_run, monkeypatch):
    """Test that a closed tab frees the CPU: untouched for the grace period, the run stops but stays listed."""
    monkeypatch.setattr(run_worker, "KEEP_ALIVE_INTERVAL", 0.1)
    runs = registry.RunRegistry(grace_seconds=1.0)
    watched, unwatched = make_run(), make_run()
    watched_id, unwatched_id = runs.add(watched), runs.add(unwatched)
    for run in (watched, unwatched):
        run.set_delay(0.05)  # Slow enough that neither finishes its epochs during the test.
        run.start()

    def unwatched_stopped():
        runs.touch(watched_id)  # The watched run's page refreshes.
        return unwatched.status()["state"] == "stopped"

    helpers.wait_until(unwatched_stopped, 180)
    assert "nobody watched" in unwatched.status()["message"]
    assert watched.status()["state"] == "running" and runs.get(unwatched_id) is unwatched
    unwatched.start()  # A reload finds it and goes on.
    assert unwatched.status()["state"] in ("running", "compiling")


def test_lanes_are_shared_per_owner():
    assert registry.lane_for("owner-1") is registry.lane_for("owner-1")
    assert registry.lane_for("owner-1") is not registry.lane_for("owner-2")
    assert registry.lane_for(None) is not registry.lane_for(None)
