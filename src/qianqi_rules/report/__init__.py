"""Rendering a finished :class:`~qianqi_rules.models.Report`: the last pipeline stage.

Renderers only present what the report holds; they never recompute findings
or money.
"""

from collections.abc import Callable, Iterator

from ..models import Report
from .csv_report import csv_chunks, render_csv
from .json_report import json_chunks, render_json
from .pdf_report import render_pdf
from .table import render_table
from .xlsx_report import render_xlsx

Renderer = Callable[..., "str | bytes"]

#: format name -> renderer; text formats return str, spreadsheet formats bytes
RENDERERS: dict[str, Renderer] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
    "xlsx": render_xlsx,
    "pdf": render_pdf,
}
#: formats written as a stream of pieces (str or bytes) that join to the renderer's output: the command line
#: writes these without holding the whole document
STREAMERS: dict[str, Callable[..., "Iterator[str] | Iterator[bytes]"]] = {"json": json_chunks, "csv": csv_chunks}
#: formats that are binary and must go to a file (--output)
BINARY_FORMATS = {"xlsx", "pdf"}


def report_schema() -> dict:
    """The JSON Schema of the JSON report, generated from the pydantic models."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "qianqi-rules check report"
    return schema


__all__ = ["BINARY_FORMATS", "RENDERERS", "STREAMERS", "render_csv", "render_json", "render_pdf", "render_table", "render_xlsx", "report_schema"]
