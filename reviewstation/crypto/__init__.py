"""Thin wrappers over pyca/cryptography: no I/O, no Qt, nothing home-made below them."""
