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
                       backend.gradients, backend.startup, backend.tracing)
        for name, value in vars(module).items()
        if callable(value) and not inspect.isclass(value) and not name.startswith("_")
        and getattr(value, "__module__", None) == module.__name__
    }
    assert defined == set(backend.__all__)


def test_a_cpu_machine_has_no_gpu_and_no_memory_peak():
    assert backend.describe_device() == "CPU" and backend.gpu_names() == []
    assert backend.peak_memory_bytes() is None
