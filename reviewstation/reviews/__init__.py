"""Reviews: one per submitted model, with its 30-day clock, determination and workflow."""
