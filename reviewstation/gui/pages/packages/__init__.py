"""Sealed packages: export wizard, approvals, verify and import."""
