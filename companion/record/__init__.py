"""The session record: an append-only log of each run, read back for reports and resume.

writer = RecordWriter.create(script_path, patient="P-014", script=script,
                             report=health.report)
... every frame: writer.write_events(engine.take_events())
writer.close()

record = load_record(path)          # tolerant: damage goes to record.problems
render_report(record, "html")        # or "md"
resume_point(record).commands()      # where a fresh engine should start again
"""

from companion.record.listing import RecordInfo, delete_record, list_records
from companion.record.paths import (
    RecordError,
    check_patient_code,
    default_record_dir,
    resolve_record,
)
from companion.record.reader import Problem, Record, load_record
from companion.record.report import FORMATS, render_report
from companion.record.resume import ResumePoint, resume_point
from companion.record.summary import Summary, format_time, summarize
from companion.record.writer import RECORD_FORMAT, RecordWriter

__all__ = [
    "FORMATS",
    "RECORD_FORMAT",
    "Problem",
    "Record",
    "RecordError",
    "RecordInfo",
    "RecordWriter",
    "ResumePoint",
    "Summary",
    "check_patient_code",
    "default_record_dir",
    "delete_record",
    "format_time",
    "list_records",
    "load_record",
    "render_report",
    "resolve_record",
    "resume_point",
    "summarize",
]
