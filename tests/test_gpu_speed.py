"""benchmarks/gpu_speed.py in its --cpu-smoke mode: the code that measures ConvLab's training
path on a GPU (the Trainer on a cached JPEG folder, the builder and keras.applications in a
bare fit, torchvision) runs here for a few steps at 32 px, and prints its table. One of the benchmark's networks
(the smallest: every path is the same code for all four) keeps the suite short;
`python benchmarks/gpu_speed.py --cpu-smoke` runs all four."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NETWORKS = ("mobilenet_v2",)
KERAS_PATHS = ("(a) trainer", "(b) builder", "(c) keras.app")
TORCH_PATHS = ("(d) torch eager", "(e) torch.compile")
NUMBER = r"\s+\d+\.\d"  # an img/s figure

pytestmark = pytest.mark.slow


def test_the_cpu_smoke_check_measures_every_path(tmp_path):
    child = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "gpu_speed.py"), "--cpu-smoke",
         "--models", ",".join(NETWORKS)],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert child.returncode == 0, (child.stdout + child.stderr)[-3000:]
    table = child.stdout[child.stdout.rindex("network "):].splitlines()
    for network in NETWORKS:
        for path in KERAS_PATHS:
            assert any(re.match(rf"{network}\s+{re.escape(path)}{NUMBER}", row) for row in table), (
                network, path, table)
        for path in TORCH_PATHS:
            assert any(
                re.match(rf"{network}\s+{re.escape(path)}({NUMBER}|.*skipped: torchvision not "
                         rf"installed)", row) for row in table
            ), (network, path, table)
    assert "failed" not in child.stdout
    assert list(tmp_path.iterdir()) == []  # the JPEGs, cache and runs went to a temp folder
