"""The Keras layer classes that the MAC and receptive-field rules tell apart."""

from __future__ import annotations

import keras

from netlib.layers import LocalResponseNormalization, ZeroPadShortcut

CONVOLUTIONS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
DEPTHWISE = (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)
SEPARABLE = (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)
TRANSPOSED = (
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
)
# Layers that slide a kernel: (kernel_size, strides, padding, dilation_rate) attributes.
WINDOWS = CONVOLUTIONS + DEPTHWISE + SEPARABLE
POOLING = (
    keras.layers.MaxPooling1D,
    keras.layers.MaxPooling2D,
    keras.layers.MaxPooling3D,
    keras.layers.AveragePooling1D,
    keras.layers.AveragePooling2D,
    keras.layers.AveragePooling3D,
)
# After these, every unit depends on the whole input.
GLOBALISING = (
    keras.layers.Flatten,
    keras.layers.GlobalAveragePooling1D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalAveragePooling3D,
    keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.GlobalMaxPooling3D,
)
ZERO_PADDING = (keras.layers.ZeroPadding1D, keras.layers.ZeroPadding2D,
                keras.layers.ZeroPadding3D)
CROPPING = (keras.layers.Cropping1D, keras.layers.Cropping2D, keras.layers.Cropping3D)
# Layers that compute each output pixel from the same pixel of their input(s). The
# normalisations' statistics (batch statistics in training, per-image ones for Layer and
# Group normalisation) are context, like a squeeze-excite gate, and are not counted.
PER_PIXEL = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.PReLU,
    keras.layers.ELU,
    keras.layers.Softmax,
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.GroupNormalization,
    keras.layers.UnitNormalization,
    keras.layers.Dropout,
    keras.layers.SpatialDropout1D,
    keras.layers.SpatialDropout2D,
    keras.layers.SpatialDropout3D,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
    keras.layers.ActivityRegularization,
    keras.layers.Rescaling,
    keras.layers.Normalization,
    keras.layers.Identity,
    keras.layers.Dense,  # on a map, a Dense acts on each position's channels only
    LocalResponseNormalization,  # across channels, within one pixel
    keras.layers.Add,
    keras.layers.Subtract,
    keras.layers.Multiply,
    keras.layers.Average,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Concatenate,
)
# Layers whose receptive field we do not follow (fractional jumps, rescaled pixels).
UNTRACKED = TRANSPOSED + (
    keras.layers.UpSampling1D,
    keras.layers.UpSampling2D,
    keras.layers.UpSampling3D,
    keras.layers.Resizing,
)
# Layers with weights that do no multiply-accumulates on a forward pass.
WEIGHTED_WITHOUT_MACS = (
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.GroupNormalization,
    keras.layers.PReLU,
    keras.layers.Normalization,
    keras.layers.Embedding,
    LocalResponseNormalization,
    ZeroPadShortcut,
)
