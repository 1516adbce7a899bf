"""A span of a CSV ledger read on its own: numbered as in a reading of the whole file, and sendable to a worker."""

from __future__ import annotations

import pickle

from qianqi_rules.ledger import read_csv
from qianqi_rules.ledger.span import Span
from qianqi_rules.ledger.split import plan


def test_a_span_is_read_with_the_file_s_row_and_line_numbers(tmp_path) -> None:
    lines = ["日期,凭证号,费用科目,摘要,金额"] + [f"2025-03-01,记-{i:03d},差旅费,住宿,10.00" for i in range(30)]
    lines[25] = '2025-03-01,记-900,差旅费,"没有闭合,10.00'  # an unclosed quote in the second span
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ledger = read_csv(path)
    spans = plan(ledger, [path.read_bytes().index("记-010".encode())])
    assert spans is not None and len(spans) == 2
    second = list(ledger.rows(span=spans[1]))
    assert second == [r for r in ledger.rows() if r.row > spans[1].row]
    unclosed = [r for r in second if getattr(r, "code", "") == "csv-unclosed-quote"]
    assert len(unclosed) == 1 and unclosed[0].row == 26 and "第 26 行" in unclosed[0].message


def test_a_span_travels_to_a_worker_unchanged() -> None:
    span = Span(start=120, line=4, row=4, stop=9, end=300)
    assert pickle.loads(pickle.dumps(span)) == span
