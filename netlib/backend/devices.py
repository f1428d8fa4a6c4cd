"""What Keras computes on: the backend's name, the GPUs, memory growth, seeds, and the
backend's out-of-memory error.

Each function branches on the backend and imports it lazily, so that asking about JAX
never starts TensorFlow (and its GPU memory allocator), and the reverse.
"""

from __future__ import annotations

import functools

__all__ = [
    "name",
    "gpu_names",
    "describe_device",
    "prepare_devices",
    "peak_memory_bytes",
    "set_seed",
    "is_out_of_memory",
    "out_of_memory_error",
    "has_tensorflow",
]


def name() -> str:
    """The Keras backend in use: "tensorflow", "jax" or "torch"."""
    import keras

    return keras.backend.backend()


@functools.cache
def has_tensorflow() -> bool:
    """Whether TensorFlow is installed (found, not imported): a JAX or PyTorch machine may
    have none, and TensorBoard logging and tf.distribute need it."""
    import importlib.util

    return importlib.util.find_spec("tensorflow") is not None


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


def peak_memory_bytes() -> int | None:
    """The most memory the first GPU has held for this process so far, in bytes, or None
    on a CPU (where no backend keeps the figure).

    TensorFlow: `tf.config.experimental.get_memory_info("GPU:0")["peak"]`; JAX: the
    device's `memory_stats()["peak_bytes_in_use"]` (its allocator's own count, whether
    or not it preallocated its pool); PyTorch: `torch.cuda.max_memory_allocated()`.
    """
    if not gpu_names():
        return None
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])
    if backend == "jax":
        import jax

        stats = jax.devices("gpu")[0].memory_stats() or {}
        peak = stats.get("peak_bytes_in_use")
        return None if peak is None else int(peak)
    if backend == "torch":
        import torch

        return int(torch.cuda.max_memory_allocated())
    return None


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
