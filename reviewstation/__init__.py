"""ReviewStation: an offline workstation for confidential review of frontier AI models.

Everything in this package except ``reviewstation.gui`` is free of Qt.
"""

__version__ = "0.1.0"
