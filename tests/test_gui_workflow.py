"""The zero-configuration path, end to end, as a user takes it on a first start: the
digits and LeNet-5 are already chosen; two epochs; Start; the Results page shows the
confusion matrix and the misclassified images; a PNG dropped on the window is predicted
with the new run's model; the pages render with that real content."""

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from drag_and_drop import drop_files
from gui_windows import fresh_settings, open_window
from gui.screenshot import take_screenshots
from gui.tasks import DIGITS
from netlib.predict import predict
from netlib.train import Finished

REPO = Path(__file__).resolve().parent.parent
RUN_MS = 180_000


@pytest.mark.slow
def test_first_start_train_evaluate_predict(qtbot, tmp_path, monkeypatch):
    fresh_settings(monkeypatch, tmp_path / "settings", {"runs/folder": str(tmp_path / "runs")})
    window = open_window(qtbot)

    # Train: nothing to choose but the number of epochs.
    train = window.page("train")
    window.show_page("train")
    assert (train.model_name, train.dataset_source) == ("lenet5", DIGITS)
    train.form.fields["epochs"].setValue(2)
    with qtbot.waitSignal(train.run_ended, timeout=RUN_MS) as ended:
        qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    outcome = ended.args[0]
    assert isinstance(outcome, Finished) and outcome.epochs_completed == 2
    run = Path(outcome.run_dir)
    assert run.parent == tmp_path / "runs" and (run / "best.keras").is_file()
    assert train.curves.points("val_loss")[0] == [1.0, 2.0]
    qtbot.waitUntil(window.is_idle, timeout=RUN_MS)

    # Results: the run just trained, evaluated once the page is on screen.
    results = window.page("results")
    with qtbot.waitSignal(results.evaluation_shown, timeout=RUN_MS) as shown:
        window.show_page("results")
    evaluation = shown.args[0]
    assert results.run_dir == run and evaluation["run"] == run.name
    assert results.confusion.counts.sum() == evaluation["images"] == 359
    assert results.confusion.counts.tolist() == evaluation["confusion_matrix"]
    mistakes = evaluation["misclassified"]
    assert len(results.gallery.shown_items()) == len(mistakes) > 0
    assert results.gallery.view.model().rowCount() == len(mistakes)

    # Predict: a PNG dropped on the window, with the new run's model.
    predict_page = window.page("predict")
    qtbot.waitUntil(lambda: predict_page.predictor is not None
                    and predict_page.predictor.key == f"run:{run}", timeout=RUN_MS)
    png = tmp_path / "four.png"
    Image.open(REPO / "resources" / "digits" / "4" / "0004.png").save(png)
    with qtbot.waitSignal(predict_page.predictions_shown, timeout=RUN_MS) as predicted:
        assert drop_files(window, png)[0]
    assert window.current_page() is predict_page
    [entry] = predicted.args[0]
    [expected] = predict(run, [str(png)], top=5)
    assert [name for name, _ in entry.top] == [name for name, _ in expected.top]
    assert entry.top[0][1] == pytest.approx(expected.top[0][1], abs=1e-6)
    qtbot.waitUntil(window.is_idle, timeout=RUN_MS)

    # The pages as pictures, with this run's content (what --screenshot writes).
    paths = take_screenshots(window, tmp_path / "shots", ["train", "results", "predict", "runs"])
    assert [p.name for p in paths] == ["train.png", "results.png", "predict.png", "runs.png"]
    assert len(list((tmp_path / "runs").iterdir())) == 1  # pictured, not trained again
    for path in paths:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (window.width(), window.height())
        colours = {image.pixel(x, y) for x in range(0, image.width(), 5)
                   for y in range(0, image.height(), 5)}
        assert len(colours) > 40, path.name  # curves, heat maps, bars: not a blank page
