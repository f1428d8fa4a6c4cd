"""What differs between Keras backends, in one place.

Everything else in netlib is plain Keras 3 (keras, keras.ops, numpy) and runs on any
backend. What cannot be written that way lives here, one branch per backend, each
importing its backend lazily so that asking about the JAX backend never starts TensorFlow
(and its GPU memory allocator) and the reverse:

- the device: :func:`describe_device` ("CPU" or "GPU: <name>"), :func:`gpu_names`,
  :func:`prepare_devices` (TensorFlow: grow GPU memory as needed instead of taking it all,
  so that a GUI process hosting a run keeps room, and an out-of-memory run can end cleanly);
- seeds and determinism: :func:`set_seed`;
- out-of-memory errors: :func:`is_out_of_memory`, and :func:`out_of_memory_error`, which
  makes the backend's real exception (tests raise it inside a training step, as no GPU
  runs there);
- gradients: :func:`value_and_gradient` (netlib.visualize's Grad-CAM);
- distribution, TensorFlow only: :func:`configure_cluster` (TF_CONFIG for
  ``train --cluster``) and :func:`distribution_strategy` (``MultiWorkerMirroredStrategy``
  across machines, ``MirroredStrategy`` over several local GPUs);
- export, TensorFlow only: :func:`export_saved_model`, :func:`export_tflite`;
- start-up: :func:`import_keras_quietly` (TensorFlow's C++ import chatter filtered).
"""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

__all__ = [
    "name",
    "describe_device",
    "gpu_names",
    "prepare_devices",
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
]

_HOST_PORT = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


def name() -> str:
    """The Keras backend in use: "tensorflow", "jax" or "torch"."""
    import keras

    return keras.backend.backend()


# --------------------------------------------------------------------------- devices


