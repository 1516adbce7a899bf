"""rules/terms.yaml stays readable in an officer's editor: no line over 120 characters."""

from pathlib import Path

TERMS = Path(__file__).parent.parent.parent / "rules" / "terms.yaml"


def test_terms_lines_fit_120_columns() -> None:
    long = [(n, len(line)) for n, line in enumerate(TERMS.read_text(encoding="utf-8").splitlines(), 1)
            if len(line) > 120]
    assert not long, f"wrap these lines of terms.yaml (a flow list goes on, indented, on the next line): {long}"
