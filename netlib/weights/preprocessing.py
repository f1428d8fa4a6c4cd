"""The input convention of pretrained weights as layers (registry.PREPROCESSING's keys),
and an inference model of raw pixels around a network."""

from __future__ import annotations

import keras

__all__ = ["preprocessing_layers", "inference_model", "OUTPUT_NAME"]

OUTPUT_NAME = "probabilities"


def preprocessing_layers(convention: str) -> list[keras.layers.Layer]:
    """The layers that turn uint8 RGB pixels into what weights of `convention` expect:
    none for "inside" (the network does it)."""
    from netlib.layers import ImagenetPreprocessing

    if convention == "inside":
        return []
    return [ImagenetPreprocessing(convention, name="imagenet_preprocessing")]


def inference_model(network: keras.Model, convention: str, name: str) -> keras.Model:
    """uint8 pixels -> `convention`'s preprocessing -> `network` (logits) -> softmax, in
    float32."""
    pixels = keras.Input(shape=network.inputs[0].shape[1:], dtype="uint8", name="pixels")
    x = pixels
    for layer in preprocessing_layers(convention):
        x = layer(x)
    probabilities = keras.layers.Activation("softmax", dtype="float32", name=OUTPUT_NAME)
    return keras.Model(pixels, probabilities(network(x)), name=name)
