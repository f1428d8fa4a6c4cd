"""nin: not written yet."""
