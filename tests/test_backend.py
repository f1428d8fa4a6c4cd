"""netlib.backend, the package that holds what differs between Keras backends: its public
functions stay importable from the package itself (callers write `backend.describe_device()`),
and what it says about this CPU-only machine."""

import inspect

from netlib import backend


def test_the_package_re_exports_every_public_function():
    missing = [name for name in backend.__all__ if not callable(getattr(backend, name, None))]
    assert missing == []
    defined = {
        name
        for module in (backend.devices, backend.distribution, backend.export,
                       backend.gradients, backend.startup)
        for name, value in vars(module).items()
        if callable(value) and not inspect.isclass(value) and not name.startswith("_")
        and getattr(value, "__module__", None) == module.__name__
    }
    assert defined == set(backend.__all__)


def test_a_cpu_machine_has_no_gpu_and_no_memory_peak():
    assert backend.describe_device() == "CPU" and backend.gpu_names() == []
    assert backend.peak_memory_bytes() is None


def test_seeding_without_tensorflow_seeds_as_keras_does():
    # netlib.backend seeds JAX and PyTorch runs with Keras' own function, its TensorFlow
    # branch steered off (keras_workarounds): the draws after it are Keras' own.
    import random

    import keras
    import numpy as np

    from netlib.backend.keras_workarounds import set_random_seed_without_tensorflow

    def draws():
        return (random.random(), float(np.random.rand()),
                float(keras.ops.convert_to_numpy(keras.random.uniform(()))))

    keras.utils.set_random_seed(7)
    expected = draws()
    set_random_seed_without_tensorflow(7)
    assert draws() == expected
    from keras.src.utils import rng_utils

    assert rng_utils.tf.available  # Keras' lazy module is back once the call returns
