"""Importing Keras without TensorFlow's start-up chatter on the terminal.

Entry points call :func:`import_keras_quietly` once (the CLI before every command that
needs Keras, the app's background loader); the library itself never does.
"""

from __future__ import annotations

import os
import sys
import tempfile

__all__ = ["import_keras_quietly"]

# What TensorFlow's C++ runtime writes to the process's stderr while it is imported and
# looks for GPUs (TensorFlow 2.21; partly before TF_CPP_MIN_LOG_LEVEL is read, so that
# setting does not silence it): noise to every user, an "error" line included.
_START_UP_NOISE = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",  # port.cc, once per TensorFlow shared library
    "cudart_stub.cc",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
    "failed call to cuInit",
)


def import_keras_quietly():
    """Import Keras (and so its backend) with the backend's start-up chatter filtered out.

    TensorFlow writes those lines to file descriptor 2 from C++, where Python's
    sys.stderr cannot intercept them, so fd 2 points at a temporary file during the
    import and the first device search; afterwards everything it caught except the known
    noise is written to the real stderr (a genuine warning or error still reaches the
    user).
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    from netlib.backend.devices import gpu_names

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
                if not any(noise in line for noise in _START_UP_NOISE):
                    sys.stderr.write(line)
            sys.stderr.flush()
    return keras
