"""Where a programme's tasks run: in this process, in local worker processes, or on a Dask cluster.

A programme check is map tasks (one ledger file read and split; one project
judged; one key group of the cross-project checks).  An engine runs a picklable
top-level function over a list of arguments and returns the results in the
order of the arguments, so the report never depends on which engine ran it.
Workers need the rule pack and the project files: :func:`worker_cache` loads them
once per worker process, whichever engine started it.

Dask (``dask.distributed``) is the optional ``dask`` extra: a well-kept scheduler
with work stealing, spilling and a dashboard, and the same code from a laptop's
LocalCluster to a cluster of machines (``--scheduler tcp://host:8786``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from .errors import QianqiError

T = TypeVar("T")

ENGINES = ("local", "dask")
MISSING_DASK = "用 Dask 检查需要 dask.distributed：请运行 pip install 'qianqi-rules[dask]'"


class EngineError(QianqiError):
    """The engine could not start (Dask not installed, the scheduler unreachable)."""


Progress = Callable[[int, int], None]


class Engine(Protocol):
    """Runs ``fn(item, *extra)`` for each item (``fn(*item)`` with ``star``); results in the order of ``items``."""

    workers: int

    def map(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any, star: bool = False,
            progress: Progress | None = None) -> list[T]: ...

    def keep(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any,
             progress: Progress | None = None) -> list[Any]:
        """Like :meth:`map`, but the results stay where they were made: handles for later tasks' arguments."""
        ...


def _call(fn: Callable[..., T], item: Any, extra: tuple[Any, ...], star: bool) -> T:
    return fn(*item, *extra) if star else fn(item, *extra)


class _Task:
    """A picklable ``fn`` bound to its shared arguments, for pools that take one argument per task."""

    def __init__(self, fn: Callable[..., Any], extra: tuple[Any, ...], star: bool) -> None:
        self.fn, self.extra, self.star = fn, extra, star

    def __call__(self, item: Any) -> Any:
        return _call(self.fn, item, self.extra, self.star)


class _Here:
    """Results are values here: keeping one is having it."""

    def keep(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any,
             progress: Progress | None = None) -> list[Any]:
        return self.map(fn, items, *extra, progress=progress)  # type: ignore[attr-defined]


class SerialEngine(_Here):
    """Everything in this process: the embedded default for one job."""

    workers = 1

    def map(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any, star: bool = False,
            progress: Progress | None = None) -> list[T]:
        out = []
        for done, item in enumerate(items, start=1):
            out.append(_call(fn, item, extra, star))
            if progress is not None:
                progress(done, len(items))
        return out


class ProcessEngine(_Here):
    """Local worker processes (``--jobs N``)."""

    def __init__(self, pool: Any, workers: int) -> None:
        self._pool = pool
        self.workers = workers

    def map(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any, star: bool = False,
            progress: Progress | None = None) -> list[T]:
        if len(items) <= 1:
            return SerialEngine().map(fn, items, *extra, star=star, progress=progress)
        out = []
        for done, result in enumerate(self._pool.map(_Task(fn, extra, star), items), start=1):
            out.append(result)
            if progress is not None:
                progress(done, len(items))
        return out


class DaskEngine:
    """Tasks on a Dask cluster: an existing scheduler, or a LocalCluster of ``workers`` processes."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)

    def map(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any, star: bool = False,
            progress: Progress | None = None) -> list[T]:
        if not items:
            return []
        return list(self._client.gather(self._submit(fn, items, extra, star, progress)))

    def keep(self, fn: Callable[..., T], items: Sequence[Any], *extra: Any,
             progress: Progress | None = None) -> list[Any]:
        return self._submit(fn, items, extra, False, progress) if items else []

    def _submit(self, fn: Callable[..., Any], items: Sequence[Any], extra: tuple[Any, ...], star: bool,
                progress: Progress | None) -> list[Any]:
        """Futures of the tasks; futures inside ``items`` are resolved on the workers (data moves between them)."""
        from distributed import as_completed

        futures = self._client.map(_Task(fn, extra, star), list(items), pure=False)
        if progress is not None:
            for done, _ in enumerate(as_completed(futures), start=1):
                progress(done, len(items))
        return futures


@contextlib.contextmanager
def engine(name: str = "local", *, jobs: int = 1, scheduler: str | None = None) -> Iterator[Engine]:
    """An engine for the duration of a check; its workers and cluster are shut down afterwards."""
    if name == "local":
        if jobs <= 1:
            yield SerialEngine()
            return
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            yield ProcessEngine(pool, jobs)
        return
    if name != "dask":
        raise EngineError(f"不认识的引擎“{name}”（可用：{'、'.join(ENGINES)}）", code="bad-arguments")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EngineError(MISSING_DASK, code="engine-missing", hint="或者不加 --engine，用本机进程检查。") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"无法连接 Dask 调度器 {scheduler}：{exc}", code="engine-unreachable",
                              hint="检查地址（如 tcp://10.0.0.5:8786）和调度器是否在运行。") from None
        try:
            yield DaskEngine(client)
        finally:
            client.close()
        return
    with LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster, Client(cluster) as client:  # 50: not even shutdown races
        yield DaskEngine(client)


_CACHE: dict[Any, Any] = {}


def worker_cache(key: Any, build: Callable[[], T], *, fresh: bool = False) -> T:
    """``build()`` once per worker process and key (the pack and project files a task needs).

    The one way every worker loads what its tasks share — a ``--jobs`` pool's, a Dask worker's — as
    neither a Dask worker nor a task knows when its process started.  ``fresh`` builds again even when
    the key is held: the process that starts a pool puts its own objects there, for forked workers.
    """
    if fresh or key not in _CACHE:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = build()
    return _CACHE[key]
