"""The registry's contract: natural order, filters, and errors that name what is valid."""

import pytest

import netlib
from netlib.registry import Option, _natural_key


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
