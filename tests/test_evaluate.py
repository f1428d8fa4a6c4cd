"""evaluate: accuracy, per-class figures, the confusion matrix and every mistake, from
the run folder alone, saved as evaluation.json; and AlexNet's ten-crop test."""

import json
import shutil

import numpy as np
import pytest

from netlib import data
from netlib.evaluate import EVALUATION_FORMAT, evaluate, load_evaluation
from netlib.predict import predict
from netlib.runs import RunFolder
from netlib.train import Finished, TrainConfig, Trainer

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> RunFolder:
    """LeNet-5 trained briefly on 400 digits: good, not perfect, so it makes mistakes."""
    folder = tmp_path_factory.mktemp("digits")
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir()):
        (folder / class_dir.name).mkdir()
        for image in sorted(class_dir.iterdir())[:40]:
            shutil.copy(image, folder / class_dir.name / image.name)
    config = TrainConfig.for_model("lenet5", folder, epochs=2)
    outcome = Trainer(config, runs_dir=tmp_path_factory.mktemp("runs")).fit()
    assert isinstance(outcome, Finished)
    return RunFolder(outcome.run_dir)


def test_evaluation_of_the_validation_split(run):
    result = evaluate(run.path)
    validation = run.split()["validation"]
    assert result.images == len(validation) == 80 and result.data == "validation"
    saved = load_evaluation(run.path)
    assert saved["format"] == EVALUATION_FORMAT
    assert saved == json.loads(json.dumps(result.to_dict()))

    confusion = np.array(result.confusion_matrix)
    assert confusion.shape == (10, 10) and confusion.sum() == result.images
    assert result.top1 == pytest.approx(np.trace(confusion) / result.images)
    assert result.top1 <= result.top5 <= 1.0
    assert len(result.misclassified) == result.images - np.trace(confusion)
    for c, row in enumerate(result.per_class):
        assert row["support"] == confusion[c].sum()
        if row["recall"] is not None:
            assert row["recall"] == pytest.approx(confusion[c, c] / confusion[c].sum())
        if row["precision"] is not None:
            assert row["precision"] == pytest.approx(confusion[c, c] / confusion[:, c].sum())

    # Each mistake agrees with predict on the same file, and is really a mistake.
    assert result.misclassified, "two short epochs should leave some mistakes to check"
    for mistake in result.misclassified[:5]:
        assert mistake["true"] != mistake["predicted"] == mistake["top5"][0]["class"]
        (again,) = predict(run.path, [mistake["path"]], top=5)
        assert again.top[0][0] == mistake["predicted"]
        assert again.top[0][1] == pytest.approx(mistake["top5"][0]["probability"], rel=1e-4)
    confidences = [m["top5"][0]["probability"] for m in result.misclassified]
    assert confidences == sorted(confidences, reverse=True)


def test_ten_crop_and_another_folder(run, tmp_path):
    crops = evaluate(run.path, ten_crop=True)
    assert crops.ten_crop and crops.images == 80
    assert 0.0 <= crops.top1 <= 1.0 and np.array(crops.confusion_matrix).sum() == 80

    # A folder with a subset of the classes, and one broken file, which is skipped.
    folder = tmp_path / "some"
    for name in ("3", "7"):
        (folder / name).mkdir(parents=True)
        for image in sorted((data.digits_folder() / name).iterdir())[-6:]:
            shutil.copy(image, folder / name / image.name)
    (folder / "7" / "broken.png").write_bytes(
        (data.digits_folder() / "7").iterdir().__next__().read_bytes()[:50]
    )
    result = evaluate(run.path, data=folder)
    assert result.data == str(folder) and result.images + len(result.skipped) == 13
    supports = {row["class"]: row["support"] for row in result.per_class}
    assert supports["3"] == 6 and supports["0"] == 0

    (folder / "cat").mkdir()
    (folder / "cat" / "x.png").write_bytes((folder / "3").iterdir().__next__().read_bytes())
    with pytest.raises(ValueError, match="classes the model does not know: cat"):
        evaluate(run.path, data=folder)


def test_a_missing_run_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="No run folder"):
        evaluate(tmp_path / "nothing")


