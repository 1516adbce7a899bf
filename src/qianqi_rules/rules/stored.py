"""Built objects kept in the user's cache folder: read back only when provably this code's, for these inputs.

The pack cache (:mod:`.cache`) and the division table (:mod:`.places`) both cost more to build
than to read back.  A stored file is never trusted: its header names the key and the payload's
sha256, both checked before anything is read; the unpickler only builds classes from an
allow-list of modules; anything unexpected (a corrupt, stale, truncated or foreign file) is
ignored and the object rebuilt.  Files are written atomically (a temporary file, then a rename),
so two processes never see half a file.  The key always includes the digest of this package's
code and the Python version, so a file stored by other code is never read back.

The folder is ``$QIANQI_CACHE_DIR``, else ``$XDG_CACHE_HOME/qianqi-rules``, else
``~/.cache/qianqi-rules``; ``QIANQI_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

CACHE_ENV = "QIANQI_CACHE_DIR"
MAGIC = b"qqpack1"
_PACKAGE = Path(__file__).resolve().parent.parent
#: modules whose classes a stored file may build (plus the few builtins below)
_ALLOWED_MODULES = ("qianqi_rules.", "datetime", "decimal", "collections", "copyreg", "re2", "_re2", "re",
                    "pydantic", "pydantic.", "pydantic_core", "pydantic_core.", "enum", "dateutil.")
_ALLOWED_EXACT = frozenset(m.rstrip(".") for m in _ALLOWED_MODULES)
_ALLOWED_BUILTINS = frozenset({"frozenset", "set", "tuple", "list", "dict", "str", "int", "float", "bool",
                               "bytes", "bytearray", "complex", "slice", "range", "object", "NoneType"})


def cache_dir() -> Path | None:
    """Where built objects are kept (None: caching is off)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qianqi-rules"


_CODE_DIGEST: str | None = None


def code_digest() -> str:
    """A digest of this package's code and the Python version."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        digest = hashlib.sha256(sys.version.encode() + b"\0")
        for file in sorted(_PACKAGE.rglob("*.py")):
            digest.update(str(file.relative_to(_PACKAGE)).encode() + b"\0" + file.read_bytes() + b"\0")
        _CODE_DIGEST = digest.hexdigest()
    return _CODE_DIGEST


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _ALLOWED_BUILTINS:
            return super().find_class(module, name)
        if module in _ALLOWED_EXACT or module.startswith(_ALLOWED_MODULES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a stored file")


def read_stored(path: Path, key: str) -> Any | None:
    """The object stored at ``path`` under ``key``; None if the file is missing, corrupt, foreign or another key's."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header, _, payload = data.partition(b"\n")
    parts = header.split(b" ")
    if len(parts) != 3 or parts[0] != MAGIC or parts[1] != key.encode():
        return None
    if hashlib.sha256(payload).hexdigest().encode() != parts[2]:
        return None
    try:
        return _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - whatever is wrong with the file, the object is rebuilt
        return None


def write_stored(path: Path, key: str, value: object) -> None:
    """Store ``value`` atomically; a folder that cannot be written is simply not used."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - something does not pickle: do without the cache
        return
    header = MAGIC + b" " + key.encode() + b" " + hashlib.sha256(payload).hexdigest().encode() + b"\n"
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pack-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header + payload)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def stored(kind: str, source: bytes, build: Callable[[], T], accept: Callable[[Any], bool]) -> T:
    """What ``build()`` makes of ``source`` (a file's bytes), read back from the cache folder when it holds it.

    ``accept`` says whether an object read back is of the expected type; anything else is rebuilt.
    """
    where = cache_dir()
    if where is None:
        return build()
    key = hashlib.sha256(kind.encode() + b"\0" + code_digest().encode() + b"\0" + source).hexdigest()
    path = where / f"{kind}-{key[:32]}.bin"
    value = read_stored(path, key)
    if value is not None and accept(value):
        return value  # type: ignore[no-any-return]
    value = build()
    write_stored(path, key, value)
    return value
