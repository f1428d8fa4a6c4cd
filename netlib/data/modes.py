"""How a decoded image is shaped (its colour mode and how it is resized to the target size)
and how training draws and weighs the images. Plain names, imported by the data code and
by TrainConfig's schema alike."""

COLOR_MODES = ("rgb", "grayscale")
# squash: stretch to the target size (Keras' default); crop: centre crop to the target's
# aspect ratio, then resize; pad: resize to fit inside, then pad with black.
RESIZE_MODES = ("squash", "crop", "pad")
# Making up for unbalanced classes (netlib.data.balance): "balanced" class weights are
# inverse class frequencies in the loss; "balanced" sampling draws every class equally
# each epoch (ImageBatches).
CLASS_WEIGHTS = ("none", "balanced")
SAMPLINGS = ("uniform", "balanced")
