"""Pages still to be built: each says what it will do."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.pages.base import Page


class PlaceholderPage(Page):
    """A page that is not built yet: its title and a paragraph on what is coming."""

    def __init__(self, key: str, title: str, coming: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = key
        self.title = title
        self.summary = coming
        heading = QLabel(title)
        heading.setObjectName("pageHeading")
        text = QLabel(coming)
        text.setWordWrap(True)
        text.setObjectName("placeholderText")
        text.setMaximumWidth(620)
        note = QLabel("This page is coming in a later version of ConvLab.")
        note.setObjectName("mutedText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(12)
        for label in (heading, text, note):
            layout.addWidget(label)
        layout.addStretch(1)


# What each page still to come will do: shown on the page and as its navigation tooltip.
COMING = {
    "train": (
        "Train",
        "Train the network chosen on the Architectures page on the dataset chosen on the "
        "Dataset page: optimiser, learning-rate schedule, augmentation and epochs, with "
        "live loss and accuracy curves, throughput, and the device in use. Runs can be "
        "stopped and resumed from their last checkpoint.",
    ),
    "results": (
        "Results",
        "Evaluate a trained run: top-1 and top-5 accuracy, the confusion matrix, and the "
        "misclassified images with the model's top-5 guesses for each.",
    ),
    "predict": (
        "Predict",
        "Drop images on the window to see a trained model's top-5 classes for each, with "
        "the same preprocessing as in training, and class-activation heatmaps showing "
        "where the network looked.",
    ),
    "runs": (
        "Runs",
        "Every training run with its configuration, metrics and checkpoints: compare "
        "runs, resume one, export a model, or delete what is no longer needed.",
    ),
}
