"""Benchmarks: run on demand (`make bench`), never part of the test suite.

Each prints absolute figures and a ratio against a reference measured in the same run, since
these machines are noisy and only a ratio holds from run to run.
"""
