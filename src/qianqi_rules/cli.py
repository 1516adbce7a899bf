"""The command line: arguments in, a rendered report out.  No checking logic lives here.

Exit status (the contract): 0 clean; 1 an error-severity finding or a
rejected row; 2 the check could not run — with one short message on stderr
naming the file (and line or row) at fault, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__
from .errors import QianqiError
from .pipeline import check_ledger, load_project, load_rules
from .report import RENDERERS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep the message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, f"{self.prog}: 参数错误: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qianqi-rules", description="“千人进千企”项目经费合规检查")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="检查一个台账（CSV）", description="按管理办法检查项目台账")
    check.add_argument("ledger", help="台账 CSV 文件")
    check.add_argument("--project", required=True, help="项目文件（YAML）")
    check.add_argument("--rules", help="规则目录（默认使用随软件发布的规则包）")
    check.add_argument("--format", choices=sorted(RENDERERS), default="table", help="输出格式")
    check.add_argument("--output", help="把报告写入文件而不是标准输出")
    return parser


def _fail(error: QianqiError) -> int:
    print(f"qianqi-rules: {error}", file=sys.stderr)
    return EXIT_FAILED


def _check(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    project = load_project(args.project, pack)
    report = check_ledger(args.ledger, project, pack)
    to_terminal = args.output is None and sys.stdout.isatty()
    text = RENDERERS[args.format](report, color=to_terminal)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            print(f"qianqi-rules: {args.output}: 无法写入报告: {exc.strerror}", file=sys.stderr)
            return EXIT_FAILED
        s = report.summary
        print(f"报告已写入 {args.output}：错误 {s.errors} 项，警告 {s.warnings} 项，拒收 {report.input.rows_rejected} 行",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
    except QianqiError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        print("qianqi-rules: 已中断", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the contract promises no traceback
        if os.environ.get("QIANQI_DEBUG"):
            raise
        print(f"qianqi-rules: 内部错误（请报告此问题，设置 QIANQI_DEBUG=1 可看详情）: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED  # pragma: no cover - argparse requires a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
