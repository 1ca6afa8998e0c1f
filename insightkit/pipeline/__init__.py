"""The pipeline, stage by stage: read -> clean -> redact -> tables (:mod:`insightkit.pipeline.read`),
then tag -> topics -> quotes -> report files (:mod:`insightkit.pipeline.report`).

``insightkit.read`` and ``insightkit.build_report`` live here; the stages themselves are in their own
packages (:mod:`insightkit.io`, :mod:`insightkit.clean`, the redactor, :mod:`insightkit.classify`,
:mod:`insightkit.topics`, :mod:`insightkit.quotes`, :mod:`insightkit.report`).
"""

from __future__ import annotations

from insightkit.pipeline.read import (ReadResult, read, read_batch, read_docx, read_srt, read_survey, read_txt,
                                      read_vtt)
from insightkit.pipeline.report import ReportOptions, ReportResult, build_report, load_codebook

__all__ = ["read", "read_batch", "ReadResult", "read_txt", "read_vtt", "read_srt", "read_docx", "read_survey",
           "build_report", "ReportOptions", "ReportResult", "load_codebook"]
