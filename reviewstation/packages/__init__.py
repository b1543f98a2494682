"""Sealed findings packages: what is inside, how it is sealed, verified and imported."""
