"""The staging dialog's treatment of a triage label's decision (issue 19 item 1): a decision on
a label decided here is never pre-accepted and says what accepting does."""

from __future__ import annotations

from reviewstation.gui.pages.packages.staging_dialog import preaccepted, status_text
from reviewstation.gui.widgets.theme import ICON
from reviewstation.packages.staging import Item


def test_a_label_decided_here_is_not_pre_accepted() -> None:
    """A package's decision on a label that a lead decided here replaces that decision only
    when ticked; a decision on a label open here starts accepted, like any change."""
    held = "disputed by erin"
    for status in ("changed", "conflicting"):
        item = Item("label/u", "label", status, "triage reward-hacking", decided_here=held)
        assert not preaccepted(item)
        assert status_text(item) == (
            f"{ICON} {status}; disputed by erin here: accepting replaces that decision"
        )
    assert preaccepted(Item("label/u", "label", "changed", "triage reward-hacking"))
    assert status_text(Item("label/u", "label", "changed", "t")) == "changed"
