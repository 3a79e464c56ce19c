"""The Forward-Forward objective: input normalisation, goodness and the layer loss.

This is the one place to change what a Forward-Forward layer optimises (Hinton 2022,
sections 2 and 3.1). A layer's activities `h` (batch, units) become one goodness number per
row; the loss pushes the goodness of positive rows (the true label written into the image)
above `threshold` and that of negative rows (a wrong label) below it. Each layer's input is
first scaled to a fixed L2 length, so a layer cannot pass its own goodness on to the next one.

Goodness and loss are named options: `FFConfig.goodness` picks a function from
`GOODNESS_FUNCTIONS` and `FFConfig.loss` one from `LOSS_FUNCTIONS`. A new one is a function
here, an entry in its registry, and its name in the matching option tuple of `ffviz.config`
(`GOODNESS_MEASURES`, `LOSSES`); a unit test checks that the registries and the tuples agree.
The defaults are the keras.io example's: the mean of the squared activities and a softplus loss.

The options:

- goodness "mean_square" (keras.io) or "sum_square" (Hinton's paper). `FFConfig.threshold` is
  always per unit, so the same number means the same thing for both: a sum-of-squares layer
  with `units` units compares its goodness with `threshold * units` (`goodness_threshold`).
- loss "softplus" (keras.io): softplus(sharpness * margin) around the threshold. Hinton's
  logistic loss, sigma(sum(h^2) - N), is this loss with goodness "sum_square", threshold 1 and
  sharpness 1, which is also goodness "mean_square", threshold 1 and sharpness N.
- loss "symba" (Lee and Song 2023, "SymBa: Symmetric Backpropagation-Free Contrastive
  Learning with Forward-Forward Algorithm for Optimizing Convergence", arXiv:2303.08418):
  softplus(-alpha * (g_pos - g_neg)) over pairs of rows, each a positive row and the negative
  row made from the same image. It has no threshold: it only asks that the true label beat
  the wrong one, by a margin that `alpha` (`FFConfig.symba_alpha`, the paper's 4) sharpens.
"""

from keras import ops

NORM_EPSILON = 1e-4  # As in the keras.io example: keeps an all-zero input finite.


def normalization_scale(square_sums, length=1.0):
    """The factor that scales a row whose squared length is `square_sums` to L2 length `length`."""
    return length / (ops.sqrt(square_sums) + NORM_EPSILON)


def normalize(inputs, length=1.0):
    """Scale each row to L2 length `length` (1 by default): (batch, features) -> (batch, features)."""
    return inputs * normalization_scale(ops.sum(ops.square(inputs), axis=-1, keepdims=True), length)


def mean_square_goodness(activations):
    """The mean of each row's squared activations: (batch, units) -> (batch,)."""
    return ops.mean(ops.square(activations), axis=-1)


def sum_square_goodness(activations):
    """The sum of each row's squared activations, Hinton's goodness: (batch, units) -> (batch,)."""
    return ops.sum(ops.square(activations), axis=-1)


def goodness_threshold(threshold, units, measure="mean_square"):
    """The threshold in the units of goodness `measure`: `threshold` is per unit, so a sum is compared with
    `threshold * units` and a mean with `threshold` itself."""
    return threshold * units if _choose(GOODNESS_FUNCTIONS, "goodness", measure) is sum_square_goodness else threshold


def softplus_loss(goodness_positive, goodness_negative, threshold, sharpness=1.0, symba_alpha=None):
    """The keras.io Forward-Forward loss of one layer.

    softplus(threshold - g_pos) for positive rows and softplus(g_neg - threshold) for negative
    rows, averaged over all of them: it is ln 2 when both goodnesses sit on the threshold.
    `sharpness` scales the margins inside softplus; Hinton's logit sum(h^2) - units is this
    loss with sharpness = units and threshold = 1. `symba_alpha` is not used.
    """
    margins = ops.concatenate([threshold - goodness_positive, goodness_negative - threshold], axis=0)
    return ops.mean(ops.softplus(sharpness * margins))


def symba_loss(goodness_positive, goodness_negative, threshold=None, sharpness=None, symba_alpha=4.0):
    """SymBa's symmetric loss: softplus(-alpha * (g_pos - g_neg)), averaged over the pairs.

    Row `i` of `goodness_positive` and row `i` of `goodness_negative` are the same image with
    its true and a wrong label. The loss is ln 2 when the two are equal and falls as the true
    label's goodness pulls ahead; `threshold` and `sharpness` are not used.
    """
    return ops.mean(ops.softplus(-symba_alpha * (goodness_positive - goodness_negative)))


GOODNESS_FUNCTIONS = {"mean_square": mean_square_goodness, "sum_square": sum_square_goodness}
LOSS_FUNCTIONS = {"softplus": softplus_loss, "symba": symba_loss}


def goodness(activations, measure="mean_square"):
    """Goodness of each row of a layer's activities, (batch, units) -> (batch,), by `measure`."""
    return _choose(GOODNESS_FUNCTIONS, "goodness", measure)(activations)


def ff_loss(goodness_positive, goodness_negative, threshold, sharpness=1.0, loss="softplus", symba_alpha=4.0):
    """One layer's loss from the goodness of its positive rows and of its negative rows.

    Args:
        goodness_positive: (batch,) goodness of the rows with the true label.
        goodness_negative: (batch,) goodness of the rows with a wrong label, row `i` made
            from the same image as row `i` of `goodness_positive`.
        threshold: the goodness that separates positive from negative data, in the units of
            the goodness (`goodness_threshold`).
        sharpness: how steeply the softplus loss falls as a margin grows (`FFConfig.sharpness`).
        loss: the name of the loss in `LOSS_FUNCTIONS` (`FFConfig.loss`).
        symba_alpha: the SymBa loss's sharpness (`FFConfig.symba_alpha`).

    Returns:
        A scalar, the loss averaged over all rows.
    """
    function = _choose(LOSS_FUNCTIONS, "loss", loss)
    return function(goodness_positive, goodness_negative, threshold, sharpness, symba_alpha)


def _choose(registry, option, name):
    if name not in registry:
        raise ValueError(f"{option} must be one of {tuple(registry)}. Received: {option}={name!r}")
    return registry[name]
