"""Which block of its paper a layer belongs to, read from the layer's name.

Block membership is the one thing in a summary taken from names rather than from the
graph: the papers name their stages (ResNet's conv3_x, GoogLeNet's inception (4a),
EfficientNet's stage 3) and Keras-style builders carry those names into the layer names.
"""

from __future__ import annotations

import re

# (pattern, block, example). The pattern is matched at the start of the layer's own name
# (the last component of a nested "outer/inner" name); the first match wins, so the more
# specific patterns come first. `(?=_|$)` keeps `block1` from matching inside `block12`.
BLOCK_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (r"(conv\d+_block\d+)(?=_|$)", r"\1", "ResNet: conv3_block2_1_conv -> conv3_block2"),
    (r"(inception_\d[a-z])(?=_|$)", r"\1", "GoogLeNet: inception_3a_1x1 -> inception_3a"),
    (r"(aux\d)(?=_|$)", r"\1", "GoogLeNet auxiliary heads: aux1_fc -> aux1"),
    (r"(block_\d+)(?=_|$)", r"\1", "MobileNetV2: block_3_expand -> block_3"),
    (r"expanded_conv(?=_|$)", "block_0", "MobileNetV2: expanded_conv_project -> block_0"),
    (r"(block\d+[a-z])(?=_|$)", r"\1", "EfficientNet: block2a_expand_conv -> block2a"),
    (r"(block\d+)(?=_|$)", r"\1", "VGG: block3_conv1 -> block3"),
    (r"conv_(?:dw|pw|pad)_(\d+)(?=_|$)", r"block_\1", "MobileNet: conv_pw_5_bn -> block_5"),
    (r"(mlpconv\d+)(?=_|$)", r"\1", "NiN: mlpconv2_cccp1 -> mlpconv2"),
    # Stems and heads: the stage names AlexNet, GoogLeNet and ResNet use (conv1, pool1,
    # fc6). A trailing "_" is required so that Keras' VGG head (fc1, fc2) stays unnamed.
    (r"((?:conv|pool|fc)\d+)_", r"\1", "AlexNet: conv1_lrn -> conv1; ResNet: pool1_pool -> pool1"),
    (r"([csf]\d+)_", r"\1", "LeNet-5: c3_conv -> c3, s4_pool -> s4, f6_dense -> f6"),
)
# Anything else (inputs, rescaling, EfficientNet's stem_* and top_*, a plain "predictions")
# has no block: the papers do not name those stages, so neither do we.

_COMPILED = tuple((re.compile(p), block) for p, block, _ in BLOCK_PATTERNS)


def block_of(layer_name: str) -> str:
    """The block a layer belongs to ("" for none), by the first matching BLOCK_PATTERNS
    entry. For a nested layer ("backbone/conv2_block1_1_conv") the last component counts."""
    own_name = layer_name.rsplit("/", 1)[-1]
    for pattern, block in _COMPILED:
        match = pattern.match(own_name)
        if match:
            return match.expand(block)
    return ""
