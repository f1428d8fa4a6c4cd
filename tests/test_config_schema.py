"""TrainConfig's schema: one definition of every training setting, read by the checks, the
command line's --set and --help, and the app's form."""

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from netlib import augment_spec
from netlib.train.config import GROUPS, SETTINGS, ConfigError, TrainConfig

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def config(tmp_path) -> TrainConfig:
    return TrainConfig.for_model("resnet20", tmp_path)


def test_every_setting_is_described_once_with_a_group_and_help():
    for name, setting in SETTINGS.items():
        assert setting.name == name and setting.label and setting.help, name
        assert setting.group in (*GROUPS, None), name
    # Only the page's own choices (network and dataset) are outside the form.
    assert [n for n, s in SETTINGS.items() if s.group is None] == ["model", "dataset"]


def test_each_setting_reads_back_the_text_it_writes(config):
    for name, setting in SETTINGS.items():
        if name in ("model", "dataset"):
            continue
        value = getattr(config, name)
        text = setting.format(value)
        assert config.with_setting(name, text) == config, (name, text)


@pytest.mark.parametrize(
    "field, text",
    [
        ("batch_size", "0"),
        ("epochs", "many"),
        ("learning_rate", "-1"),
        ("optimizer", "rmsprop"),
        ("nesterov", "perhaps"),
        ("lr_milestones", "0.5, 2"),
        ("augment", "flip, sharpen"),
        ("image_size", "5000"),
        ("early_stopping", "0"),
    ],
)
def test_a_refused_value_names_its_field(config, field, text):
    with pytest.raises(ConfigError) as refused:
        config.with_setting(field, text)
    assert refused.value.field == field
    assert str(refused.value).startswith(field) or field in str(refused.value)


def test_settings_that_limit_each_other_name_the_one_to_change(config):
    with pytest.raises(ConfigError) as refused:
        config.replace(schedule="cosine", epochs=4, warmup_epochs=4)
    assert refused.value.field == "warmup_epochs" and "raise Epochs" in str(refused.value)
    with pytest.raises(ConfigError) as refused:
        config.replace(model_options={"colour": "blue"})
    assert refused.value.field == "model_options"
    assert "Unknown setting 'colour'" in str(refused.value) and "shortcut" in str(refused.value)
    with pytest.raises(ConfigError) as refused:
        config.replace(validation=0.0, schedule="plateau")
    assert refused.value.field == "validation"


def test_lists_typed_with_spaces_are_accepted_and_written_back_alike(config):
    spaced = config.with_setting("augment", "flip, rotation")
    assert spaced.augment == ["flip", "rotation"]
    assert SETTINGS["augment"].format(spaced.augment) == "flip, rotation"
    assert config.with_setting("augment", "flip,rotation") == spaced
    # A config written by an earlier version with a spaced string reads back too.
    assert config.replace(augment="flip, rotation").augment == ["flip", "rotation"]
    assert config.with_setting("lr_milestones", " 0.25 , 0.5 ").lr_milestones == (0.25, 0.5)


def test_a_short_run_cuts_the_family_warm_up_and_says_so(tmp_path):
    notices = []
    config = TrainConfig.for_model("mobilenet_v2", tmp_path, recipe="paper", epochs=2,
                                   notices=notices)
    family = TrainConfig.for_model("mobilenet_v2", tmp_path, recipe="paper")
    assert family.warmup_epochs > 0.5 and config.warmup_epochs == 0.5
    assert any("warmup_epochs" in n and "quarter" in n for n in notices)
    # A warm-up the user asked for is theirs: refused if it cannot fit, never changed.
    with pytest.raises(ConfigError, match="warmup_epochs must be below epochs"):
        TrainConfig.for_model("mobilenet_v2", tmp_path, recipe="paper", epochs=2,
                              warmup_epochs=2)


def test_no_familys_defaults_send_the_user_to_the_test_suite():
    # What the Train page shows under the network (issue 15, item 4).
    from netlib import list_models
    from netlib.train import defaults_for

    for name in list_models():
        source = defaults_for(name).source
        assert "tests/" not in source and "test_" not in source, name


def test_checking_a_config_builds_no_augmentation_layers(tmp_path):
    # The app checks its form on every change: the spec is checked as data.
    code = (
        "import sys; from netlib.train.config import TrainConfig; "
        f"TrainConfig.for_model('lenet5', {str(tmp_path)!r}, augment='flip, crop_flip'); "
        "print('netlib.augment' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


def test_importing_the_schema_imports_no_keras():
    code = "import sys; import netlib.train.config; print('keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_augmentation_spec_lists_what_each_layer_takes():
    from netlib.augment import _LAYER_CLASSES

    for name, entry in augment_spec.AUGMENTATIONS.items():
        accepted = inspect.signature(_LAYER_CLASSES[name].__init__).parameters
        taken = [p for p in accepted if p not in ("self", "kwargs", "seed")]
        assert list(entry.parameters) == taken, name
        assert entry.main in entry.parameters and set(entry.defaults) <= set(entry.parameters)


def test_train_help_lists_every_setting_with_its_choices_and_bounds(capsys):
    from netlib.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name, setting in SETTINGS.items():
        if setting.group is None:
            continue
        assert f" {name} " in text, name
        assert " ".join(setting.describe_valid().split()) in text, name


def test_a_short_pretrained_run_keeps_the_recipes_share_of_frozen_epochs(tmp_path):
    # The "pretrained" recipe freezes 3 of 10 epochs; `train --weights imagenet --epochs 1`
    # was refused ("freeze_epochs must be at most epochs").
    notices = []
    config = TrainConfig.for_model("mobilenet_v2", tmp_path, weights="imagenet", epochs=1,
                                   notices=notices)
    assert config.freeze_epochs == 1
    assert any(n.startswith("freeze_epochs cut from the recipe's 3 to 1") for n in notices)
    assert TrainConfig.for_model("mobilenet_v2", tmp_path, weights="imagenet",
                                 epochs=5).freeze_epochs == 3
    with pytest.raises(ConfigError, match="freeze_epochs"):  # a choice of the user's stays
        TrainConfig.for_model("mobilenet_v2", tmp_path, weights="imagenet", epochs=1,
                              freeze_epochs=3)
