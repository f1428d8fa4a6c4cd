"""The layer table of a network: shapes, parameters, MACs, receptive fields, blocks.

    >>> summary = netlib.summarize(keras.applications.ResNet50(weights=None))
    >>> summary.totals.params, summary.row("conv5_block3_out").receptive_field
    (25636712, 483)
    >>> print(plain_text(summary))            # or markdown_text, csv_text; to_json()

`summarize` works from the graph of any Keras functional or sequential model (ConvLab's,
keras.applications', one loaded from a .keras file), nested models expanded. The rules:
MACs in `netlib.inspect.macs`, receptive fields in `netlib.inspect.receptive`, blocks in
`netlib.inspect.blocks` (each family's patterns beside its builders), text forms in
`netlib.inspect.render`.
"""

from netlib.inspect.analysis import clear_cache, summarize
from netlib.inspect.blocks import block_of
from netlib.inspect.render import csv_text, markdown_text, plain_text
from netlib.inspect.summary import CONVENTIONS, Block, Row, Summary, Totals

__all__ = [
    "CONVENTIONS",
    "Block",
    "Row",
    "Summary",
    "Totals",
    "block_of",
    "clear_cache",
    "csv_text",
    "markdown_text",
    "plain_text",
    "summarize",
]
