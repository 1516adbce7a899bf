"""pydantic's validation messages, said in Chinese for the people who edit YAML files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_BY_TYPE = {
    "string_type": "应是文字",
    "int_type": "应是整数",
    "int_parsing": "应是整数",
    "bool_type": "应是 true 或 false",
    "bool_parsing": "应是 true 或 false",
    "list_type": "应是列表（[…] 或每行以 - 开头）",
    "dict_type": "应是映射（键: 值）",
    "model_type": "应是映射（键: 值）",
    "date_type": "应是日期，如 2025-01-01",
    "date_parsing": "应是日期，如 2025-01-01",
    "date_from_datetime_parsing": "应是日期，如 2025-01-01",
    "missing": "缺少必填字段",
    "extra_forbidden": "是未知字段",
}


def chinese_message(error: Mapping[str, Any]) -> str:
    """One pydantic error (from ``ValidationError.errors()``) as a short Chinese phrase."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    if kind == "literal_error":
        return f"只能是 {ctx.get('expected', '')}".replace("'", "")
    if kind == "too_short":
        return f"至少要有 {ctx.get('min_length', 1)} 项" if isinstance(error.get("input"), list) else "不能为空"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "string_too_long":
        return f"太长（最多 {ctx.get('max_length')} 个字符）"
    if kind == "string_pattern_mismatch":
        return f"格式不对（应符合 {ctx.get('pattern', '')}）"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return str(error.get("msg", ""))
