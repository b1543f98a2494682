"""Checklist runs and the walkthrough."""
