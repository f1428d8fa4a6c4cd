"""How a decoded image is shaped: its colour mode and how it is resized to the target size.
Plain names, imported by the decoder and by TrainConfig's schema alike."""

COLOR_MODES = ("rgb", "grayscale")
# squash: stretch to the target size (Keras' default); crop: centre crop to the target's
# aspect ratio, then resize; pad: resize to fit inside, then pad with black.
RESIZE_MODES = ("squash", "crop", "pad")
