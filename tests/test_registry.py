"""The registry's contract: natural order, filters, errors that name what is valid, the
families' declarations, and the check of a configuration against its published counts."""

from types import SimpleNamespace

import pytest

import netlib
from netlib.registry import Option, Recipe, _natural_key, family_info, register_family
from netlib.train import defaults_for


def test_natural_sort_puts_resnet18_before_resnet101():
    assert sorted(["resnet101", "resnet18", "resnet152", "resnet34"], key=_natural_key) == [
        "resnet18",
        "resnet34",
        "resnet101",
        "resnet152",
    ]


def test_list_models_is_naturally_sorted_and_filters():
    names = netlib.list_models()
    assert names == sorted(names, key=_natural_key)
    resnets = netlib.list_models("resnet*")
    assert resnets and all(n.startswith("resnet") for n in resnets)
    assert resnets.index("resnet18") < resnets.index("resnet101")
    assert netlib.list_models("mobile") == ["mobilenet", "mobilenet_v2"]
    assert netlib.list_models("no-such-thing") == []


def test_unknown_model_names_the_valid_ones():
    with pytest.raises(ValueError) as error:
        netlib.build("resnet05")
    message = str(error.value)
    assert "resnet05" in message and "resnet50" in message and "lenet5" in message


def test_unknown_option_names_the_valid_ones():
    with pytest.raises(ValueError, match="options are: .*batch_norm"):
        netlib.build("vgg16", batchnorm=True)


def test_bad_option_value_names_the_allowed_values():
    with pytest.raises(ValueError, match=r"shortcut .*'A', 'B', 'C'.*received shortcut='D'"):
        netlib.build("resnet20", shortcut="D")


def test_bad_classes_and_pooling_and_shape_are_refused():
    with pytest.raises(ValueError, match="classes"):
        netlib.build("lenet5", classes=0)
    with pytest.raises(ValueError, match="pooling"):
        netlib.build("lenet5", include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="input_shape"):
        netlib.build("lenet5", input_shape=(32, 32, 1, 1))


def test_option_coercion_from_command_line_strings():
    flag = Option("batch_norm", False)
    assert flag.validate("true") is True and flag.validate("off") is False
    with pytest.raises(ValueError, match="bool"):
        flag.validate("maybe")
    alpha = Option("alpha", 1.0, choices=(0.25, 0.5, 0.75, 1.0))
    assert alpha.validate("0.5") == 0.5
    with pytest.raises(ValueError, match="0.25, 0.5, 0.75, 1.0"):
        alpha.validate("0.6")
    rate = Option("dropout", 0.5, minimum=0.0, maximum=1.0)
    with pytest.raises(ValueError, match=">= 0.0 and <= 1.0"):
        rate.validate(1.5)


def test_model_info_carries_paper_and_options():
    info = netlib.model_info("resnet50")
    assert info.year == 2015 and "Deep Residual Learning" in info.paper
    assert info.input_shape == (224, 224, 3)
    assert info.option("shortcut").choices == ("A", "B", "C")
    assert info.reference.params == 25_557_032


def test_reference_for_matches_options_classes_and_size_exactly():
    info = netlib.model_info("resnet50")
    assert info.reference_for({}, 1000).params == 25_557_032
    assert info.reference_for({"shortcut": "B"}, 1000, 224).params == 25_557_032  # defaults
    assert info.reference_for({"use_bias": True}, 1000).params == 25_636_712
    assert info.reference_for({}, 10) is None
    assert info.reference_for({}, 1000, 160) is None
    assert netlib.model_info("lenet5").reference_for({}, 10).params == 61_706


# ------------------------------------------------------------------------------ families


def test_every_family_declares_block_patterns_and_a_default_recipe():
    for family in netlib.list_families():
        declared = family_info(family)
        assert declared.blocks, family
        assert list(declared.recipes)[0] == "default", family
    assert netlib.list_families()[:3] == ["LeNet", "AlexNet", "NiN"]  # the papers' order


def test_a_model_reads_its_familys_recipes_or_its_own():
    resnet20 = netlib.model_info("resnet20")
    assert resnet20.recipe() is family_info("ResNet").recipes["default"]
    # The default is measured on small data; the paper's SGD schedule stays as "paper".
    assert resnet20.recipe().values["optimizer"] == "adam"
    assert resnet20.recipe("paper").values["optimizer"] == "sgd"
    plain20 = netlib.model_info("plain20")  # family ResNet, trained as its ResNet
    assert plain20.family == "ResNet" and "plain baselines" in plain20.recipe("paper").source
    # An ImageNet network's own default: the family's, at a size a CPU trains at.
    resnet18 = netlib.model_info("resnet18").recipe()
    assert resnet18.values == {**resnet20.recipe().values, "image_size": 64}
    assert defaults_for("mobilenet_v2") is family_info("MobileNetV2").recipes["default"]
    with pytest.raises(ValueError, match="recipes are: default, paper"):
        resnet20.recipe("imagenet")
    with pytest.raises(TypeError):
        resnet20.recipe().values["epochs"] = 1  # shared by every config: read-only


def test_a_family_is_declared_once_with_its_default_first():
    with pytest.raises(ValueError, match="already registered"):
        register_family("ResNet")
    with pytest.raises(ValueError, match="named 'default'"):
        register_family("Untrained", recipes=(Recipe("paper", {}, "nowhere"),))


# ------------------------------------------------------------------ published counts


def _totals(params, trainable_params, macs):
    # What check_reference reads of a layer table's Totals.
    return SimpleNamespace(params=params, trainable_params=trainable_params, macs=macs)


def test_reference_check_counts_what_the_source_counts():
    info = netlib.model_info("resnet50")
    check = info.check_reference(_totals(25_610_152, 25_557_032, 3.86e9), {}, 1000)
    assert check.trainable_only and check.counted == 25_557_032  # torchvision's count
    assert check.params_match and check.macs_match and check.matches
    assert check.macs_offset == pytest.approx(3.86 / 3.8 - 1)
    with_bias = info.check_reference(_totals(25_636_712, 25_583_592, 4e9), {"use_bias": True},
                                     1000)
    assert not with_bias.trainable_only and with_bias.counted == 25_636_712  # Keras' count
    assert with_bias.matches and with_bias.macs_match is None  # no MACs from that source


def test_reference_check_says_what_differs():
    info = netlib.model_info("resnet50")
    slow = info.check_reference(_totals(25_610_152, 25_557_032, 3.8e9 * 1.04), {}, 1000)
    assert slow.params_match and slow.macs_match is False and slow.matches is False
    wrong = info.check_reference(_totals(25_610_153, 25_557_033, 3.8e9), {}, 1000)
    assert wrong.params_match is False and wrong.matches is False
    unknown = info.check_reference(_totals(100, 90, 1), {}, 7)
    assert unknown.reference is None and unknown.matches is None
    assert not unknown.trainable_only  # one of resnet50's figures counts every weight
    assert netlib.model_info("resnet20").check_reference(_totals(9, 8, 1), {}, 7).counted == 8
