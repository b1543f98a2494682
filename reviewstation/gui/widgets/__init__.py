"""Shared widgets and looks: theme, banners, dialogs, the paged table model."""
