"""Training on the JAX backend, in a subprocess (the backend is chosen at import): a short
run finishes and saves a usable model, out-of-memory is recognised, and what needs
TensorFlow (SavedModel export, --cluster) is refused with a clear message."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

_CHILD = textwrap.dedent(
    """
    import json, shutil, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    work = Path(sys.argv[2])
    import keras
    from netlib import backend, data
    from netlib.export import export
    from netlib.predict import predict
    from netlib.runs import RunFolder
    from netlib.train import Failed, Finished, TrainConfig, Trainer

    folder = work / "digits"
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir(parents=True)
        for image in sorted(class_dir.iterdir())[:30]:
            shutil.copy(image, folder / class_dir.name / image.name)
    config = TrainConfig.for_model("lenet5", folder, epochs=3, augment=["flip"])
    outcome = Trainer(config, runs_dir=work / "runs").fit()
    report = {"backend": backend.name(), "device": backend.describe_device(),
              "outcome": type(outcome).__name__, "message": outcome.message}
    run = RunFolder(outcome.run_dir)
    report["metrics"] = run.metrics()
    report["tensorboard_files"] = len(list(run.tensorboard_dir.rglob("events.out.*")))
    sample = sorted((data.digits_folder() / "4").iterdir())[-1]
    report["prediction"] = predict(run.path, [sample], top=1)[0].top[0][0]
    report["keras_export"] = export(run.path, "keras").is_file()
    for label, attempt in (("saved_model", lambda: export(run.path, "saved_model")),
                           ("cluster", lambda: backend.configure_cluster("a:1,b:2", 0))):
        try:
            attempt()
            report[label] = "no error"
        except ValueError as error:
            report[label] = str(error)

    class RunOutOfMemory(keras.callbacks.Callback):
        # JAX's own RESOURCE_EXHAUSTED error, raised inside the training loop (no GPU here).
        def on_train_batch_end(self, batch, logs=None):
            raise backend.out_of_memory_error("Out of memory while trying to allocate 1.2GiB")

    failed = Trainer(config.replace(epochs=1), runs_dir=work / "runs",
                     callbacks=[RunOutOfMemory()]).fit()
    report["oom"] = [type(failed).__name__, failed.out_of_memory, failed.message]
    print("REPORT " + json.dumps(report))
    """
)


def test_a_short_run_on_jax(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    child = subprocess.run(
        [sys.executable, str(script), str(REPO), str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    lines = [l for l in child.stdout.splitlines() if l.startswith("REPORT ")]
    assert child.returncode == 0 and lines, child.stderr[-3000:]
    report = json.loads(lines[-1].removeprefix("REPORT "))
    assert report["backend"] == "jax" and report["device"] == "CPU"
    assert report["outcome"] == "Finished", report["message"]
    metrics = report["metrics"]
    assert [row["epoch"] for row in metrics] == [1, 2, 3]
    assert metrics[-1]["loss"] < metrics[0]["loss"]
    assert metrics[-1]["val_accuracy"] > 0.3  # ten classes: chance is 0.1
    assert report["tensorboard_files"] >= 2
    assert report["prediction"] in [str(i) for i in range(10)]
    assert report["keras_export"] is True
    assert "needs the TensorFlow backend" in report["saved_model"]
    assert "needs the TensorFlow backend" in report["cluster"]
    kind, out_of_memory, message = report["oom"]
    assert kind == "Failed" and out_of_memory and "batch size 32" in message
