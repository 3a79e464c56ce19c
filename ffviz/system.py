"""Facts about the machine that the app and the CLI report: TensorFlow version and device."""

import functools
import os


@functools.lru_cache(maxsize=1)
def device_description():
    """'GPU: <name>' when TensorFlow sees a GPU, else 'CPU (<n> cores)'."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)}"
    return f"CPU ({os.cpu_count()} cores)"


def versions():
    import keras
    import numpy
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": numpy.__version__}
