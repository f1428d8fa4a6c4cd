"""resnet: not written yet."""
