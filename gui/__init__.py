"""ConvLab's desktop app (PySide6). Imports netlib; netlib never imports this package."""
