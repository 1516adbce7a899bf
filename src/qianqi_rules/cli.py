"""The command line: arguments in, rendered output out.  No checking logic lives here.

Exit status (the contract): 0 clean; 1 an error-severity finding or a
rejected row (``test``: a failing example); 2 the command could not run —
with a short message on stderr naming the file (and line or row) at fault,
never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .authoring import explain, lint, render_term, term_reach, test_pack
from .errors import LedgerFileError, Position, QianqiError
from .ledger import EXCEL_SUFFIXES
from .pipeline import check_ledgers, load_project, load_rules
from .programme import check_programme
from .report import BINARY_FORMATS, RENDERERS, STREAMERS, report_schema
from .report.authoring import render_explanation, render_lint, render_rules, render_test
from .report.json_report import encodable_json
from .report.plain import visible
from .report.programme import PROGRAMME_RENDERERS
from .rules.pack import RulePack
from .values import parse_date
from .waivers import load_waivers

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


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
    check.add_argument("--jobs", type=int, default=1, help="同时读取几个台账文件（进程数，默认 1）")
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


class _StdoutGone(Exception):
    """Standard output is closed (no file descriptor at all): the report cannot be delivered."""


def _is_broken_pipe(exc: OSError) -> bool:
    """The reader at the other end went away (``| head``); Windows reports it as EINVAL."""
    return isinstance(exc, BrokenPipeError) or (os.name == "nt" and exc.errno == errno.EINVAL)


def _discard_stdout() -> None:
    """After a broken pipe: point stdout at the null device, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's buffer): nothing to protect
        pass


def _out(text: str | bytes | Iterable[str | bytes], *, json: bool = False) -> None:
    """Write to stdout (a streamed document piece by piece).  A reader that stops reading (``| head``) ends
    the output quietly; the exit status stays the command's.  JSON characters the stream's encoding cannot
    write become ``\\uXXXX`` escapes, so the document stays valid; other text is written with backslash escapes."""
    stream = sys.stdout
    if stream is None:
        raise _StdoutGone
    try:
        for piece in [text] if isinstance(text, (str, bytes)) else text:
            if isinstance(piece, bytes):
                stream.flush()
                stream.buffer.write(piece)
            else:
                stream.write(encodable_json(piece, getattr(stream, "encoding", None)) if json else piece)
        stream.flush()
    except OSError as exc:
        if _is_broken_pipe(exc):
            _discard_stdout()
            return
        if exc.errno == errno.EBADF:
            raise _StdoutGone from None
        raise
    except ValueError:  # the stream object itself was closed
        if stream.closed:
            raise _StdoutGone from None
        raise


def _say(text: str) -> None:
    """One message on stderr, control characters from file names and file text made visible; never fails."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(visible(text) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _write(text: str | bytes | Iterable[str | bytes], output: str | None, *, json: bool = False) -> bool:
    if output is None:
        _out(text, json=json)
        return True
    pieces = iter([text] if isinstance(text, (str, bytes)) else text)
    try:
        first = next(pieces, "")
        if isinstance(first, bytes):
            with open(output, "wb") as f:
                f.write(first)
                f.writelines(pieces)  # type: ignore[arg-type]
        else:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(first)
                f.writelines(pieces)  # type: ignore[arg-type]
    except OSError as exc:
        _say(f"qianqi-rules: {output}: 无法写入报告: {exc.strerror} [output-unwritable]")
        return False
    return True


def _color() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except ValueError:  # closed
        return False


def _emit(render: Callable[..., str | bytes | Iterable[str | bytes]], result: object, output: str | None, done: str, status: int,
          *, json: bool = False) -> int:
    """Render a result to stdout or ``output`` (then one line on stderr); the exit status."""
    if not _write(render(result, color=output is None and _color()), output, json=json):
        return EXIT_FAILED
    if output:
        _say(f"报告已写入 {output}：{done}")
    return status


def _refuse_overwriting(output: str | None, inputs: Sequence[str | Path]) -> None:
    """Exit 2 before anything is written when ``--output`` names one of the files the check reads."""
    if not output:
        return
    target = Path(output)
    if not target.exists():  # a new file cannot be an input
        return
    for source in inputs:
        with contextlib.suppress(OSError):
            if Path(source).is_file() and os.path.samefile(target, source):
                raise QianqiError(f"--output 指向输入文件 {source}，写入报告会覆盖它", position=Position(output),
                                  code="output-is-input", hint="换一个报告文件名，如 --output 报告.xlsx")


def _pack_files(pack: RulePack) -> list[Path]:
    """Every file in the folders of the pack's layers (rule files, standards, the regulation text)."""
    return [f for layer in pack.layers for f in Path(layer.path).rglob("*") if f.is_file()]


