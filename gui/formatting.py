"""The app writes numbers, sizes and shapes as the command line and the exports do: this
module is `netlib.formatting` under the name the Dataset page still imports."""

from netlib.formatting import MISSING, count, receptive_field, shape, si, size_in_bytes

__all__ = ["MISSING", "count", "receptive_field", "shape", "si", "size_in_bytes"]
