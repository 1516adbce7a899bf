"""Rendering a finished :class:`~qianqi_rules.models.Report`: the last pipeline stage.

Renderers only present what the report holds; they never recompute findings
or money.
"""

from .json_report import render_json
from .table import render_table

RENDERERS = {"json": render_json, "table": render_table}

__all__ = ["RENDERERS", "render_json", "render_table"]
