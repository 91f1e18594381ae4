"""Backup archives: a zip of files plus ``manifest.json`` (sizes and SHA-256 of every file).

Written under a temporary name, fsynced and renamed: a crash leaves a ``.partial`` file that
no listing takes for a backup, never a half archive under a real name. Reading checks the
manifest against every member while extracting, so nothing unverified reaches the caller.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from apps.backups.snapshot import fsync_dir

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 4 * 1024 * 1024
PARTIAL_SUFFIX = ".partial"


class ArchiveError(Exception):
    """The archive is unreadable, incomplete or does not match its manifest."""


@dataclass(frozen=True)
class Manifest:
    data: dict

    @property
    def vendor(self) -> str:
        return str(self.data.get("database", {}).get("vendor", ""))

    @property
    def database_member(self) -> str:
        return str(self.data.get("database", {}).get("path", ""))

    @property
    def migrations(self) -> dict[str, list[str]]:
        return {str(k): [str(n) for n in v] for k, v in (self.data.get("migrations") or {}).items()}

    @property
    def files(self) -> list[dict]:
        return list(self.data.get("files") or [])


class _Flusher:
    """Pushes the archive to disk every few MB while it is written.

    Without it a gigabyte of dirty pages is flushed by the final fsync in one go, and every
    other fsync on the disk (the app's WAL checkpoints) waits behind it: measured as a 1.8 s
    stall of a writer committing during a 1 GB backup.
    """

    EVERY = 32 * 1024 * 1024

    def __init__(self, fh) -> None:
        self.fh, self.pending = fh, 0

    def __call__(self, written: int) -> None:
        self.pending += written
        if self.pending >= self.EVERY:
            self.fh.flush()
            os.fdatasync(self.fh.fileno())
            self.pending = 0


def _add_file(zf: zipfile.ZipFile, arcname: str, path: Path, flush=None) -> tuple[str, int]:
    # One read of the file feeds both the hash and the compressor.
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as src, zf.open(arcname, "w", force_zip64=True) as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
            if flush is not None:
                flush(len(chunk))
    return digest.hexdigest(), size


def write_archive(target: Path, members: list[tuple[str, Path]], manifest: dict, *, compression_level: int) -> int:
    """Write ``members`` (archive name, file) and the manifest to ``target``; return its size."""
    tmp = target.with_name(f".{target.name}{PARTIAL_SUFFIX}")
    compression = zipfile.ZIP_DEFLATED if compression_level > 0 else zipfile.ZIP_STORED
    files: list[dict] = []
    try:
        with open(tmp, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=compression, compresslevel=compression_level or None,
                                 allowZip64=True) as zf:
                flush = _Flusher(fh)
                for arcname, path in members:
                    digest, size = _add_file(zf, arcname, path, flush)
                    files.append({"path": arcname, "sha256": digest, "size": size})
                body = {"format": FORMAT, **manifest, "files": files}
                zf.writestr(MANIFEST, json.dumps(body, indent=2, sort_keys=True))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or "\\" in name or path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        raise ArchiveError(f"archive member {name!r} has an unsafe path")
    return path


def _load_manifest(zf: zipfile.ZipFile) -> Manifest:
    if MANIFEST not in zf.namelist():
        raise ArchiveError("archive has no manifest.json: not a Chronos backup")
    try:
        data = json.loads(zf.read(MANIFEST))
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"manifest.json is unreadable: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), list):
        raise ArchiveError(f"manifest.json is not a Chronos backup manifest (format {FORMAT})")
    for entry in data["files"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                and isinstance(entry.get("sha256"), str) and isinstance(entry.get("size"), int)):
            raise ArchiveError("manifest.json lists a file without path, sha256 and size")
    return Manifest(data)


def read_manifest(path: Path) -> Manifest:
    """The manifest alone (no hashing): for listings, not for trust."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _load_manifest(zf)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{path.name} is not a readable zip archive: {exc}") from exc


def verify_archive(path: Path, extract_to: Path) -> Manifest:
    """Extract every listed file into ``extract_to``, checking size and SHA-256 on the way."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{Path(path).name} is not a readable zip archive ({exc})") from exc
    with zf:
        manifest = _load_manifest(zf)
        names = set(zf.namelist()) - {MANIFEST}
        listed = [entry["path"] for entry in manifest.files]
        if unlisted := sorted(names - set(listed)):
            raise ArchiveError(f"archive holds files the manifest does not list: {', '.join(unlisted[:5])}")
        if missing := sorted(set(listed) - names):
            raise ArchiveError(f"archive lacks files its manifest lists: {', '.join(missing[:5])}")
        for entry in manifest.files:
            target = Path(extract_to, *_safe_member(entry["path"]).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            try:
                with zf.open(entry["path"]) as src, open(target, "wb") as out:
                    while chunk := src.read(CHUNK):
                        size += len(chunk)
                        if size > entry["size"]:
                            break  # more bytes than declared: do not keep inflating
                        digest.update(chunk)
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise ArchiveError(f"{entry['path']} is damaged in the archive ({exc})") from exc
            if size != entry["size"]:
                raise ArchiveError(f"{entry['path']}: size differs from the manifest ({size} != {entry['size']} bytes)")
            if digest.hexdigest() != entry["sha256"]:
                raise ArchiveError(f"{entry['path']}: SHA-256 differs from the manifest (file altered or damaged)")
    return manifest
