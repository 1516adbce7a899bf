"""The pack cache: a checked rule pack stored by the digest of its files, so a warm start is fast.

Loading a pack parses and type-checks every condition with rule-engine
(importing rule-engine alone builds its parser tables); for a pack that has
not changed that work gives the same pack every time.  ``check`` therefore
asks :func:`cached_rules`: it hashes the pack folders' files (the same digest
the loader records), and when the cache folder holds a pack stored under that
key by this very code, it is read back — closures rebuilt from their plans
(:mod:`.compiled`), rule-engine never imported.  Otherwise the pack is loaded
from its files as always and stored for next time.

A cache file is never trusted: its header names the key and the payload's
sha256, both checked before anything is read; the unpickler only builds
classes from an allow-list of modules; anything unexpected (a corrupt, stale,
truncated or foreign file) is ignored and the pack rebuilt.  Files are
written atomically (a temporary file, then a rename), so two processes never
see half a file.  ``lint`` and ``test`` always load from the files.

The folder is ``$QIANQI_CACHE_DIR``, else ``$XDG_CACHE_HOME/qianqi-rules``,
else ``~/.cache/qianqi-rules``; ``QIANQI_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .pack import RulePack, bundled_pack_path

CACHE_ENV = "QIANQI_CACHE_DIR"
#: changes whenever the stored form changes (the code digest covers the rest)
FORMAT = b"qianqi-rules pack cache 1"
_PACKAGE = Path(__file__).resolve().parent.parent
#: modules whose classes a cache file may build (plus the few builtins below)
_ALLOWED_MODULES = ("qianqi_rules.", "datetime", "decimal", "collections", "copyreg", "re2", "_re2", "re",
                    "pydantic", "pydantic.", "pydantic_core", "pydantic_core.", "enum", "dateutil.")
_ALLOWED_EXACT = frozenset(m.rstrip(".") for m in _ALLOWED_MODULES)
_ALLOWED_BUILTINS = frozenset({"frozenset", "set", "tuple", "list", "dict", "str", "int", "float", "bool",
                               "bytes", "bytearray", "complex", "slice", "range", "object", "NoneType"})


def cache_dir() -> Path | None:
    """Where packs are cached (None: caching is off)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qianqi-rules"


def folder_files(folder: Path) -> list[Path]:
    """The pack's YAML files: those in the folder and those in its ``standards/`` sub-folder."""
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    return files + sorted(p for p in (folder / "standards").glob("*.yaml") if p.is_file())


def folder_digest(folder: Path) -> str:
    """The digest the loader records for a pack folder (:attr:`.pack.PackLayer.sha256`)."""
    digest = hashlib.sha256()
    for file in folder_files(folder):
        digest.update(str(file.relative_to(folder)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


_CODE_DIGEST: str | None = None


def code_digest() -> str:
    """A digest of this package's code: a pack stored by other code is never read back."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        digest = hashlib.sha256(sys.version.encode() + b"\0")
        for file in sorted(_PACKAGE.rglob("*.py")):
            digest.update(str(file.relative_to(_PACKAGE)).encode() + b"\0" + file.read_bytes() + b"\0")
        _CODE_DIGEST = digest.hexdigest()
    return _CODE_DIGEST


def cache_key(folders: Sequence[Path]) -> tuple[str, list[str]] | None:
    """The key of a pack made of ``folders`` (the bundled pack when empty), and each folder's digest.

    The bundled pack's digest is always part of it: a folder may extend the bundled pack.
    None when a folder cannot be read (the loader then explains why).
    """
    try:
        digests = [folder_digest(f) for f in folders]
        bundled = folder_digest(bundled_pack_path())
    except OSError:
        return None
    key = hashlib.sha256(FORMAT + b"\0" + code_digest().encode() + b"\0" + bundled.encode())
    for folder, digest in zip(folders, digests):
        key.update(b"\0" + str(folder).encode() + b"\0" + digest.encode())
    return key.hexdigest(), digests


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _ALLOWED_BUILTINS:
            return super().find_class(module, name)
        if module in _ALLOWED_EXACT or module.startswith(_ALLOWED_MODULES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a pack cache")


def _read(path: Path, key: str, digests: Sequence[str]) -> RulePack | None:
    """The pack stored at ``path`` under ``key``, or None if the file is missing, corrupt or not this pack's."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header, _, payload = data.partition(b"\n")
    parts = header.split(b" ")
    if len(parts) != 3 or parts[0] != b"qqpack1" or parts[1] != key.encode():
        return None
    if hashlib.sha256(payload).hexdigest().encode() != parts[2]:
        return None
    try:
        pack = _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - whatever is wrong with the file, the pack is rebuilt
        return None
    if not isinstance(pack, RulePack):
        return None
    # the pack read back must be the pack of these files (its own record of what it was built from)
    if digests and [layer.sha256 for layer in pack.layers[-len(digests):]] != list(digests):
        return None
    return pack


def _storable(pack: RulePack) -> bool:
    """Only a pack whose every expression has a closure plan is cached (the rest need rule-engine)."""
    expressions = [e for r in pack.rules for e in (*r.expressions, *(c for _, c in r.cases))]
    expressions += [d.when for d in pack.definitions]
    return all(getattr(e, "plan", None) is not None for e in expressions)


def _store(path: Path, key: str, pack: RulePack) -> None:
    """Write the pack atomically; a cache that cannot be written is simply not used."""
    if not _storable(pack):
        return
    try:
        payload = pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - something in the pack does not pickle: do without the cache
        return
    header = b"qqpack1 " + key.encode() + b" " + hashlib.sha256(payload).hexdigest().encode() + b"\n"
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


_LOADED: dict[str, RulePack] = {}


def cached_rules(paths: str | Path | Sequence[str | Path] | None = None) -> RulePack:
    """The pack :func:`qianqi_rules.load_rules` would give, read from the cache when it holds it."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    folders = [Path(p) for p in (paths or ())]
    where = cache_dir()
    keyed = cache_key(folders) if where is not None else None
    if keyed is None or where is None:
        return _load(folders)
    key, digests = keyed
    if key in _LOADED:
        return _LOADED[key]
    path = where / f"{key[:32]}.pack"
    pack = _read(path, key, digests)
    if pack is None:
        pack = _load(folders)
        _store(path, key, pack)
    _LOADED[key] = pack
    return pack


def _load(folders: Sequence[Path]) -> RulePack:
    from .loader import default_pack, load_packs

    return load_packs(list(folders)) if folders else default_pack()


def default_pack() -> RulePack:
    """The bundled pack (loaded once per process by the loader, imported only when needed)."""
    from .loader import default_pack as load

    return load()
