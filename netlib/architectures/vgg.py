"""vgg: not written yet."""
