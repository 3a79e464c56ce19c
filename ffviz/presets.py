"""Named configurations: the command line's `--preset`, the Train page's Network box and the benchmarks.

Each preset is an `ffviz.config.FFConfig` with a comment saying what it reached and in how long;
the measured accuracies and times, with the command that gives them, are in the README's
Benchmarks section and the recipe tables there say how each was found.
"""

from ffviz.config import FFConfig

# Convolutional Forward-Forward: three layers of label-grouped filters (`ffviz.conv_layers`) and
# SymBa's loss (no threshold): 99.5% on MNIST in about 13 minutes on 2 CPU cores.
CONV_PRESET = FFConfig(conv_layers=((60, 5, 2), (120, 3, 2), (240, 3, 1)), layer_sizes=(), epochs=12, loss="symba")
PRESETS = {
    # The default: the keras.io example's 784-500-500 with Hinton's recipe (hard negatives, inputs
    # of mean square 1, softmax read-out, lr constant then linear to 0), a sharper loss and
    # 1-pixel jitter: 98.8% MNIST test accuracy in 10 epochs, about 30 s on 2 CPU cores.
    "default": FFConfig(),
    # The most accurate dense preset measured on the 2-core CPU: 3 x 1000 (as in loeweX/Forward-Forward
    # and Hinton's Matlab code) for 20 epochs, 98.96% in about 6 minutes.
    "wide": FFConfig(layer_sizes=(1000, 1000, 1000), epochs=20),
    # Fashion-MNIST: no jitter (clothes are centred; shifting blurs their edges), SymBa's loss with
    # alpha 8, Adam 1.5e-3 and 20 epochs: 90.2% in about 100 s (89.8% with seed 1).
    "fashion": FFConfig(epochs=20, jitter=0, loss="symba", symba_alpha=8.0, learning_rate=0.0015),
    "conv": CONV_PRESET,
    # The `conv` recipe with 4/3 of its filters for 32 epochs: 92.1% on Fashion-MNIST in about
    # 14 minutes on 2 CPU cores (`conv` reaches 91.0% there in 12 epochs, 91.7% in 24).
    "conv_fashion": CONV_PRESET.replace(conv_layers=((80, 5, 2), (160, 3, 2), (320, 3, 1)), epochs=32),
    # A few seconds on a CPU: for tests and live demos.
    "tiny": FFConfig(layer_sizes=(200, 200), epochs=2),
    # Hinton's paper network, four hidden layers of 2000 units for 60 epochs, with the default
    # recipe. About 7.6 TFLOP per epoch: hours on a 2-core CPU, minutes on a GPU.
    "paper": FFConfig(layer_sizes=(2000, 2000, 2000, 2000), epochs=60),
}
PRESET_DESCRIPTIONS = {  # What each preset is for, as the Train page's Network box shows it.
    "default": "784-500-500, MNIST in half a minute",
    "wide": "3 x 1000, the best dense network (minutes)",
    "fashion": "784-500-500 for Fashion-MNIST, SymBa loss",
    "conv": "convolutional, 3 layers, SymBa loss (minutes)",
    "conv_fashion": "wider convolutional for Fashion-MNIST (14 minutes)",
    "tiny": "200-200, a few seconds",
    "paper": "Hinton's 4 x 2000 (hours on a CPU)",
}
DATASET_PRESETS = {"mnist": "default", "fashion_mnist": "fashion"}  # `ffviz train --dataset X` with no --preset.
