"""The input convention of keras.applications' ImageNet weights, as a layer, so that a
saved model takes raw 0-255 pixels whatever weights it started from."""

from __future__ import annotations

import keras
from keras import ops

# keras.applications.imagenet_utils' mean pixel of mode "caffe", in BGR order.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="convlab")
class ImagenetPreprocessing(keras.layers.Layer):
    """keras.applications' `preprocess_input` inside the model, for RGB pixels 0-255.

    `mode` "caffe" (VGG, ResNet): channels reversed to BGR and the ImageNet mean pixel
    subtracted, unscaled; "tf" (the MobileNets): pixels scaled to [-1, 1].
    """

    MODES = ("caffe", "tf")

    def __init__(self, mode: str, **kwargs):
        super().__init__(**kwargs)
        if mode not in self.MODES:
            raise ValueError(f"ImagenetPreprocessing mode must be 'caffe' or 'tf'; received mode={mode!r}.")
        self.mode = mode

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        if self.mode == "tf":
            return x / 127.5 - 1.0
        return ops.flip(x, axis=-1) - ops.convert_to_tensor(CAFFE_MEAN_BGR, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
