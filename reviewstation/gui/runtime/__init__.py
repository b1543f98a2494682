"""The GUI's machinery: the vault thread, long operations, failures, session context."""
