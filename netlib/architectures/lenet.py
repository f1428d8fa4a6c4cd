"""lenet: not written yet."""
