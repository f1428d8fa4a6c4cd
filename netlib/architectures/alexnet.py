"""alexnet: not written yet."""
