"""The layer table of a network: shapes, parameters, MACs, receptive fields, blocks.

    >>> summary = netlib.summarize(keras.applications.ResNet50(weights=None))
    >>> summary.totals.params, summary.row("conv5_block3_out").receptive_field
    (25636712, 483)
    >>> print(summary.to_table())

`summarize` works from the graph of any Keras functional or sequential model (ConvLab's,
keras.applications', one loaded from a .keras file), nested models expanded. The rules:
MACs in `netlib.inspect.macs`, receptive fields in `netlib.inspect.receptive`, blocks in
`netlib.inspect.blocks`.
"""

from netlib.inspect.analysis import clear_cache, summarize
from netlib.inspect.blocks import BLOCK_PATTERNS, block_of
from netlib.inspect.summary import CONVENTIONS, Block, Row, Summary, Totals

__all__ = [
    "BLOCK_PATTERNS",
    "CONVENTIONS",
    "Block",
    "Row",
    "Summary",
    "Totals",
    "block_of",
    "clear_cache",
    "summarize",
]
