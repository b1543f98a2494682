"""Findings: what the review found, with revisions, two-person rules and full-text search."""
