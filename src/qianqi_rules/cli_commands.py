"""The commands of the command line, one function each: arguments in, an exit status out.

Each command imports what it needs when it runs, so that ``check`` — served from the pack cache —
does not pay for the libraries of ``serve``, ``init``, ``lint`` or the programme report.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_output import EXIT_CLEAN, EXIT_FAILED, EXIT_FINDINGS, _color, _emit, _out, _say, _stderr_is_terminal, _write
from .errors import LedgerFileError, Position, QianqiError
from .ledger import EXCEL_SUFFIXES
from .report import BINARY_FORMATS, RENDERERS, STREAMERS
from .rules.cache import cached_rules
from .rules.pack import RulePack

if TYPE_CHECKING:
    from .evaluate.assemble import ReportStream
    from .models import Report


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
    from .pipeline import check_ledgers, load_project, stream_ledgers

    pack = cached_rules(args.rules)
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
    if args.waivers:
        from .waivers import load_waivers

        waivers = load_waivers(args.waivers)
    else:
        waivers = []
    with _progress(_stderr_is_terminal()) as progress:
        if args.format in STREAMERS and not args.services:  # violations made while they are written
            report: Report | ReportStream = stream_ledgers(
                files, project, pack, waivers=waivers, today=args.today, jobs=args.jobs,
                sources=(args.rules, args.project), progress=progress, sheet=args.sheet)
        else:
            report = check_ledgers(files, project, pack, waivers=waivers, today=args.today, jobs=args.jobs,
                                   sources=(args.rules, args.project), progress=progress, sheet=args.sheet,
                                   services=args.services)
    s = report.summary
    done = f"错误 {s.errors} 项，警告 {s.warnings} 项，拒收 {report.input.rows_rejected} 行"
    render = STREAMERS[args.format] if args.format in STREAMERS else RENDERERS[args.format]  # piece by piece
    return _emit(render, report, args.output, done, report.exit_code, json=args.format == "json")


def _check_programme(args: argparse.Namespace, pack: RulePack, files: list[str]) -> int:
    from .programme import check_programme
    from .report.programme import PROGRAMME_RENDERERS

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
    from .authoring import lint
    from .report.authoring import render_lint

    pack, errors = lint(args.dirs)
    text = render_lint(pack, errors)
    if errors:
        _say(text.rstrip("\n"))
    else:
        _out(text)
    return EXIT_FAILED if errors else EXIT_CLEAN


def _test(args: argparse.Namespace) -> int:
    from .authoring import test_pack
    from .pipeline import load_rules
    from .report.authoring import render_test

    pack = load_rules(args.dirs or None)
    unknown = [r for r in args.rule if r not in {rule.id for rule in pack.rules}]
    if unknown:
        _say(f"qianqi-rules: 规则包中没有规则 {'、'.join(unknown)} [unknown-rule]")
        return EXIT_FAILED
    outcomes = test_pack(pack, args.rule)
    _out(render_test(pack, outcomes, color=_color()))
    return EXIT_FINDINGS if any(not o.passed for o in outcomes) else EXIT_CLEAN


def _rules(args: argparse.Namespace) -> int:
    from .pipeline import load_rules
    from .report.authoring import render_rules

    _out(render_rules(load_rules(args.rules), args.format, color=_color()), json=args.format == "json")
    return EXIT_CLEAN


def _explain(args: argparse.Namespace) -> int:
    from .authoring import explain, render_term, term_reach
    from .pipeline import load_rules
    from .report.authoring import render_explanation

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

    from .report import report_schema

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
    from .pipeline import load_rules

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
