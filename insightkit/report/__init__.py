"""Reporting: prevalence tables, plots, the HTML/XLSX/Markdown report and REFI-QDA exports."""

from insightkit.report.prevalence import likert_summary, theme_prevalence, wilson_interval

__all__ = ["theme_prevalence", "likert_summary", "wilson_interval"]
