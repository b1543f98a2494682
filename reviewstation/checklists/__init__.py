"""Checklist templates (versioned data files) and runs of them against a review."""
