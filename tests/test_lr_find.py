"""The learning-rate finder: a sweep on LeNet-5 and a few digits, its suggestion, and the
command line."""

import json
import shutil

import pytest

from netlib import data
from netlib.cli import main
from netlib.train import Finished, TrainConfig, Trainer
from netlib.train.lr_find import find_learning_rate

pytestmark = pytest.mark.usefixtures("free_models")


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    for class_dir in sorted(data.digits_folder().iterdir()):
        if class_dir.is_dir():
            (folder / class_dir.name).mkdir()
            for image in sorted(class_dir.iterdir())[:20]:
                shutil.copy(image, folder / class_dir.name / image.name)
    return folder


def test_training_at_the_suggested_rate_lowers_the_loss(digits, tmp_path):
    config = TrainConfig.for_model("lenet5", digits, batch_size=16, seed=2)
    finding = find_learning_rate(config, steps=60)
    assert len(finding.rates) == len(finding.losses) == len(finding.smoothed) >= 30
    assert finding.rates == tuple(sorted(finding.rates))  # exponentially up
    assert 1e-7 < finding.suggestion < 10 and "divided by 10" in finding.rule
    initial = finding.losses[0]  # the untrained network, the rate near 0
    outcome = Trainer(config.replace(learning_rate=finding.suggestion, epochs=2),
                      runs_dir=tmp_path).fit()
    assert isinstance(outcome, Finished)
    from netlib.runs import RunFolder

    assert RunFolder(outcome.run_dir).metrics()[-1]["loss"] < 0.8 * initial


def test_lr_find_command_prints_the_curve_and_the_rate_to_use(digits, capsys):
    assert main(["lr-find", str(digits), "--model", "lenet5", "--steps", "20",
                 "--set", "batch_size=16"]) == 0
    out = capsys.readouterr().out
    assert "Suggested learning rate:" in out and "--lr " in out and "#" in out
    assert main(["lr-find", str(digits), "--model", "lenet5", "--steps", "10",
                 "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 2 <= len(result["rates"]) <= 10 and result["suggestion"] > 0
    assert main(["lr-find", str(digits), "--model", "lenet5", "--steps", "1"]) == 2
    assert "at least 2 steps" in capsys.readouterr().err
