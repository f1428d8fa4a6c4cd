"""Shared test set-up: headless Qt, quiet TensorFlow, the repository on sys.path."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Image caches go to a throw-away folder, never the user's cache directory.
os.environ["CONVLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="convlab-test-cache-")

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    # Keras 3.15's TensorFlow backend calls np.array(tensor, copy=False) on every
    # convert_to_numpy; NumPy 2 warns each time. Theirs to fix, and a thousand copies of
    # it would bury any warning of ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
    )


@pytest.fixture
def free_models():
    """Free the Keras models and graphs a test built (clear_session also collects the
    garbage): a module of model tests uses it with
    `pytestmark = pytest.mark.usefixtures("free_models")`."""
    yield
    import keras  # here, not at the top: GUI tests must not pay for Keras

    keras.backend.clear_session()
