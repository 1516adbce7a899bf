"""The pack cache: a checked rule pack stored by the digest of its files, so a warm start is fast.

Loading a pack parses and type-checks every condition with rule-engine
(importing rule-engine alone builds its parser tables); for a pack that has
not changed that work gives the same pack every time.  ``check`` therefore
asks :func:`cached_rules`: it hashes the pack folders' files (the same digest
the loader records), and when the cache folder holds a pack stored under that
key by this very code, it is read back — closures rebuilt from their plans
(:mod:`.compiled`), rule-engine never imported.  Otherwise the pack is loaded
from its files as always and stored for next time.

How a stored file is checked before it is read (key, checksum, an allow-list of classes) and
written (atomically), and where the folder is, is :mod:`.stored`'s; ``lint`` and ``test`` always
load from the files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from .pack import RulePack, bundled_pack_path
from .stored import CACHE_ENV, cache_dir, code_digest, read_stored, write_stored

__all__ = ["CACHE_ENV", "cache_dir", "cache_key", "cached_rules", "code_digest", "default_pack"]

#: changes whenever the stored form changes (the code digest covers the rest)
FORMAT = b"qianqi-rules pack cache 1"


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


def _read(path: Path, key: str, digests: Sequence[str]) -> RulePack | None:
    """The pack stored at ``path`` under ``key``, or None if the file is missing, corrupt or not this pack's."""
    pack = read_stored(path, key)
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
    if _storable(pack):
        write_stored(path, key, pack)


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
