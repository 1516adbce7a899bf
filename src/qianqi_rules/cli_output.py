"""What the command line writes: the report to stdout or a file, messages to stderr — never failing on the way.

A reader that goes away (``| head``), a closed stdout, a console that cannot encode a character: each
ends the output quietly or with one coded message, and the exit status stays the command's.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterable

from .report.plain import visible

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


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
                if json:
                    from .report.json_report import encodable_json

                    piece = encodable_json(piece, getattr(stream, "encoding", None))
                stream.write(piece)
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