def _ledger_files(arguments: Sequence[str]) -> list[str]:
    """The files named, with a directory standing for the CSV files in it."""
    files: list[str] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir()
                           if p.suffix.lower() in (".csv", *EXCEL_SUFFIXES) and p.is_file() and not p.name.startswith("~$"))
            if not found:
                raise LedgerFileError("目录中没有 .csv 或 .xlsx 台账文件", position=Position(argument),
                                      code="ledger-empty-dir")
            files.extend(found)
        else:
            files.append(argument)
    return files


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for long checks, only when stderr is a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("检查台账"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("check", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _check(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    files = _ledger_files(args.ledger)
    if args.jobs < 1:
        raise QianqiError("--jobs 至少为 1", code="bad-arguments")
    if args.format in BINARY_FORMATS and not args.output:
        raise QianqiError(f"--format {args.format} 需要用 --output 指定报告文件，如 --output 报告.xlsx",
                          code="bad-arguments")
    inputs: list[str | Path] = [*files, *_pack_files(pack)]
    if args.projects:
        if Path(args.projects).is_dir():
            inputs.extend(p for p in Path(args.projects).iterdir() if p.is_file())
        _refuse_overwriting(args.output, inputs)
        return _check_programme(args, pack, files)
    if args.engine != "local" or args.scheduler:
        raise QianqiError("--engine 和 --scheduler 只用于整个计划的检查（--projects）", code="bad-arguments")
    _refuse_overwriting(args.output, [*inputs, args.project, *([args.waivers] if args.waivers else []),
                                      *([args.services] if args.services else [])])
    project = load_project(args.project, pack)
    waivers = load_waivers(args.waivers) if args.waivers else []
    with _progress(_stderr_is_terminal()) as progress:
        report = check_ledgers(files, project, pack, waivers=waivers, today=args.today, jobs=args.jobs,
                               sources=(args.rules, args.project), progress=progress, sheet=args.sheet,
                               services=args.services)
    s = report.summary
    done = f"错误 {s.errors} 项，警告 {s.warnings} 项，拒收 {report.input.rows_rejected} 行"
    render = STREAMERS.get(args.format, RENDERERS[args.format])  # written piece by piece where it can be
    return _emit(render, report, args.output, done, report.exit_code, json=args.format == "json")


def _check_programme(args: argparse.Namespace, pack: RulePack, files: list[str]) -> int:
    if args.waivers or args.services:
        raise QianqiError("--waivers、--services 只能和 --project 一起使用", code="bad-arguments")
    with _progress(_stderr_is_terminal()) as progress:
        programme = check_programme(files, args.projects, pack, rule_paths=args.rules, today=args.today,
                                    jobs=args.jobs, sheet=args.sheet, progress=progress,
                                    engine_name=args.engine, scheduler=args.scheduler)
    s = programme.summary
    done = f"{s.projects} 个项目，错误 {s.errors} 项，未匹配 {s.rows_unmatched} 行"
    return _emit(PROGRAMME_RENDERERS[args.format], programme, args.output, done, programme.exit_code,
                 json=args.format == "json")


def _lint(args: argparse.Namespace) -> int:
    pack, errors = lint(args.dirs)
    text = render_lint(pack, errors)
    if errors:
        _say(text.rstrip("\n"))
    else:
        _out(text)
    return EXIT_FAILED if errors else EXIT_CLEAN


def _test(args: argparse.Namespace) -> int:
    pack = load_rules(args.dirs or None)
    unknown = [r for r in args.rule if r not in {rule.id for rule in pack.rules}]
    if unknown:
        _say(f"qianqi-rules: 规则包中没有规则 {'、'.join(unknown)} [unknown-rule]")
        return EXIT_FAILED
    outcomes = test_pack(pack, args.rule)
    _out(render_test(pack, outcomes, color=_color()))
    return EXIT_FINDINGS if any(not o.passed for o in outcomes) else EXIT_CLEAN


def _rules(args: argparse.Namespace) -> int:
    _out(render_rules(load_rules(args.rules), args.format, color=_color()), json=args.format == "json")
    return EXIT_CLEAN


def _explain(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    if args.term is not None:
        try:
            _out(render_term(term_reach(pack, args.term.strip())))
        except KeyError:
            from difflib import get_close_matches

            close = get_close_matches(args.term.strip(), list(pack.terms), n=1)
            hint = f"；是不是想写 {close[0]}？" if close else ""
            _say(f"qianqi-rules: 规则包中没有词族 {args.term} [unknown-term]{hint}")
            return EXIT_FAILED
        return EXIT_CLEAN
    if args.rule_id is None:
        _say("qianqi-rules explain: 请写规则编号（如 QQ1010）或 --term 词族名称")
        return EXIT_FAILED
    try:
        explanation = explain(pack, args.rule_id)
    except KeyError:
        from difflib import get_close_matches

        close = get_close_matches(args.rule_id.upper(), [r.id for r in pack.rules], n=1)
        hint = f"；是不是想写 {close[0]}？" if close else "；用 qianqi-rules rules 查看所有规则"
        _say(f"qianqi-rules: 规则包中没有规则 {args.rule_id} [unknown-rule]{hint}")
        return EXIT_FAILED
    _out(render_explanation(explanation))
    return EXIT_CLEAN


def _schema(args: argparse.Namespace) -> int:
    import json

    _out(json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n", json=True)
    return EXIT_CLEAN


def _init(args: argparse.Namespace) -> int:
    from .project_template import template_bytes
    from .project_xlsx import is_workbook

    if not is_workbook(args.path):
        raise QianqiError(f"项目模板应是 .xlsx 文件：{args.path}", code="bad-arguments",
                          hint="如 qianqi-rules init 项目.xlsx")
    if Path(args.path).exists() and not args.force:
        raise QianqiError("文件已存在，没有覆盖它", position=Position(args.path), code="output-exists",
                          hint="换一个文件名，或加 --force 覆盖")
    pack = load_rules(args.rules)
    if not _write(template_bytes(pack.categories.names), args.path):
        return EXIT_FAILED
    _say(f"项目模板已写入 {args.path}：按任务书填好后，用 qianqi-rules check 台账.csv --project {args.path} 检查")
    return EXIT_CLEAN


def _serve(args: argparse.Namespace) -> int:
    from .service import missing_modules

    missing = missing_modules()
    if missing:
        raise QianqiError(f"serve 需要的软件包没有安装（缺 {'、'.join(missing)}）", code="serve-extra-missing",
                          hint="pip install 'qianqi-rules[serve]'（在源码目录中: pip install '.[serve]'）")
    from .service.app import TOKEN_ENV, Settings, serve
    from .service.db import DEFAULT_DB

    if args.max_upload_mb < 1 or args.max_rows < 1:
        raise QianqiError("--max-upload-mb 和 --max-rows 至少为 1", code="bad-arguments")
    settings = Settings(db_url=args.db or DEFAULT_DB, token=args.token or os.environ.get(TOKEN_ENV) or None,
                        max_upload_bytes=args.max_upload_mb * 1024 * 1024, max_rows=args.max_rows,
                        rules=tuple(args.rules or ()))
    if bool(args.ledger) != bool(args.project):
        raise QianqiError("--ledger 和 --project 要一起使用", code="bad-arguments")
    for path in (args.ledger, args.project):
        if path and not Path(path).is_file():
            raise QianqiError("文件不存在", position=Position(path), code="bad-arguments")
    serve(args.host, args.port, settings, ledger=args.ledger, project=args.project)
    return EXIT_CLEAN


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": _init,
    "serve": _serve,
    "schema": _schema,
    "check": _check,
    "lint": _lint,
    "test": _test,
    "rules": _rules,
    "explain": _explain,
}


def _tolerant_streams() -> None:
    """Characters a console cannot encode (✗ or an emoji on a GBK console) are written as
    backslash escapes instead of failing: output never ends on an encoding error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError, TypeError):
                reconfigure(errors="backslashreplace")


def _settle_stdout() -> None:
    """Flush stdout; if the reader has gone (``--help | head -1``), quietly stop writing to it."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        try:
            sys.stdout.flush()
        except OSError as exc:
            if _is_broken_pipe(exc):
                _discard_stdout()


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    try:
        return _run(argv)
    finally:
        _settle_stdout()


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
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
