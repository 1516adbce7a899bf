"""Rendering a finished :class:`~qianqi_rules.models.Report`: the last pipeline stage.

Renderers only present what the report holds; they never recompute findings
or money.
"""

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Renderer = Callable[..., "str | bytes"]

#: format -> (module, function); a renderer's module (and what it needs: rich, openpyxl, the PDF
#: library) is imported when that format is first asked for, so a JSON check never loads the others
_RENDERER_MODULES = {
    "table": ("table", "render_table"),
    "json": ("json_report", "render_json"),
    "csv": ("csv_report", "render_csv"),
    "xlsx": ("xlsx_report", "render_xlsx"),
    "pdf": ("pdf_report", "render_pdf"),
}


def _renderer(module: str, name: str) -> Renderer:
    function: Renderer = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return function


class _Renderers(Mapping[str, Renderer]):
    """The renderers by format name, each imported on first use."""

    def __getitem__(self, key: str) -> Renderer:
        return _renderer(*_RENDERER_MODULES[key])

    def __iter__(self) -> Iterator[str]:
        return iter(_RENDERER_MODULES)

    def __len__(self) -> int:
        return len(_RENDERER_MODULES)


RENDERERS: Mapping[str, Renderer] = _Renderers()

#: formats written as a stream of pieces (str or bytes) that join to the renderer's output: the command line
#: writes these without holding the whole document (imported on first use, like the renderers)
_STREAMER_MODULES = {"json": ("json_report", "json_chunks"), "csv": ("csv_report", "csv_chunks")}


class _Streamers(Mapping[str, Callable[..., "Iterator[str] | Iterator[bytes]"]]):
    def __getitem__(self, key: str) -> Callable[..., "Iterator[str] | Iterator[bytes]"]:
        module, name = _STREAMER_MODULES[key]
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(_STREAMER_MODULES)

    def __len__(self) -> int:
        return len(_STREAMER_MODULES)


STREAMERS: Mapping[str, Callable[..., "Iterator[str] | Iterator[bytes]"]] = _Streamers()
#: formats that are binary and must go to a file (--output)
BINARY_FORMATS = {"xlsx", "pdf"}


def report_schema() -> dict:
    """The JSON Schema of the JSON report, generated from the pydantic models."""
    from ..models import Report

    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "qianqi-rules check report"
    return schema


__all__ = ["BINARY_FORMATS", "RENDERERS", "STREAMERS", "render_csv", "render_json", "render_pdf", "render_table", "render_xlsx", "report_schema"]


def __getattr__(name: str) -> Any:
    for module, function in _RENDERER_MODULES.values():
        if function == name:
            return _renderer(module, function)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
