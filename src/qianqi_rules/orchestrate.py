"""Checking several files as one: reading them (in worker processes or here) and merging their parts.

A multi-file check (:func:`~qianqi_rules.pipeline.check_ledgers`) and a
programme (:func:`~qianqi_rules.programme.check_programme`) both read each
file into *parts* — one per file, or one per project a file holds — and merge
a project's parts into one checker.  Both go through :func:`read_all` and
:func:`merge_parts`, so they feed, start workers, merge and report rules not
run the same way.  A single file is checked straight into its checker (no
parts), which gives the same report as one part merged.

Rules not run, merged one way (documented in docs/report.md): a rule is listed
when it did not run on at least one of the files a project's entries come
from; when they come from several files, the reason names each file it did
not run on (``a.csv: 台账缺少 …；b.csv: …``), otherwise it is the plain reason.  A rule that ran on some files
and not on others is listed too: the rows of those files were not judged by it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .evaluate import Checker
from .evaluate.checker import CheckerState
from .models import InputError, InputSummary, RuleNotRun
from .rules.pack import RulePack

T = TypeVar("T")


@dataclass
class Part:
    """What one file contributes to one project's check, as a worker process sends it back."""

    path: str
    errors: list[InputError]
    not_run: list[RuleNotRun]
    state: CheckerState | None  # None: the file had no checkable row of this project
    summary: InputSummary | None = None  # the file's row accounting, where the part is a whole file


def read_all(
    names: Sequence[str],
    read: Callable[[int, str], T],
    *,
    jobs: int = 1,
    worker_read: Callable[[str], T] | None = None,
    progress: Callable[[int, str, T], None] | None = None,
) -> list[T]:
    """``read(index, name)`` for every file, in order; with ``jobs`` > 1 (and more than one file) in worker processes.

    ``worker_read(name)`` is what a worker calls, picklable (a module-level function, or a partial of one);
    it loads the pack and the project through :func:`~qianqi_rules.engines.worker_cache`, once per worker
    (from the pack cache: a few milliseconds once it is warm).  ``progress(done, name, result)`` is called
    after each file, in order.
    """
    results: list[T] = []
    if jobs > 1 and len(names) > 1 and worker_read is not None:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for done, (name, result) in enumerate(zip(names, pool.map(worker_read, names), strict=True), start=1):
                results.append(result)
                if progress is not None:
                    progress(done, name, result)
        return results
    for index, name in enumerate(names):
        result = read(index, name)
        results.append(result)
        if progress is not None:
            progress(index + 1, name, result)
    return results


def merged_not_run(pack: RulePack, parts: Sequence[Part]) -> list[RuleNotRun]:
    """The rules not run on a project's files (its parts), merged the one way this module describes."""
    several = len(parts) > 1
    reasons: dict[str, list[tuple[str, str]]] = {}
    for part in parts:
        if part.state is None:
            continue
        for item in part.not_run:
            reasons.setdefault(item.rule_id, []).append((part.path, item.reason))
    out = []
    for rule in pack.active_rules:
        found = reasons.get(rule.id)
        if found:
            reason = "；".join(f"{path}: {why}" for path, why in found) if several else found[0][1]
            out.append(RuleNotRun(rule_id=rule.id, title=rule.title, reason=reason))
    return out


def merge_parts(checker: Checker, parts: Sequence[Part]) -> list[InputError]:
    """Merge a project's parts into ``checker``, in order; returns their input errors.

    With several parts the checker's :attr:`~Checker.sources` are their files, and every finding
    and input error names the file it is in.
    """
    several = len(parts) > 1
    checker.sources = [part.path for part in parts] if several else []
    errors: list[InputError] = []
    for index, part in enumerate(parts):
        if part.state is not None:
            checker.merge(part.state, file=index)
        errors.extend([e.model_copy(update={"file": part.path}) for e in part.errors] if several else part.errors)
    checker.not_run = merged_not_run(checker.pack, parts)
    return errors


def checker_part(path: str, checker: Checker, errors: list[InputError], summary: InputSummary | None = None) -> Part:
    """A finished checker's part of a file."""
    return Part(path, errors, checker.not_run, checker.state(), summary)
