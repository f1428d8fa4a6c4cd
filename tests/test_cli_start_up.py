"""What a user's terminal shows from `python main.py COMMAND`: the command's own output,
not TensorFlow's C++ start-up lines (oneDNN notes, CUDA probing), which it writes to fd 2
while it is imported. Run as a user runs them: a fresh process, TF_CPP_MIN_LOG_LEVEL unset."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
START_UP_MARKS = ("oneDNN", "I0000", "E0000", "cuda", "absl::InitializeLog")


def _folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def _as_a_user(*argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *argv],
        capture_output=True, text=True, timeout=180, env=env,
    )


@pytest.mark.parametrize("command", ["list", "summary", "scan"])
def test_commands_print_no_tensorflow_start_up_lines(command, tmp_path):
    argv = {
        "list": ["list", "--no-counts"],  # imports Keras: the registry's builders
        "summary": ["summary", "lenet5"],  # builds a model
        "scan": ["scan", str(_folder(tmp_path / "pets"))],  # needs no Keras
    }[command]
    child = _as_a_user(*argv)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip()
    noise = [line for line in child.stderr.splitlines() if any(m in line for m in START_UP_MARKS)]
    assert noise == []