def test_a_model_trained_on_crops_is_fed_centre_crops_and_ten_crops(tmp_path):
    # AlexNet's recipe in miniature: 36x36 images, random 32x32 crops with flips and PCA
    # colour noise in training; the saved model takes the 32x32 crop.
    folder = tmp_path / "digits"
    for class_dir in sorted(p for p in data.digits_folder().iterdir() if p.is_dir())[:3]:
        (folder / class_dir.name).mkdir(parents=True)
        for image in sorted(class_dir.iterdir())[:20]:
            shutil.copy(image, folder / class_dir.name / image.name)
    config = TrainConfig.for_model(
        "lenet5", folder, epochs=1, image_size=36, color_mode="rgb",
        augment={"crop_flip": 32, "pca_color": 0.1},
    )
    outcome = Trainer(config, runs_dir=tmp_path / "runs").fit()
    assert isinstance(outcome, Finished), getattr(outcome, "details", outcome)
    run = RunFolder(outcome.run_dir)
    assert len(run.dataset()["pca"]["eigenvalues"]) == 3

    from netlib.predict import load_model

    loaded = load_model(run.path)
    assert (loaded.image_size, loaded.input_size) == ((36, 36), (32, 32))
    (prediction,) = predict(loaded, [next((folder / "1").iterdir())], top=3)
    assert prediction.ok and len(prediction.top) == 3
    single, ten = evaluate(run.path), evaluate(run.path, ten_crop=True)
    assert single.images == ten.images == 12 and ten.ten_crop


def test_balanced_accuracy_and_macro_f1_are_the_means_of_the_per_class_figures(run):
    from netlib.evaluate import class_scores, most_confused

    result = evaluate(run.path)
    confusion = np.array(result.confusion_matrix)
    recalls = [confusion[c, c] / confusion[c].sum() for c in range(10) if confusion[c].sum()]
    assert result.balanced_accuracy == pytest.approx(np.mean(recalls))
    f1 = []
    for c in range(10):
        precision = confusion[c, c] / confusion[:, c].sum() if confusion[:, c].sum() else 0.0
        recall = confusion[c, c] / confusion[c].sum() if confusion[c].sum() else 0.0
        f1.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    assert result.macro_f1 == pytest.approx(np.mean(f1))
    assert [row["f1"] for row in result.per_class] == pytest.approx(f1)
    # A class with images and never predicted: recall 0, F1 0, precision undefined.
    scores = class_scores([[3, 1], [2, 0]])
    assert scores["precision"][1] == 0.0 and scores["recall"][1] == 0.0 and scores["f1"][1] == 0.0
    assert scores["balanced_accuracy"] == pytest.approx((0.75 + 0.0) / 2)
    pairs = most_confused(confusion, result.classes)
    assert pairs == result.most_confused
    assert [p["count"] for p in pairs] == sorted((p["count"] for p in pairs), reverse=True)
    assert sum(p["count"] for p in pairs) == len(result.misclassified)


def test_every_part_is_evaluated_with_its_highest_losses(run, capsys):
    from netlib.cli import main
    from netlib.evaluate import TOP_LOSSES

    result = evaluate(run.path, split="all")
    assert result.data == "validation" and result.split == "all" and result.images == 80
    assert set(result.splits) == set(result.top_losses) == {"train", "validation"}
    assert result.splits["train"]["images"] == 320
    train_losses = result.top_losses["train"]
    assert len(train_losses) == min(TOP_LOSSES, 320)
    losses = [image["loss"] for image in train_losses]
    assert losses == sorted(losses, reverse=True)
    worst = train_losses[0]  # the loss is -ln of the true class's probability, as predict says
    (again,) = predict(run.path, [worst["path"]], top=10)
    assert worst["loss"] == pytest.approx(-np.log(dict(again.top)[worst["true"]]), rel=1e-3)
    assert result.splits["train"]["loss"] == pytest.approx(np.mean(losses), rel=0.6)
    assert load_evaluation(run.path)["top_losses"]["train"][0] == worst
    training = evaluate(run.path, split="train")
    assert training.data == "train" and training.images == 320
    assert training.top1 == pytest.approx(result.splits["train"]["top1"])
    with pytest.raises(ValueError, match="no test images"):
        evaluate(run.path, split="test")
    assert main(["evaluate", str(run.path), "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "balanced accuracy" in out and "highest losses (train):" in out and "most confused" in out