def gpu_names() -> list[str]:
    """The names of the GPUs the current backend will compute on (empty on a CPU machine).

    TensorFlow: the CUDA device names TensorFlow reports (an empty list when TensorFlow
    finds no CUDA driver, as on a CPU-only build). JAX: the `device_kind` of every device
    on the "gpu" platform. PyTorch: `torch.cuda.get_device_name`.
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        names = []
        for gpu in tf.config.list_physical_devices("GPU"):
            try:
                details = tf.config.experimental.get_device_details(gpu)
            except (RuntimeError, ValueError):
                details = {}
            names.append(details.get("device_name") or gpu.name)
        return names
    if backend == "jax":
        import jax

        try:
            devices = jax.devices("gpu")
        except RuntimeError:  # no GPU platform in this jaxlib build, or no driver
            return []
        return [device.device_kind for device in devices]
    if backend == "torch":
        import torch

        if not torch.cuda.is_available():
            return []
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def describe_device() -> str:
    """"CPU", or "GPU: <name>" ("GPU: <name> (x2)" for two alike): what training runs on."""
    names = gpu_names()
    if not names:
        return "CPU"
    if len(set(names)) == 1:
        suffix = f" (x{len(names)})" if len(names) > 1 else ""
        return f"GPU: {names[0]}{suffix}"
    return "GPU: " + ", ".join(names)


@functools.cache
def prepare_devices() -> None:
    """Let TensorFlow allocate GPU memory as it needs it, rather than all at start-up.

    Without this a GUI process that trains twice holds the first run's memory, and an
    out-of-memory error is more likely to leave the device unusable. Must run before
    TensorFlow first touches the GPU; later calls (and other backends) do nothing. JAX
    reads `XLA_PYTHON_CLIENT_PREALLOCATE=false` from the environment instead, which only
    the process's launcher can set early enough.
    """
    if name() != "tensorflow":
        return
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the GPU was initialised already: too late, and harmless
            pass


def set_seed(seed: int, *, deterministic: bool = False) -> None:
    """Seed Python, NumPy and the backend (`keras.utils.set_random_seed`).

    `deterministic=True` also asks TensorFlow for deterministic kernels
    (`tf.config.experimental.enable_op_determinism`): bit-identical reruns, at some cost in
    speed, process-wide and irreversible; some GPU ops then raise as having no
    deterministic implementation. JAX on the CPU is deterministic already; on a GPU it
    follows `XLA_FLAGS=--xla_gpu_deterministic_ops=true`, which must be set at start-up.
    """
    import keras

    keras.utils.set_random_seed(int(seed))
    if deterministic and name() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


# ------------------------------------------------------------------------ out of memory


def is_out_of_memory(error: BaseException) -> bool:
    """True when `error` is the backend running out of device (or host) memory.

    TensorFlow raises `tf.errors.ResourceExhaustedError`; JAX (XLA) raises
    `jax.errors.JaxRuntimeError` whose message starts "RESOURCE_EXHAUSTED"; PyTorch raises
    `torch.OutOfMemoryError`. Host-side `MemoryError` counts too.
    """
    if isinstance(error, MemoryError):
        return True
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return isinstance(error, tf.errors.ResourceExhaustedError)
    if backend == "jax":
        import jax

        return isinstance(error, jax.errors.JaxRuntimeError) and "RESOURCE_EXHAUSTED" in str(
            error
        )
    if backend == "torch":
        import torch

        return isinstance(error, torch.OutOfMemoryError)
    return False


def out_of_memory_error(message: str = "out of memory") -> BaseException:
    """An instance of the current backend's own out-of-memory exception.

    For tests: no GPU runs there, so a test raises this from inside a real training step
    to check that the run ends with a helpful message and the process survives.
    """
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.errors.ResourceExhaustedError(None, None, message)
    if backend == "jax":
        import jax

        return jax.errors.JaxRuntimeError(f"RESOURCE_EXHAUSTED: {message}")
    if backend == "torch":
        import torch

        return torch.OutOfMemoryError(message)
    return MemoryError(message)


# ---------------------------------------------------------------------------- gradients


def value_and_gradient(function, x):
    """`function(x)` (a scalar) and its gradient with respect to the tensor `x`.

    Keras 3 has no backend-neutral gradient op; each backend has its own: TensorFlow a
    `GradientTape` watching `x`, JAX `jax.value_and_grad`, PyTorch autograd. `function`
    must be built from Keras layers and keras.ops, so that every backend can trace it.
    """
    import keras

    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = function(x)
        return value, tape.gradient(value, x)
    if backend == "jax":
        import jax

        return jax.value_and_grad(function)(keras.ops.convert_to_tensor(x))
    if backend == "torch":
        import torch

        x = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        value = function(x)
        (gradient,) = torch.autograd.grad(value, x)
        return value.detach(), gradient
    raise ValueError(
        f"Gradients are computed on the tensorflow, jax and torch backends; Keras runs on "
        f"{backend!r} here."
    )


def compile_function(function):
    """`function` compiled by the backend where it compiles (tf.function, jax.jit),
    as Keras compiles its own train and predict steps; PyTorch runs it eagerly. The
    function must be stateless (a model's `stateless_call`): compiled, it may not assign
    variables."""
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function, reduce_retracing=True)
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function


# ------------------------------------------------------------------------- distribution


def supports_distribution() -> bool:
    """Whether `tf.distribute` strategies are available: only on the TensorFlow backend."""
    return name() == "tensorflow"


def configure_cluster(workers: list[str] | str, task_index: int) -> dict[str, Any]:
    """Describe a multi-worker cluster in TF_CONFIG for this process, and return it.

    `workers` lists every worker's "host:port" (the same list, in the same order, on every
    machine; a comma-separated string is accepted); `task_index` is this machine's position
    in it, 0 being the chief, which writes the run folder. Raises ValueError for a
    malformed list or index, or on a backend without `tf.distribute`.
    """
    if not supports_distribution():
        raise ValueError(
            f"Training across machines (--cluster) uses tf.distribute, which needs the "
            f"TensorFlow backend; this process runs Keras on {name()!r}. "
            f"Start it with KERAS_BACKEND=tensorflow, or train on one machine."
        )
    if isinstance(workers, str):
        workers = [w.strip() for w in workers.split(",") if w.strip()]
    workers = list(workers)
    bad = [w for w in workers if not _HOST_PORT.match(w)]
    if not workers or bad:
        raise ValueError(
            "--cluster must list every worker as host:port, separated by commas "
            f"(e.g. 10.0.0.1:12345,10.0.0.2:12345); received {','.join(workers)!r}."
        )
    if isinstance(task_index, bool) or not isinstance(task_index, int):
        raise ValueError(f"--task-index must be an integer; received {task_index!r}.")
    if not 0 <= task_index < len(workers):
        raise ValueError(
            f"--task-index must be between 0 and {len(workers) - 1} for a cluster of "
            f"{len(workers)} workers; received {task_index}."
        )
    config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": task_index}}
    os.environ["TF_CONFIG"] = json.dumps(config)
    return config


def cluster_from_environment() -> dict[str, Any] | None:
    """The TF_CONFIG of this process when it names more than one worker, else None."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"TF_CONFIG is not valid JSON: {text!r}.") from None
    workers = config.get("cluster", {}).get("worker", [])
    return config if len(workers) > 1 else None


@functools.cache
def distribution_strategy():
    """The `tf.distribute` strategy this process should train under, or None for the
    backend's default (one device).

    `MultiWorkerMirroredStrategy` when TF_CONFIG names several workers (see
    :func:`configure_cluster`); `MirroredStrategy` when several GPUs are visible on the
    TensorFlow backend; otherwise None. Created once per process, before any model is
    built: TensorFlow requires collective ops to be configured before its first op.
    """
    if not supports_distribution():
        if cluster_from_environment():
            raise ValueError(
                "TF_CONFIG describes a cluster, but tf.distribute needs the TensorFlow "
                f"backend; this process runs Keras on {name()!r}."
            )
        return None
    import tensorflow as tf

    if cluster_from_environment():
        return tf.distribute.MultiWorkerMirroredStrategy()
    prepare_devices()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return None


