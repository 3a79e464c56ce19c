"""The small interface that `ffviz.runner.TrainingRun` drives: any trainer that steps.

Both `ffviz.train.Trainer` (Forward-Forward) and `ffviz.backprop.BackpropTrainer` follow it,
so the same background run, the same page and the same charts serve either. The step and
epoch bookkeeping comes from `ffviz.batches.MiniBatchPlan`; the rest each trainer writes.

Two capabilities are optional and declared as class attributes rather than guessed from
`hasattr`: `supports_threshold` (a live goodness threshold: `set_threshold`,
`current_threshold`) and `supports_goodness_probe` (`layer_goodness` of probe images, for the
live goodness histograms). A run asks the flag before it calls either.
"""

from typing import Protocol, runtime_checkable


@runtime_checkable
class SteppingTrainer(Protocol):
    """What a trainer offers so that `TrainingRun` can drive it step by step from a thread."""

    config: object  # The run's `FFConfig`: epochs to add when a finished run is started again.
    step: int  # Steps done, over all epochs.
    seconds: float  # Time spent inside steps, for steps per second.
    steps_per_epoch: int
    total_epochs: int
    base_learning_rate: float
    x_test: object  # The test images, or None.
    supports_threshold: bool  # True when `set_threshold` and `current_threshold` work.
    supports_goodness_probe: bool  # True when `layer_goodness` works.

    @property
    def total_steps(self) -> int: ...

    @property
    def finished(self) -> bool: ...

    def train_step(self) -> dict:
        """Run one mini-batch step; return its record: "step", "epoch", "loss" (a list), "seconds"..."""

    def train_steps(self, steps: int) -> list:
        """Run up to `steps` steps within the current epoch; return their records."""

    def evaluate(self, readout=None, limit=None):
        """Test accuracy (on the first `limit` test images), or None without a test set."""

    def extend(self, epochs: int) -> None:
        """Plan `epochs` more epochs after the current plan ends."""

    def set_learning_rate(self, learning_rate: float) -> None:
        """Change the base learning rate from the next step on."""

    def set_threshold(self, threshold: float) -> None:
        """Change the goodness threshold from the next step on (only if `supports_threshold`)."""

    def current_threshold(self):
        """The goodness threshold in force, or None (only meaningful if `supports_threshold`)."""

    def layer_goodness(self, images, labels):
        """Goodness per layer of `images` under `labels` (only if `supports_goodness_probe`)."""


def protocol_members():
    """The names every `SteppingTrainer` must have: its attributes, properties and methods."""
    methods = {name for name, value in vars(SteppingTrainer).items() if callable(value) or isinstance(value, property)}
    return sorted((set(SteppingTrainer.__annotations__) | methods) - {name for name in methods if name.startswith("_")})


def check_trainer(trainer):
    """Raise `TypeError` naming what `trainer` lacks of `SteppingTrainer`; return it otherwise."""
    if not isinstance(trainer, SteppingTrainer):
        missing = [name for name in protocol_members() if not hasattr(trainer, name)]
        raise TypeError(f"{type(trainer).__name__} is not a SteppingTrainer: it lacks {', '.join(missing)}.")
    return trainer
