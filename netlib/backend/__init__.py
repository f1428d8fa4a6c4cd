"""What differs between Keras backends, in one place, one module per concern.

Everything else in netlib is plain Keras 3 (keras, keras.ops, numpy) and runs on any
backend. What cannot be written that way lives here, one branch per backend, each
importing its backend lazily: importing this package imports neither Keras nor any
backend, and asking about the JAX backend never starts TensorFlow (and its GPU memory
allocator), nor the reverse. Only this package imports TensorFlow.

- :mod:`.devices`: the backend's :func:`name`; the device (:func:`describe_device`,
  "CPU" or "GPU: <name>", :func:`gpu_names`, :func:`prepare_devices`,
  :func:`peak_memory_bytes`); seeds
  (:func:`set_seed`); out-of-memory errors (:func:`is_out_of_memory`,
  :func:`out_of_memory_error`, the backend's real exception, which tests raise inside a
  training step as no GPU runs there);
- :mod:`.gradients`: :func:`value_and_gradient` (netlib.visualize's Grad-CAM) and
  :func:`compile_function` (netlib.train.batchnorm's statistics pass);
- :mod:`.distribution`, TensorFlow only: :func:`configure_cluster` (TF_CONFIG for
  ``train --cluster``), :func:`distribution_strategy` (``MultiWorkerMirroredStrategy``
  across machines, ``MirroredStrategy`` over several local GPUs), :func:`is_chief`;
- :mod:`.keras_workarounds`: the patches of Keras internals that distribution needs,
  each citing the bug it works around;
- :mod:`.tracing`: :func:`build_before_fit` (TensorFlow traced every run's first
  training step twice);
- :mod:`.export`, TensorFlow only: :func:`export_saved_model`, :func:`export_tflite`;
- :mod:`.startup`: :func:`import_keras_quietly` (TensorFlow's C++ start-up chatter
  filtered from the terminal).

Callers use the package: ``from netlib import backend; backend.describe_device()``.
"""

from netlib.backend.devices import (
    describe_device,
    gpu_names,
    has_tensorflow,
    is_out_of_memory,
    name,
    out_of_memory_error,
    peak_memory_bytes,
    prepare_devices,
    set_seed,
)
from netlib.backend.distribution import (
    adapt_model_to_strategy,
    cluster_from_environment,
    configure_cluster,
    distribution_strategy,
    is_chief,
    supports_distribution,
)
from netlib.backend.export import export_saved_model, export_tflite
from netlib.backend.gradients import compile_function, value_and_gradient
from netlib.backend.tracing import build_before_fit
from netlib.backend.startup import import_keras_quietly

__all__ = [
    "name",
    "describe_device",
    "gpu_names",
    "prepare_devices",
    "peak_memory_bytes",
    "set_seed",
    "is_out_of_memory",
    "out_of_memory_error",
    "value_and_gradient",
    "supports_distribution",
    "configure_cluster",
    "cluster_from_environment",
    "distribution_strategy",
    "adapt_model_to_strategy",
    "is_chief",
    "export_saved_model",
    "export_tflite",
    "import_keras_quietly",
    "compile_function",
    "build_before_fit",
    "has_tensorflow",
]
