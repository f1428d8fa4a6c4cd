"""Training across machines with tf.distribute.MultiWorkerMirroredStrategy: two workers
on this machine (127.0.0.1, free ports), each a real `python main.py train --cluster`
process on the CPU, end with identical weights."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import netlib.layers  # noqa: F401  (custom layers for loading the models)
from netlib import data

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_finish_with_identical_weights(tmp_path):
    folder = tmp_path / "digits"
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir(parents=True)
        for image in sorted(class_dir.iterdir())[:20]:
            shutil.copy(image, folder / class_dir.name / image.name)
    cluster = ",".join(f"127.0.0.1:{port}" for port in _free_ports(2))
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    workers = [
        subprocess.Popen(
            [
                sys.executable, str(REPO / "main.py"), "train", str(folder),
                "--model", "lenet5", "--epochs", "2", "--runs", str(tmp_path / f"runs{i}"),
                "--cluster", cluster, "--task-index", str(i),
                # Different seeds (shuffling, initial weights) on purpose: the weights can
                # only end equal if the workers really synchronise them.
                "--set", f"seed={i}",
            ],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )
        for i in range(2)
    ]
    outputs = []
    try:
        for worker in workers:
            outputs.append(worker.communicate(timeout=300))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (output, errors) in zip(workers, outputs):
        assert worker.returncode == 0, output[-2000:] + errors[-2000:]
        assert output.startswith("Device: CPU | Keras backend: tensorflow")
        assert "2 replicas" in output

    (chief,) = (tmp_path / "runs0").iterdir()
    (other,) = (tmp_path / "runs1").iterdir()
    assert other.name.endswith("-worker1")
    models = [keras.saving.load_model(run / "last.keras", safe_mode=True) for run in (chief, other)]
    weights = [[w.numpy() for w in model.weights] for model in models]
    assert len(weights[0]) == len(weights[1]) > 0
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
    # And they trained: not the (broadcast) initial weights, and better than chance.
    rows = (chief / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3 and float(rows[-1].split(",")[5]) > 0.3
