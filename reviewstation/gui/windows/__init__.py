"""Top-level windows and dialogs: unlock, new vault, main window, settings."""
