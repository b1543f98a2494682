"""Human-readable reports (PDF) of findings packages; pure functions, no Qt."""

from reviewstation.reports.pdf import render_report

__all__ = ["render_report"]
