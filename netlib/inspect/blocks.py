"""Which block of its paper a layer belongs to, read from the layer's name.

Block membership is the one thing in a summary taken from names rather than from the
graph: the papers name their stages (ResNet's conv3_x, GoogLeNet's inception (4a),
EfficientNet's stage 3) and Keras-style builders carry those names into the layer names.
Each family declares its patterns beside its builders (`netlib.registry.register_family`);
a layer name is matched at the start of its own name (the last component of a nested
"outer/inner" name), and the first pattern that matches names the block.
"""

from __future__ import annotations

import functools
import re

from netlib import registry

# Anything no pattern matches (inputs, rescaling, EfficientNet's stem_* and top_*, a plain
# "predictions") has no block: the papers do not name those stages, so neither do we.


@functools.lru_cache(maxsize=None)
def patterns(family: str | None = None) -> tuple[tuple[re.Pattern, str], ...]:
    """The compiled (pattern, block) pairs of `family`, in its order. For None (a model
    from elsewhere, family unknown): every family's, in the order the papers appeared,
    the general patterns (those that also match other families' names) last."""
    if family is not None:
        declared = registry.family_info(family).blocks
    else:
        every = [p for f in registry.list_families() for p in registry.family_info(f).blocks]
        declared = [p for p in every if not p.general]
        declared += [p for p in dict.fromkeys(every) if p.general]
    return tuple((re.compile(p.pattern), p.block) for p in declared)


def block_of(layer_name: str, family: str | None = None) -> str:
    """The block a layer belongs to ("" for none), by the first matching pattern of
    `family` (None: of every family). For a nested layer ("backbone/conv2_block1_1_conv")
    the last component counts."""
    own_name = layer_name.rsplit("/", 1)[-1]
    for pattern, block in patterns(family):
        match = pattern.match(own_name)
        if match:
            return match.expand(block)
    return ""
