"""Reusable widgets of the app's pages."""
