"""The command line: arguments in, rendered output out.  No checking logic lives here.

Exit status (the contract): 0 clean; 1 an error-severity finding or a
rejected row (``test``: a failing example); 2 the command could not run —
with a short message on stderr naming the file (and line or row) at fault,
never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__
from .cli_output import (
    EXIT_CLEAN,
    EXIT_FAILED,
    EXIT_FINDINGS,
    _say,
    _settle_stdout,
    _StdoutGone,
    _tolerant_streams,
)
from .errors import QianqiError
from .report import RENDERERS
from .report.plain import visible
from .values import parse_date

__all__ = ["EXIT_CLEAN", "EXIT_FAILED", "EXIT_FINDINGS", "build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep the message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, visible(f"{self.prog}: 参数错误: {message} [bad-arguments]") + "\n")


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qianqi-rules", description="“千人进千企”项目经费合规检查")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rules_help = "规则目录（可重复：后面的规则包叠加在前面的之上；默认使用随软件发布的规则包）"
    check = sub.add_parser("check", help="检查一个台账（CSV）", description="按管理办法检查项目台账")
    check.add_argument("ledger", nargs="+",
                       help="台账文件（CSV 或 .xlsx；可以写多个，或一个目录：作为同一项目的台账一起检查）")
    check.add_argument("--sheet", help="Excel 台账的工作表名称（默认第一个工作表）")
    which = check.add_mutually_exclusive_group(required=True)
    which.add_argument("--project", help="项目文件（YAML，或 qianqi-rules init 生成的 .xlsx）")
    which.add_argument("--projects", help="项目文件目录：按项目编号为每个台账配对项目文件，一次检查整个计划")
    check.add_argument("--rules", action="append", help=rules_help)
    check.add_argument("--waivers", help="豁免文件（YAML）：经批准的例外")
    check.add_argument("--services", help="产业特派员服务记录（CSV 或 .xlsx，平台导出）：按第十五条核对服务与支出")
    check.add_argument("--today", type=_date, help="判断豁免是否到期所用的日期（默认今天）")
    check.add_argument("--format", choices=sorted(RENDERERS), default="table", help="输出格式")
    check.add_argument("--output", help="把报告写入文件而不是标准输出")
    check.add_argument("--jobs", type=int, default=1, help="用几个进程检查（默认 1）：几个台账文件同时读；一个大台账由本进程读、各进程分批判断，结果不变")
    check.add_argument("--engine", choices=["local", "dask"], default="local",
                       help="整个计划（--projects）在哪里检查：local 本机进程（默认），dask 在 Dask 集群上")
    check.add_argument("--scheduler", help="Dask 调度器地址（如 tcp://10.0.0.5:8786）；不写则在本机启动 --jobs 个 Dask 工作进程")

    lint_cmd = sub.add_parser("lint", help="检查规则文件（不需要台账）",
                              description="检查规则文件的语法、字段、条件、引用和消息模板，一次列出所有问题")
    lint_cmd.add_argument("dirs", nargs="*", metavar="RULES_DIR", help=rules_help)

    test_cmd = sub.add_parser("test", help="运行规则中的示例", description="逐条运行规则的违规示例和合规示例")
    test_cmd.add_argument("dirs", nargs="*", metavar="RULES_DIR", help=rules_help)
    test_cmd.add_argument("--rule", action="append", default=[], help="只运行这条规则的示例（可重复）")

    list_cmd = sub.add_parser("rules", help="列出规则包中的规则")
    list_cmd.add_argument("--rules", action="append", help=rules_help)
    list_cmd.add_argument("--format", choices=["table", "json"], default="table")

    sub.add_parser("schema", help="输出 JSON 报告的 JSON Schema", description="输出 --format json 报告的 JSON Schema")

    init_cmd = sub.add_parser("init", help="生成 Excel 项目文件模板", description=(
        "生成项目文件模板（.xlsx）：项目信息、预算、预算调整、人员名单；填好后用 check --project 模板.xlsx 检查"))
    init_cmd.add_argument("path", metavar="PROJECT.xlsx", help="要生成的项目文件")
    init_cmd.add_argument("--rules", action="append", help=rules_help)
    init_cmd.add_argument("--force", action="store_true", help="文件已存在时覆盖它")

    explain_cmd = sub.add_parser("explain", help="解释一条规则（依据的条文、条件、示例和后果）或一个词族")
    explain_cmd.add_argument("rule_id", nargs="?", help="规则编号，如 QQ1010")
    explain_cmd.add_argument("--term", help="词族名称，如 福利奖金：列出它的词和用到它的每条规则")
    explain_cmd.add_argument("--rules", action="append", help=rules_help)

    serve = sub.add_parser("serve", help="启动检查服务（HTTP 接口和网页）",
                           description="启动检查服务：供其他系统调用的 HTTP 接口，和供财务人员使用的网页")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，只允许本机访问）")
    serve.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument("--db", help="数据库 URL（默认当前目录下的 SQLite 文件 qianqi-rules.db；"
                                    "多个服务实例共用时用 postgresql://用户:密码@主机/库名）")
    serve.add_argument("--token", help="API 令牌（绑定到非本机地址时必须；也可用环境变量 QIANQI_TOKEN）")
    serve.add_argument("--max-upload-mb", type=int, default=20, help="上传文件大小上限（MB，默认 20）")
    serve.add_argument("--max-rows", type=int, default=200_000, help="台账行数上限（默认 200000）")
    serve.add_argument("--rules", action="append", help=rules_help)
    serve.add_argument("--ledger", help="启动时先检查这个台账（与 --project 一起用），并输出其结果页的地址")
    serve.add_argument("--project", help="与 --ledger 一起用的项目文件")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    try:
        return _run(argv)
    finally:
        _settle_stdout()


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from .cli_commands import COMMANDS

    try:
        return COMMANDS[args.command](args)
    except _StdoutGone:
        _say("qianqi-rules: 标准输出已关闭，无法输出报告 [output-unwritable]\n  提示: 用 --output 把报告写入文件")
        return EXIT_FAILED
    except QianqiError as exc:
        _say(f"qianqi-rules: {exc}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say("qianqi-rules: 已中断 [interrupted]")
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the contract promises no traceback
        if os.environ.get("QIANQI_DEBUG"):
            raise
        _say(f"qianqi-rules: 内部错误（请报告此问题，设置 QIANQI_DEBUG=1 可看详情）: {type(exc).__name__}: {exc}"
             " [internal-error]")
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
