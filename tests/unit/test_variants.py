"""`ffviz.variants`: compiling before the clock, same-seed reruns that repeat every loss, and the winner's sentence."""

import numpy as np
import pytest

from ffviz import variants
from ffviz.config import FFConfig
from ffviz.network import FFNetwork
from ffviz.train import Trainer
from tests.helpers import wait_until

STEPS = 15


def losses(trainer, steps=STEPS):
    return np.array([trainer.train_step()["loss"] for _ in range(steps)])


def new_trainer(sample, **changes):
    x_train, y_train, _, _ = sample
    config = FFConfig(layer_sizes=(48, 24), batch_size=50, epochs=2, **changes)
    return Trainer(FFNetwork(config), x_train[:1000], y_train[:1000])


def test_prepare_compiles_without_changing_what_training_does(sample):
    """Test that a prepared trainer, a fresh one and one on a reused program give identical losses (same seed)."""
    prepared = new_trainer(sample)
    weights = prepared.network.get_weights()
    prepared.prepare()  # How the race compiles both variants before their clocks start.
    for before, after in zip(weights, prepared.network.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert prepared.step == 0
    expected = losses(prepared)
    fresh = new_trainer(sample)
    np.testing.assert_array_equal(expected, losses(fresh))
    fresh.release()  # Its program goes back to the cache, with trained weights and moments in it ...
    reused = new_trainer(sample)
    assert reused.prepare() == 0.0  # The next run of that shape takes a compiled program: nothing compiles.
    np.testing.assert_array_equal(expected, losses(reused))


def test_another_seed_gives_other_losses(sample):
    """The check above can fail: a different seed changes the very first losses."""
    assert not np.allclose(losses(new_trainer(sample), 3), losses(new_trainer(sample, seed=1), 3))


def test_variants_must_share_the_data_order():
    with pytest.raises(ValueError, match="Received: seed=0 and 1"):
        variants.check_same_seed((FFConfig(), FFConfig(seed=1)))
    with pytest.raises(ValueError, match="Received: batch_size=100 and 50"):
        variants.check_same_seed((FFConfig(), FFConfig(batch_size=50)))


def test_lead_sentence():
    assert (
        variants.lead_sentence({"A": 0.913, "B": 0.941}, 30) == "B reached 94.1% vs 91.3%, 2.8 points ahead after 30 s."
    )
    assert variants.lead_sentence({"A": 0.9, "B": 0.9}, 12.2) == "A and B tied at 90.0% after 12 s."
    assert variants.lead_sentence({"A": None, "B": 0.9}, 5) == "No test accuracy to compare after 5 s."


def race(sample, budget):
    x_train, y_train, x_test, y_test = sample
    configs = {
        "A": FFConfig(layer_sizes=(32,), loss="softplus", batch_size=50),
        "B": FFConfig(layer_sizes=(32,), loss="symba", goodness="sum_square", sharpness=1.0, batch_size=50),
    }
    return variants.VariantRace(configs, x_train[:2000], y_train[:2000], x_test, y_test, budget)


@pytest.mark.slow
def test_a_race_runs_both_for_the_budget_and_a_rerun_repeats_the_losses(sample):
    """Test that both variants train within the budget, the outcome names a winner, and a rerun repeats each loss."""
    first = race(sample, budget=3)
    first.start()
    wait_until(lambda: first.done, timeout=120, message="the first race to end")
    outcome = first.outcome()
    assert set(outcome["accuracy"]) == {"A", "B"} and all(0 <= value <= 1 for value in outcome["accuracy"].values())
    assert "after 3 s" in outcome["sentence"]
    for run in first.runs.values():
        assert run.trainer.step > 0
        assert run.snapshot()["elapsed"] < 3 + 2.5  # The budget, plus at most one keep-alive interval.
    again = race(sample, budget=3)
    again.start()
    wait_until(lambda: again.done, timeout=120, message="the rerun to end")
    for name in ("A", "B"):
        steps = min(len(first.runs[name].history), len(again.runs[name].history))
        assert steps >= 5
        for one, other in zip(first.runs[name].history[:steps], again.runs[name].history[:steps]):
            assert one["loss"] == other["loss"]
