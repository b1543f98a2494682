"""One subpackage per tab of the main window."""
