"""efficientnet: not written yet."""
