"""The pages of the main window, one QWidget subclass per module (see gui/__init__.py)."""
