"""The claims book in-process, over a real SQLite file: replay after eviction and after another writer."""

from __future__ import annotations

from pathlib import Path

from qianqi_rules import load_rules
from qianqi_rules.service import db
from qianqi_rules.service.claims import Ledgers

EXAMPLE = (Path(__file__).parent.parent.parent / "examples" / "project.yaml").read_bytes()
OTHER = EXAMPLE.replace(b"BJKX-QQ-2025-031", b"BJKX-QQ-2025-999")


def _entry(invoice: str) -> dict:
    return {"date": "2025-06-01", "category": "会议费", "amount": "100.00", "invoice_no": invoice}


def test_books_rebuilt_after_eviction_and_after_another_instance(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    pack = load_rules()
    one, two = Ledgers(engine, pack, cached_projects=1), Ledgers(db.make_engine(url), pack)
    a, _ = one.register(EXAMPLE)
    b, _ = one.register(OTHER)
    assert one.submit(a.code, "a1", _entry("111"), commit=True).findings == []
    assert one.submit(b.code, "b1", _entry("111"), commit=True).findings == []  # another project: no repeat
    # project a's book was evicted; rebuilt by replay, it still knows invoice 111
    repeat = one.submit(a.code, "a2", _entry("111"), commit=True)
    assert "QQ1310" in {f["rule_id"] for f in repeat.findings} and repeat.seq == 2
    # another instance (its own cache) commits; this one refreshes before judging
    assert two.submit(b.code, "b2", _entry("222"), commit=True).seq == 2
    seen = one.submit(b.code, "b3", _entry("222"), commit=False)
    assert "QQ1310" in {f["rule_id"] for f in seen.findings}
    assert one.report(b.code).input.rows_checked == 2
