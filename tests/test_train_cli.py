"""The command line over the training engine: train, evaluate, predict, export, and the
clear one-line errors for bad input (run in-process, as `python main.py ...` does)."""

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from netlib import data
from netlib.cli import main

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "resources" / "models" / "lenet5_digits.keras"
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("digits")
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir()
        for image in sorted(class_dir.iterdir())[:15]:
            shutil.copy(image, folder / class_dir.name / image.name)
    return folder


def test_train_then_evaluate_predict_export(digits, tmp_path, capsys):
    runs = tmp_path / "runs"
    code = main(["train", str(digits), "--model", "lenet5", "--epochs", "2", "--batch-size", "16",
                 "--runs", str(runs), "--set", "schedule=cosine", "--set", "activation=relu"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[0] == "Device: CPU | Keras backend: tensorflow"
    assert "epoch 2/2" in out and "Finished 2 epoch(s)" in out
    assert "" not in out.splitlines()  # piped: no blank residue of a progress bar
    # Text in brackets is printed, not taken for rich markup.
    assert sum("[best]" in line for line in out.splitlines() if line.startswith("epoch")) >= 1
    # Each epoch line says how fast the epoch trained, as the progress bar does.
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert len(epoch_lines) == 2 and all(re.search(r"s  \d+ img/s", l) for l in epoch_lines)
    (run,) = runs.iterdir()
    # The closing line names the epoch best.keras holds and the rule that chose it.
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    best = min(rows, key=lambda row: float(row["val_loss"]))
    assert (f"best.keras is epoch {best['epoch']} (lowest val_loss), validation accuracy "
            f"{float(best['val_accuracy']):.2%}") in out
    config = json.loads((run / "config.json").read_text())
    assert (config["batch_size"], config["schedule"]) == (16, "cosine")
    assert config["model_options"] == {"activation": "relu"}

    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out
    assert "top-1" in out and (run / "evaluation.json").is_file()

    image = next((digits / "5").iterdir())
    assert main(["predict", str(run), str(image), "--top", "3", "--format", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["source"] == str(image) and len(result["top"]) == 3

    assert main(["export", str(run), "--format", "keras"]) == 0
    assert "Exported" in capsys.readouterr().out and (run / "export" / "lenet5.keras").is_file()

    # Resuming a finished run changes nothing; resuming with other settings is refused.
    assert main(["train", "--resume", str(run)]) == 0
    assert "already completed 2 epochs" in capsys.readouterr().out
    assert main(["train", "--resume", str(run), "--lr", "0.1"]) == 2
    assert "only --epochs may change" in capsys.readouterr().err


def test_predict_with_the_bundled_model_marks_bad_files(tmp_path, capsys):
    good = sorted((data.digits_folder() / "7").iterdir())[-1]
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    assert main(["predict", str(BUNDLED), str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{good}: 7 ")
    assert lines[1].startswith(f"{bad}: error:")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "FOLDER", "--model", "resnet05"], "Did you mean"),
        (["train", "FOLDER", "--model", "lenet5", "--optimizer", "lbfgs"], "'sgd', 'adam', 'adamw'"),
        (["train", "FOLDER", "--model", "lenet5", "--set", "schedule"], "KEY=VALUE"),
        (["train", "FOLDER"], "--model NAME"),
        (["train", "FOLDER", "--model", "lenet5", "--cluster", "a:1,b", "--task-index", "0"], "host:port"),
        (["train", "FOLDER", "--model", "lenet5", "--cluster", "a:1,b:2"], "go together"),
        (["train", "FOLDER", "--model", "lenet5", "--cluster", "a:1,b:2", "--task-index", "2"],
         "between 0 and 1"),
        (["train", "FOLDER", "--model", "lenet5", "--recipe", "paper"],
         "its recipes are: default"),
        (["evaluate", "no/such/run"], "No run folder"),
        (["export", "no/such/run", "--format", "tflite"], "No run folder"),
    ],
)
def test_bad_input_is_one_clear_line(argv, message, digits, capsys, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    argv = [str(digits) if a == "FOLDER" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_the_recipe_flag_chooses_the_familys_other_settings(digits):
    # The same choice as the Train page's Recipe list.
    from netlib.cli.train import config_from_args
    from netlib.cli import build_parser
    from netlib.train import TrainConfig

    args = build_parser().parse_args(
        ["train", str(digits), "--model", "resnet20", "--recipe", "paper", "--epochs", "3"])
    config = config_from_args(args, [])
    assert config == TrainConfig.for_model("resnet20", digits, recipe="paper", epochs=3)
    assert (config.optimizer, config.schedule) == ("sgd", "step")


def test_a_short_run_of_a_family_with_a_long_warm_up_runs_and_says_how(digits, tmp_path, capsys):
    # NiN's recipe warms up for an epoch, more than a quarter of a one-epoch run: cut, with
    # a note. (The cheapest family with a warm-up: the cut is the same code for all.)
    code = main(["train", str(digits), "--model", "nin_cifar", "--epochs", "1",
                 "--runs", str(tmp_path / "runs")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "note: warmup_epochs cut from the family's 1 to 0.25" in out and "epoch 1/1" in out


def test_a_folder_that_fails_to_scan_makes_no_run_folder(tmp_path, capsys):
    (tmp_path / "lonely" / "only").mkdir(parents=True)
    runs = tmp_path / "runs"
    assert main(["train", str(tmp_path / "lonely"), "--model", "lenet5", "--runs", str(runs)]) == 1
    out = capsys.readouterr().out
    assert "only one class sub-folder" in out and "Run folder" not in out
    assert not runs.exists() or list(runs.iterdir()) == []


@pytest.mark.slow
def test_sigterm_stops_a_run_which_records_that_it_stopped(digits, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    runs = tmp_path / "runs"
    child = subprocess.Popen(
        [sys.executable, str(REPO / "main.py"), "train", str(digits), "--model", "lenet5",
         "--epochs", "500", "--runs", str(runs)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    lines = []
    for line in child.stdout:  # until the first epoch is saved: then a SIGTERM
        lines.append(line)
        if line.startswith("epoch 1/500"):
            child.send_signal(signal.SIGTERM)
            break
    rest, _ = child.communicate(timeout=180)
    assert child.returncode == 128 + signal.SIGTERM, "".join(lines) + rest
    [run] = runs.iterdir()
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "stopped" and status["epochs_completed"] >= 1
    assert "Stopping at the end of this batch" in rest
    assert main(["train", "--resume", str(run), "--epochs", str(status["epochs_completed"] + 1)]) == 0
