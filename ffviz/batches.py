"""Mini-batches, epochs and the learning-rate schedule, shared by every trainer.

`MiniBatchPlan` is the bookkeeping that the Forward-Forward `ffviz.train.Trainer` and the
backpropagation `ffviz.backprop.BackpropTrainer` share, so both count steps and epochs,
reshuffle and continue in exactly the same way and a side-by-side comparison is fair.
`shift_images` is the data augmentation (jitter) and `learning_rate_factor` Hinton's schedule.
"""

import numpy as np

from ffviz.config import IMAGE_PIXELS, IMAGE_SIDE


def learning_rate_factor(step, total_steps, decay):
    """Hinton's schedule: 1 for the first half of training, then linearly down to 0."""
    if not decay or total_steps <= 1:
        return 1.0
    half = total_steps / 2
    return 1.0 if step < half else max(0.0, (total_steps - step) / half)


def shift_images(images, max_shift, rng):
    """Each image moved by a random whole number of pixels, at most `max_shift` along each
    axis, with zeros coming in at the edges: (count, 784) -> (count, 784), in NumPy.

    Done on the host while the batches of a call are gathered, which costs less than a
    gather inside the compiled step.
    """
    count = len(images)
    width = 2 * max_shift + 1
    padding = [(0, 0), (max_shift, max_shift), (max_shift, max_shift)]
    padded = np.pad(images.reshape(count, IMAGE_SIDE, IMAGE_SIDE), padding)
    offsets = rng.integers(0, width * width, size=count)  # Row offset * width + column offset.
    shifted = np.empty((count, IMAGE_SIDE, IMAGE_SIDE), images.dtype)
    for offset in range(width * width):
        row, column = divmod(offset, width)
        chosen = offsets == offset
        shifted[chosen] = padded[chosen, row : row + IMAGE_SIDE, column : column + IMAGE_SIDE]
    return shifted.reshape(count, IMAGE_PIXELS)


class MiniBatchPlan:
    """The data, shuffled mini-batches, steps and epochs of one training run.

    Args:
        x_train, y_train: training images (N, 784) and labels (N,).
        x_test, y_test: optional test set, kept for the trainer's `evaluate`.
        batch_size: images per step (at most N).
        epochs: planned passes over the training set; `extend` adds more.
        seed: seeds the shuffling (and the jitter of the FF trainer).
    """

    def __init__(self, x_train, y_train, x_test, y_test, batch_size, epochs, seed):
        self.x_train = np.asarray(x_train, dtype=np.float32)
        self.y_train = np.asarray(y_train).astype(np.int32)
        if len(self.x_train) == 0 or len(self.x_train) != len(self.y_train):
            raise ValueError(
                f"Need a non-empty training set with one label per image. "
                f"Received: {len(self.x_train)} images, {len(self.y_train)} labels."
            )
        self.x_test, self.y_test = x_test, y_test
        self.batch_size = min(batch_size, len(self.x_train))
        self.steps_per_epoch = len(self.x_train) // self.batch_size
        self.total_epochs = epochs
        self.shuffler = np.random.default_rng(seed)
        self.step = 0  # Steps done, over all epochs.
        self.order = self.shuffler.permutation(len(self.x_train))
        self.seconds = 0.0  # Time spent inside steps, for steps per second.

    @property
    def epoch(self):
        """Completed epochs."""
        return self.step // self.steps_per_epoch

    @property
    def total_steps(self):
        return self.total_epochs * self.steps_per_epoch

    @property
    def finished(self):
        return self.step >= self.total_steps

    def extend(self, epochs):
        """Train `epochs` more epochs after the current plan ends (continue training later)."""
        if epochs < 1:
            raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs}")
        self.total_epochs = max(self.total_epochs, self.epoch) + int(epochs)

    def steps_left_in_epoch(self):
        return self.steps_per_epoch - self.step % self.steps_per_epoch

    def reshuffle_at_epoch_start(self):
        """A new order of the training images whenever a new epoch begins."""
        if self.step % self.steps_per_epoch == 0 and self.step > 0:
            self.order = self.shuffler.permutation(len(self.x_train))

    def next_indices(self, steps):
        """Indices of the training images of the next `steps` steps, all within this epoch."""
        position = (self.step % self.steps_per_epoch) * self.batch_size
        return self.order[position : position + steps * self.batch_size]
