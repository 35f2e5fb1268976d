"""A record's report in a chosen format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from companion.record.clinic import Clinic
from companion.record.reader import Record
from companion.record.summary import summarize

FORMATS = ("html", "md", "csv", "fhir")


def render_report(
    record: Record,
    format: str = "html",
    clinic: Clinic | None = None,
    collected: Callable[[dict[str, Any]], None] | None = None,
) -> str:
    """The report of `record`; `clinic` (the config's) names the clinic and its time zone
    when the record does not; `collected`: see `summary.collector`."""
    summary = summarize(record, clinic, collected)
    if format == "md":
        from companion.record.report_md import render_markdown

        return render_markdown(summary, record.id)
    if format == "csv":
        from companion.record.export_csv import render_csv

        return render_csv(summary)
    if format == "fhir":
        from companion.record.export_fhir import render_fhir

        return render_fhir(summary)
    if format == "html":
        from companion.record.report_html import render_html

        return render_html(summary, record.id)
    raise ValueError(f"unknown report format '{format}' (formats: {', '.join(FORMATS)})")
