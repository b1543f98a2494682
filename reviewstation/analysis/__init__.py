"""Evaluation analysis: comparing Inspect runs sample by sample, with paired statistics.

Qt-free and vault-free: ``runs`` reads the light per-sample rows (id, epoch, scores, error,
limit) of a log from a stream, ``outcomes`` turns Inspect score values into numbers and
solves, ``stats`` holds the statistics (Wilson, exact McNemar, bootstrap), ``comparison``
aligns runs and tests them, ``transcripts`` loads one sample's record and finds where two
transcripts diverge. ``reviewstation.app.compare`` reads artifacts from the vault into these.
"""
