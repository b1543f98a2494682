"""The findings table and editor."""
