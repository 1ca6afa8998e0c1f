"""Reporting: prevalence tables, plots, the HTML/XLSX/Markdown report and REFI-QDA exports."""

from insightkit.report.adjusted import model_error_rates
from insightkit.report.prevalence import likert_summary, prevalence_table, theme_prevalence, wilson_interval

__all__ = ["theme_prevalence", "prevalence_table", "model_error_rates", "likert_summary", "wilson_interval"]
