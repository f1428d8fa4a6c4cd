"""Fine-tuning: a run that starts from ImageNet weights (a test file in Keras' cache,
downloaded from a local server), from a weights file or from an earlier run; the base
frozen, then unfrozen; stop and resume across the switch.

Small and real: LeNet-5 on a few digits, MobileNetV2 (alpha 0.35) at 32 pixels on a few
shapes, real Keras training on the CPU.
"""

import math
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from netlib import data, registry
from netlib.predict import load_model, predict
from netlib.runs import RunFolder
from netlib.train import (
    EpochEnd,
    Finished,
    PhaseStarted,
    Preparing,
    Stopped,
    TrainConfig,
    Trainer,
)
from netlib.train.config import ConfigError
from netlib.train.fine_tuning import resolve_start
from netlib.train.model import build_models
from netlib.weights import file_hash
from tests.weights_files import publish, randomize, save_legacy, serve

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

AUGMENT = ["flip", {"name": "rotation", "factor": 0.05}]


def _digits(folder: Path, digits, per_class: int) -> Path:
    for digit in digits:
        target = folder / str(digit)
        target.mkdir(parents=True)
        for image in sorted((data.digits_folder() / str(digit)).iterdir())[:per_class]:
            shutil.copy(image, target / image.name)
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Digits 0-4 to train a base on, 5-9 to fine-tune it on."""
    root = tmp_path_factory.mktemp("digits")
    return _digits(root / "low", range(5), 30), _digits(root / "high", range(5, 10), 15)


@pytest.fixture(scope="module")
def base_run(folders, tmp_path_factory) -> Path:
    config = TrainConfig.for_model("lenet5", folders[0], epochs=2, seed=1)
    outcome = Trainer(config, runs_dir=tmp_path_factory.mktemp("base")).fit()
    assert isinstance(outcome, Finished), outcome
    return outcome.run_dir


def _network(model: keras.Model) -> keras.Model:
    return next(layer for layer in model.layers if isinstance(layer, keras.Model))


# ------------------------------------------------------------------------------ config


def test_a_pretrained_start_takes_the_familys_pretrained_recipe(tmp_path, base_run):
    notices = []
    config = TrainConfig.for_model("resnet50", tmp_path, weights="imagenet", notices=notices)
    pretrained = registry.model_info("resnet50").recipe("pretrained")
    assert config.freeze_epochs == pretrained.values["freeze_epochs"] > 0
    assert config.optimizer == "adam" and config.model_options["use_bias"] is True
    assert "Transfer learning" in notices[0]
    assert TrainConfig.for_model("resnet50", tmp_path).freeze_epochs == 0  # scratch: default
    from_run = TrainConfig.for_model("lenet5", tmp_path, weights=str(base_run))
    assert from_run.freeze_epochs > 0 and from_run.augment is None  # digits: no flips


@pytest.mark.parametrize(
    "model, change, field, message",
    [
        ("lenet5", {"weights": "imagenet"}, "weights", "no published ImageNet weights"),
        ("resnet50", {"weights": "imagenet", "model_options": {"use_bias": False}},
         "model_options", "need use_bias=True"),
        ("mobilenet_v2", {"weights": "imagenet", "color_mode": "grayscale"}, "color_mode", "rgb"),
        ("mobilenet_v2", {"weights": "imagenet", "freeze_epochs": 20, "epochs": 10},
         "freeze_epochs", "at most epochs"),
    ],
)
def test_bad_pretrained_settings_name_their_field(tmp_path, model, change, field, message):
    values = {**TrainConfig.for_model(model, tmp_path).to_dict(), **change}
    with pytest.raises(ConfigError, match=message) as refused:
        TrainConfig.from_dict(values)
    assert refused.value.field == field


def test_a_run_starts_only_from_a_run_of_its_network(tmp_path, base_run):
    with pytest.raises(ConfigError, match="trained lenet5, not alexnet") as refused:
        TrainConfig.for_model("alexnet", tmp_path, weights=str(base_run))
    assert refused.value.field == "weights"
    with pytest.raises(ValueError, match="No weights file or run folder"):
        resolve_start(TrainConfig.for_model("lenet5", tmp_path, weights=str(tmp_path / "none.h5")))


# ------------------------------------------------------------------------------ weights


def test_from_a_run_every_layer_that_fits_keeps_its_weights_and_the_classifier_is_new(
    folders, base_run
):
    config = TrainConfig.for_model("lenet5", folders[1], weights=str(base_run))
    start = resolve_start(config)
    models = build_models(config, 5, preprocessing=start.preprocessing_layers())
    report = start.load_into(models.network)
    source = load_model(base_run).model
    source_network = _network(source)
    assert report.new == ("predictions",)
    for layer in source_network.layers:
        if not layer.weights:
            continue
        ours = models.network.get_layer(layer.name).weights
        same = [np.array_equal(a.numpy(), b.numpy()) for a, b in zip(ours, layer.weights)]
        assert all(same) == (layer.name != "predictions"), layer.name
        assert not any(same) or layer.name != "predictions"
    # The source run's preprocessing (its training images' statistics), not a new one.
    normalize = [l for l in models.preprocessing if isinstance(l, keras.layers.Normalization)][0]
    np.testing.assert_allclose(normalize.get_config()["mean"],
                               source.get_layer("normalize").get_config()["mean"])


@pytest.fixture(scope="module")
def imagenet_file(tmp_path_factory):
    """keras.applications' MobileNetV2 (alpha 0.35) without its classifier, random weights,
    in the layout and under the name keras.applications downloads."""
    counterpart = randomize(keras.applications.MobileNetV2(
        weights=None, alpha=0.35, include_top=False, input_shape=(32, 32, 3)), seed=7)
    name = registry.model_info("mobilenet_v2").pretrained.file_to_fine_tune({"alpha": 0.35}, 32).name
    folder = tmp_path_factory.mktemp("published")
    path = save_legacy(counterpart, folder / name)
    return path, {layer.name: [w.numpy() for w in layer.weights]
                  for layer in counterpart.layers if layer.weights}


def test_imagenet_start_downloads_freezes_the_base_and_records_its_source(
    tmp_path, monkeypatch, imagenet_file
):
    """The frozen phase trains the new classifier only: every base weight, batch-norm
    statistics included, ends as the file had it."""
    path, published = imagenet_file
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    shapes = data.make_shapes(tmp_path / "shapes", per_class=10, size=32, seed=2,
                              classes=("circle", "square", "star"))
    config = TrainConfig.for_model(
        "mobilenet_v2", shapes, weights="imagenet", model_options={"alpha": 0.35},
        image_size=32, epochs=1, freeze_epochs=1, batch_size=8, augment=None)
    events = []
    with serve(path.parent) as url:
        publish(monkeypatch, "mobilenet_v2", url, include_top=False)
        outcome = Trainer(config, runs_dir=tmp_path / "runs").fit(events.append)
    assert isinstance(outcome, Finished), outcome
    assert any(isinstance(e, Preparing) and e.stage == "downloading" for e in events)
    phases = [(e.phase, e.epoch, e.trainable_layers) for e in events if isinstance(e, PhaseStarted)]
    assert phases == [("frozen", 1, 1)]
    folder = RunFolder(outcome.run_dir)
    saved = load_model(folder.last_model).model
    network = _network(saved)
    for name, arrays in published.items():
        for array, variable in zip(arrays, network.get_layer(name).weights):
            np.testing.assert_array_equal(variable.numpy(), array, err_msg=variable.path)
    recorded = folder.config()
    assert recorded.weights == "imagenet"
    assert recorded.weights_file == str(tmp_path / "keras" / "models" / path.name)
    assert recorded.weights_sha256 == file_hash(path)
    assert folder.weights()["new"] == ["predictions"]
    assert "imagenet_preprocessing" in [layer.name for layer in saved.layers]
    assert predict(folder.path, [np.zeros((32, 32, 3), np.uint8)], top=1)[0].ok


def test_unfrozen_the_base_trains_and_its_batch_norm_statistics_are_estimated_again(tmp_path):
    """From a weights file: unchanged through the frozen epoch (statistics included), then
    trained, the precise batch-norm estimate counting the unfrozen layers again; with
    unfreeze=1 only the last block (the layer table's) of the base trains."""
    source = randomize(registry.build("resnet20", classes=3), seed=3)
    path = tmp_path / "resnet20.weights.h5"
    source.save_weights(path)
    published = {layer.name: [w.numpy() for w in layer.weights]
                 for layer in source.layers if layer.weights and layer.name != "predictions"}
    shapes = data.make_shapes(tmp_path / "shapes", per_class=10, size=16, seed=2,
                              classes=("circle", "square", "star"))
    config = TrainConfig.for_model("resnet20", shapes, weights=str(path), image_size=16,
                                   epochs=2, freeze_epochs=1, fine_tune_lr_scale=1.0,
                                   unfreeze=1, batch_size=8, augment=None)
    snapshots = []

    class Snapshot(keras.callbacks.Callback):  # after the epoch's batch-norm estimate
        def on_epoch_end(self, epoch, logs=None):
            network = _network(trainer.models.inference)
            snapshots.append({name: [w.numpy() for w in network.get_layer(name).weights]
                              for name in published})

    trainer = Trainer(config, runs_dir=tmp_path / "runs", callbacks=[Snapshot()])
    events = []
    assert isinstance(trainer.fit(events.append), Finished)
    unfrozen = next(e for e in events if isinstance(e, PhaseStarted) and e.phase == "fine-tuning")
    assert unfrozen.trainable_layers == 1 + sum(1 for n in published if n.startswith("conv4_block3"))
    frozen, trained = snapshots
    for name, arrays in published.items():
        unchanged = all(np.array_equal(a, b) for a, b in zip(arrays, trained[name]))
        assert all(np.array_equal(a, b) for a, b in zip(arrays, frozen[name])), name
        assert unchanged == (not name.startswith("conv4_block3")), name
    moving_mean = 2  # gamma, beta, moving_mean, moving_variance
    assert not np.allclose(trained["conv4_block3_2_bn"][moving_mean],
                           published["conv4_block3_2_bn"][moving_mean])


# ------------------------------------------------------------------------- stop, resume

STOP_POINTS = {
    "in the frozen phase": (0, 1),
    "at the switch": (1, 0),  # after the last frozen epoch: resumes with a new optimizer
    "in the fine-tuning phase": (2, 0),
}


@pytest.fixture(scope="module")
def fine_tune_config(folders, base_run) -> TrainConfig:
    return TrainConfig.for_model("lenet5", folders[1], weights=str(base_run), epochs=3,
                                 freeze_epochs=1, fine_tune_lr_scale=0.1, augment=AUGMENT,
                                 batch_size=16, seed=4)


@pytest.fixture(scope="module")
def uninterrupted(fine_tune_config, tmp_path_factory) -> Path:
    events = []
    outcome = Trainer(fine_tune_config, runs_dir=tmp_path_factory.mktemp("whole")).fit(events.append)
    assert isinstance(outcome, Finished), outcome
    phases = [(e.phase, e.epoch) for e in events if isinstance(e, PhaseStarted)]
    assert phases == [("frozen", 1), ("fine-tuning", 2)]
    rate = fine_tune_config.learning_rate
    rates = [e.learning_rate for e in events if isinstance(e, EpochEnd)]
    assert rates == pytest.approx([rate, rate / 10, rate / 10])
    return outcome.run_dir


@pytest.mark.parametrize("where", STOP_POINTS)
def test_a_run_stopped_in_either_phase_resumes_in_it_and_ends_as_an_uninterrupted_one(
    fine_tune_config, uninterrupted, tmp_path, where
):
    stop_at = STOP_POINTS[where]
    trainer = Trainer(fine_tune_config, runs_dir=tmp_path)

    class Stop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == stop_at:
                trainer.request_stop()

    trainer.extra_callbacks.append(Stop())
    stopped = trainer.fit()
    assert isinstance(stopped, Stopped) and stopped.epochs_completed == stop_at[0]
    events = []
    outcome = Trainer.resume(stopped.run_dir).fit(events.append)
    assert isinstance(outcome, Finished), outcome
    resumed_phase = next(e for e in events if isinstance(e, PhaseStarted))
    assert resumed_phase.phase == ("frozen" if stop_at[0] < 1 else "fine-tuning")
    rows, expected = RunFolder(outcome.run_dir).metrics(), RunFolder(uninterrupted).metrics()
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    for row, want in zip(rows, expected):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"):
            assert math.isclose(row[key], want[key], rel_tol=1e-4, abs_tol=1e-6), (key, row, want)


def test_the_command_line_starts_from_a_run_or_says_what_to_download(
    folders, base_run, tmp_path, capsys, monkeypatch
):
    from netlib.cli import main
    from tests.weights_files import closed_port_url

    runs = tmp_path / "runs"
    assert main(["train", str(folders[1]), "--model", "lenet5", "--weights", str(base_run),
                 "--freeze-epochs", "1", "--epochs", "2", "--runs", str(runs)]) == 0
    out = capsys.readouterr().out
    assert "Epochs 1-1: the base frozen" in out and "Epochs 2-2: the base unfrozen" in out
    [run] = RunFolder.list_runs(runs)
    assert run.config().weights == str(base_run) and run.config().weights_file.endswith("best.keras")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    publish(monkeypatch, "mobilenet_v2", closed_port_url() + "/")
    assert main(["train", str(folders[1]), "--model", "mobilenet_v2", "--weights", "imagenet",
                 "--runs", str(runs)]) == 2
    error = capsys.readouterr().err
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5" in error
    assert str(tmp_path / "keras" / "models") in error
