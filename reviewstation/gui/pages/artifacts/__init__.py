"""Artifacts, custody and the inspectors' panels."""
