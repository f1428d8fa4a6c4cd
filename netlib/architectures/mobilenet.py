"""mobilenet: not written yet."""
