"""The Settings screen and its sections."""
