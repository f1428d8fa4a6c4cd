"""googlenet: not written yet."""
