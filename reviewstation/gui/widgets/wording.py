"""Small wording helpers, so that messages read as sentences ("1 artifact", "3 artifacts").

``counted`` lives in the base layer (``reviewstation.text``) so the command line uses the same
one; the GUI imports it from here."""

from __future__ import annotations

from reviewstation.text import counted

__all__ = ["counted"]