def adapt_model_to_strategy(model, strategy) -> None:
    """Work around the Keras 3 bugs that stop `fit` under MultiWorkerMirroredStrategy
    (the scalar-reduction one is reported as tensorflow/tensorflow#72388; both are present in
    Keras 3.15 with TensorFlow 2.21, and tests/test_distribute.py fails
    without this). Other strategies and backends are left alone.

    1. Before its first step, Keras' TensorFlow trainer builds the model from one batch
       reduced across replicas with `strategy.reduce("MEAN", (x, y))`; that strategy's
       `reduce` takes one tensor, not a structure ("Attempt to convert a value
       (PerReplica ...) to a Tensor"). The build needs only shapes and dtypes, so the
       model is given this worker's first replica's batch instead, with no communication.
    2. After every step it averages the scalar loss and metrics across workers with
       `strategy.reduce("MEAN", v, axis=0)`, which fails on a scalar ("Invalid reduction
       dimension 0 for input with 0 dimensions"); see :func:`_patch_multi_worker_reduce`.
    """
    if strategy is None or name() != "tensorflow":
        return
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return
    _patch_multi_worker_reduce()
    from keras import tree

    build = model._maybe_symbolic_build

    def local_value(value):
        if isinstance(value, tf.distribute.DistributedValues):
            return strategy.experimental_local_results(value)[0]
        return value

    def maybe_symbolic_build(iterator=None, data_batch=None):
        if iterator is not None and data_batch is None:
            for _, _, batches in iterator:  # as Keras does: the first batch only
                data_batch = tree.map_structure(local_value, next(batches))
                break
        return build(data_batch=data_batch)

    model._maybe_symbolic_build = maybe_symbolic_build


@functools.cache
def _patch_multi_worker_reduce() -> None:
    """Make Keras' per-step reduction average scalars across workers (axis=None) under
    MultiWorkerMirroredStrategy; every other case goes to Keras' own function unchanged.
    The train, test and predict functions look the function up in their module at each
    call, so replacing the module's attribute is enough."""
    import tensorflow as tf
    from keras import tree
    from keras.src.backend.tensorflow import trainer as keras_tf_trainer

    keras_reduce = keras_tf_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        if not (multi_worker and reduction in ("auto", "mean")):
            return keras_reduce(values, strategy, reduction)

        def mean(value):
            local = value
            if isinstance(value, tf.distribute.DistributedValues):
                local = strategy.experimental_local_results(value)[0]
            axis = None if len(local.shape) == 0 else 0  # Keras: axis=0 always
            return strategy.reduce("MEAN", value, axis=axis)

        return tree.map_structure(mean, values)

    keras_tf_trainer.reduce_per_replica = reduce_per_replica


def is_chief(strategy=None) -> bool:
    """True unless this process is a non-chief worker of a multi-worker cluster."""
    config = cluster_from_environment()
    if strategy is None or config is None:
        return True
    return int(config.get("task", {}).get("index", 0)) == 0


# -------------------------------------------------------------------------------- export


def _require_tensorflow(what: str) -> None:
    if name() != "tensorflow":
        raise ValueError(
            f"{what} export needs the TensorFlow backend (Keras runs on {name()!r} here); "
            f"the .keras format works on every backend."
        )


def export_saved_model(model, path: str | os.PathLike) -> None:
    """Write `model` as a TensorFlow SavedModel directory with a `serve` endpoint."""
    _require_tensorflow("SavedModel")
    model.export(str(path), format="tf_saved_model", verbose=False)


def export_tflite(model, path: str | os.PathLike) -> None:
    """Write `model` as a TensorFlow Lite (LiteRT) flatbuffer; `path` ends in `.tflite`."""
    _require_tensorflow("TFLite")
    model.export(str(path), format="litert", verbose=False)


# --------------------------------------------------------------------------- start-up

# What TensorFlow's C++ runtime writes to the process's stderr while it is imported and
# looks for GPUs on a machine without CUDA (partly before TF_CPP_MIN_LOG_LEVEL is read):
# noise to every user, an "error" line included.
_IMPORT_NOISE = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "cudart_stub.cc",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
    "failed call to cuInit",
)


def import_keras_quietly():
    """Import Keras (and so its backend) with the backend's start-up chatter filtered out.

    TensorFlow writes those lines to file descriptor 2 from C++, where Python's
    sys.stderr cannot intercept them, so fd 2 points at a temporary file during the
    import and the first device search; afterwards everything it caught except the known noise is written to the real
    stderr (a genuine warning or error still reaches the user). Entry points call this
    once (the CLI, the app's background loader); the library itself never does.
    """
    import sys
    import tempfile

    if "keras" in sys.modules:
        return sys.modules["keras"]
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            import keras

            gpu_names()  # the device search is where TensorFlow reports a missing driver
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode(errors="replace").splitlines(keepends=True):
                if not any(noise in line for noise in _IMPORT_NOISE):
                    sys.stderr.write(line)
            sys.stderr.flush()
    return keras
