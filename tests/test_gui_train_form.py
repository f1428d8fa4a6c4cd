"""The Train page's form is generated from TrainConfig's schema: the same fields, choices,
bounds and help as `python main.py train --help`, and a refusal marks the field it names."""

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from gui.widgets.train_form import TrainConfigForm
from netlib.data import digits_folder
from netlib.train.config import SETTINGS, TrainConfig


def _form(qtbot) -> TrainConfigForm:
    form = TrainConfigForm()
    qtbot.addWidget(form)
    return form


def test_the_form_offers_what_the_schema_allows(qtbot):
    form = _form(qtbot)
    assert set(form.fields) == {n for n, s in SETTINGS.items() if s.group is not None}
    for name, widget in form.fields.items():
        setting = SETTINGS[name]
        assert setting.describe_valid() in widget.toolTip() and setting.help in widget.toolTip()
        if isinstance(widget, QComboBox):
            offered = [widget.itemData(i) for i in range(widget.count())]
            assert offered == ([None] if setting.optional else []) + list(setting.choices), name
        elif isinstance(widget, QSpinBox):
            low = int(setting.minimum) - (1 if setting.optional else 0)
            assert (widget.minimum(), widget.maximum()) == (low, int(setting.maximum)), name
        elif isinstance(widget, QDoubleSpinBox):
            assert widget.maximum() == setting.maximum and widget.minimum() >= setting.minimum


def test_a_config_shown_reads_back_equal(qtbot, tmp_path):
    form = _form(qtbot)
    for model, changes in (
        ("resnet20", {"augment": ["flip", "rotation"], "early_stopping": 4,
                      "model_options": {"shortcut": "B"}, "image_size": 40}),
        ("mobilenet_v2", {"color_mode": "grayscale", "lr_milestones": (0.3, 0.6)}),
    ):
        config = TrainConfig.for_model(model, tmp_path, **changes)
        form.set_config(config)
        assert form.config(model, str(tmp_path)) == config


def test_a_refused_value_is_shown_beside_its_field_and_above_the_form(qtbot):
    form = _form(qtbot)
    form.show()
    form.set_config(TrainConfig.for_model("lenet5", digits_folder()))
    epochs, warmup = form.fields["epochs"], form.fields["warmup_epochs"]
    form.set_values({"schedule": "cosine", "warmup_epochs": 3.0})
    epochs.setValue(2)
    try:
        form.config("lenet5", str(digits_folder()))
    except ValueError as error:
        form.set_problem(error)
    assert form.problem_field() == "warmup_epochs"
    assert warmup.property("invalid") is True and epochs.property("invalid") is not True
    assert "raise Epochs" in form.problem()
    form.set_problem(None)
    assert form.problem() == "" and form.problem_field() is None
