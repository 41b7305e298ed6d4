"""The evidence store on disk: one folder per capture, written once, never edited.

Layout:
    <store>/captures/<YYYY-MM-DD>/<capture-id>/   finished captures (read-only)
    <store>/.incoming/<capture-id>/                captures being written
    <store>/index.db                               the SQLite index (collector.records.index)
    <store>/.filing/<capture-id>.json              filing journal (see below)
    <store>/blobs/sha256-<hex>                identical artifact files, hard-linked
                                                   into each capture that holds them
                                                   (collector.evidence.pool)

A capture is written under `.incoming/`, hashed as it is written, closed with
`manifest.json` and `SHA256SUMS`, and only then renamed into `captures/`. A crash while
writing leaves at most an `.incoming/` folder, which nothing treats as evidence.

Filing is journaled: just before the rename, `seal` writes `.filing/<capture-id>.json`
(the capture, its final folder and its manifest's SHA-256) and holds an exclusive lock on
it; once the capture is indexed with its `captured` custody event the entry is removed
(`filing_recorded`). A process that dies in between leaves the entry unlocked, and the
next command that writes to the custody log completes the filing, recorded as such
(collector.records.custody). A locked entry belongs to a filing still under way.

Closing a capture takes three steps, so that files about the manifest itself can be added
between them (`CaptureWriter.finish` runs all three when there is nothing to add):

1. `write_manifest`: `manifest.json`, listing every artifact written so far;
2. `write_sealed`: zero or more files written *after* the manifest and therefore not listed
   in it: the RFC 3161 request/token over the manifest's SHA-256 (`manifest.tsq`,
   `manifest.tsr`) and `timestamps.json`, which records them (see collector.evidence.stamps);
3. `seal`: `SHA256SUMS` over everything (artifacts, manifest, sealed files), share the
   artifacts through the pool (an identical file already in the store becomes a hard link
   to it: same bytes, stored once), rename into place, make read-only.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collector.errors import StoreError
from collector.evidence.hashing import HashingWriter, sha256_bytes, sha256_file
from collector.evidence.pool import share
from collector.evidence.sums import format_sums
from collector.faults import fault
from collector.manifest import Manifest, ManifestDraft
from collector.models import Artifact, FiledCapture
from collector.timeutil import rfc3339, utc_now

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
CONTROL_FILES = frozenset({MANIFEST, SUMS})
TIMESTAMPS = "timestamps.json"
# Files written after the manifest (so not listed in it), listed in SHA256SUMS.
SEALED_FILE = re.compile(r"timestamps\.json|manifest(\.[2-9]|\.[1-9][0-9]+)?\.ts[qr]")
# Who may read the store: its owner, and a chosen group (COLLECTOR_STORE_GROUP) when one
# is set. Nobody else: captures of personal data are not world-readable.
GROUP_ENV = "COLLECTOR_STORE_GROUP"


@dataclass(frozen=True)
class Access:
    """File modes for the store: owner only, or owner and one group (gid)."""

    gid: int | None = None

    @property
    def umask(self) -> int:
        return 0o027 if self.gid is not None else 0o077

    @property
    def read_only_file(self) -> int:
        return 0o440 if self.gid is not None else 0o400

    @property
    def read_only_dir(self) -> int:
        return 0o550 if self.gid is not None else 0o500

    @property
    def dir(self) -> int:
        # setgid: what is created inside keeps the group
        return 0o2750 if self.gid is not None else 0o700

    def describe(self) -> str:
        if self.gid is None:
            return "owner only"
        try:
            import grp

            name = grp.getgrgid(self.gid).gr_name
        except (ImportError, KeyError):
            name = str(self.gid)
        return f"owner and group {name}"


def store_access() -> Access:
    """The modes COLLECTOR_STORE_GROUP asks for (a group name or number)."""
    value = os.environ.get(GROUP_ENV, "").strip()
    if not value:
        return Access()
    if value.isdigit():
        return Access(int(value))
    try:
        import grp

        return Access(grp.getgrnam(value).gr_gid)
    except KeyError:
        raise StoreError(f"{GROUP_ENV}={value!r}: no such group") from None


def private_umask() -> int:
    """Make what this process creates unreadable to others (store, index, packages);
    returns the previous umask."""
    return os.umask(store_access().umask)


JOURNAL_DIR = ".filing"
# journal entries of filings under way in this process: path -> the fd holding its lock
_HELD_JOURNALS: dict[Path, int] = {}


def new_capture_id() -> str:
    """Sortable by time, unique by a random suffix: `20261125T011530123Z-3fa9c2`."""
    now = utc_now()
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-{secrets.token_hex(3)}"


def canonical_json(data: Any) -> bytes:
    """Stable bytes for JSON that is hashed: sorted keys, no extra spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def pretty_json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def manifest_json(manifest: Mapping[str, Any]) -> bytes:
    """manifest.json's bytes: one top-level field per line, a list's items one per line,
    each value compact JSON. Every capture files a manifest, the one file besides its HAR
    and WARC that is new with each repeat of an unchanged page: indented it was a quarter
    larger (docs/storage.md). `grep '"outcome"' manifest.json` finds a field's line;
    `python3 -m json.tool manifest.json` or `jq .` show it indented."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = []
    for key, value in manifest.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {compact(item)}" for item in value)
            lines.append(f"  {compact(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode()


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def captures_dir(self) -> Path:
        return self.root / "captures"

    @property
    def incoming_dir(self) -> Path:
        return self.root / ".incoming"

    @property
    def index_path(self) -> Path:
        return self.root / "index.db"

    @property
    def journal_dir(self) -> Path:
        """Filing journal: captures sealed and being renamed into place, not yet indexed."""
        return self.root / JOURNAL_DIR

    @property
    def timestamps_dir(self) -> Path:
        """Tokens obtained after a capture was sealed (`collector timestamp`)."""
        return self.root / "timestamps"

    def ensure_writable(self) -> None:
        """Create the store if needed (readable by its owner, and the chosen group, only);
        fail early, before any browser work."""
        access = store_access()
        os.umask(access.umask)
        try:
            for folder in (self.root, self.captures_dir, self.incoming_dir):
                if folder.is_dir():
                    continue
                try:
                    folder.mkdir(parents=True, mode=access.dir)
                except FileExistsError:
                    # another run made it a moment ago: theirs to set up
                    if folder.is_dir():
                        continue
                    raise
                folder.chmod(access.dir)  # mkdir's mode passes through the umask
                if access.gid is not None:
                    os.chown(folder, -1, access.gid)
            probe = self.incoming_dir / f".probe-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StoreError(
                f"evidence store {self.root} is not writable: {exc.strerror or exc}"
            ) from exc

    def exists(self) -> bool:
        return self.captures_dir.is_dir()

    def writable(self) -> bool:
        """Whether a file can be created in the store's root (read-only mounts, archived
        copies and missing permissions say no; root's mode bits are not enough to tell)."""
        probe = self.root / f".probe-{secrets.token_hex(4)}"
        try:
            fault("store.probe")
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            return False
        os.close(fd)
        probe.unlink(missing_ok=True)
        return True

    def begin(self, capture_id: str) -> CaptureWriter:
        folder = self.incoming_dir / capture_id
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise StoreError(f"cannot create {folder}: {exc.strerror or exc}") from exc
        return CaptureWriter(self, capture_id, folder)

    def folder_for(self, capture_id: str) -> Path:
        day = f"{capture_id[0:4]}-{capture_id[4:6]}-{capture_id[6:8]}"
        return self.captures_dir / day / capture_id

    def capture_folders(self) -> Iterator[Path]:
        """Every finished capture folder on disk (whatever the index says)."""
        if not self.captures_dir.is_dir():
            return
        for day in sorted(self.captures_dir.iterdir()):
            if day.is_dir():
                yield from sorted(p for p in day.iterdir() if p.is_dir())

    def incomplete_folders(self) -> list[Path]:
        if not self.incoming_dir.is_dir():
            return []
        return sorted(p for p in self.incoming_dir.iterdir() if p.is_dir())

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # -- the filing journal -----------------------------------------------------------------
    def pending_filings(self) -> Iterator[PendingFiling]:
        """Journal entries left by filings that stopped before their capture was indexed,
        each locked for the caller while it completes it (`filing_recorded` releases it).
        Entries still locked by a filing under way are skipped."""
        if not self.journal_dir.is_dir():
            return
        for path in sorted(self.journal_dir.glob("*.json")):
            if path in _HELD_JOURNALS:
                continue  # this process is filing it right now
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                record = json.loads(os.read(fd, 1 << 16))
                pending = PendingFiling(
                    str(record["capture_id"]),
                    str(record["folder"]),
                    str(record["manifest_sha256"]),
                    str(record.get("journaled_at") or ""),
                    path,
                )
            except (OSError, ValueError, KeyError, TypeError):
                os.close(fd)
                continue  # unreadable: left for `collector verify` to show
            _HELD_JOURNALS[path] = fd
            yield pending

    def filing_recorded(self, capture_id: str) -> None:
        """The capture is indexed with its custody event: drop its journal entry."""
        path = self.journal_dir / f"{capture_id}.json"
        with suppress(FileNotFoundError):
            path.unlink()
        fd = _HELD_JOURNALS.pop(path, None)
        if fd is not None:
            os.close(fd)

    def finish_rename(self, pending: PendingFiling) -> Path | None:
        """The sealed folder of a journaled filing, renamed into place if the crash came
        before the rename; None when there is no sealed folder to file."""
        final = self.root / pending.folder
        if final.is_dir():
            return final
        sealed = self.incoming_dir / pending.capture_id
        if final != self.folder_for(pending.capture_id) or not (sealed / SUMS).is_file():
            return None
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(sealed, final)
        _fsync_dir(final.parent)
        make_read_only(final)
        return final

    def release_filing(self, capture_id: str) -> None:
        """Keep the journal entry for a later command, unlocked (filing not completed)."""
        fd = _HELD_JOURNALS.pop(self.journal_dir / f"{capture_id}.json", None)
        if fd is not None:
            os.close(fd)

    def _journal(self, capture_id: str, folder: str, manifest_sha256: str) -> None:
        self.journal_dir.mkdir(exist_ok=True)
        path = self.journal_dir / f"{capture_id}.json"
        record = {
            "capture_id": capture_id,
            "folder": folder,
            "manifest_sha256": manifest_sha256,
            "journaled_at": rfc3339(utc_now()),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = canonical_json(record) + b"\n"
            if os.write(fd, data) != len(data):
                raise OSError(f"short write to {path}")
            os.fsync(fd)
            _fsync_dir(self.journal_dir)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        _HELD_JOURNALS[path] = fd


@dataclass(frozen=True)
class PendingFiling:
    """A journal entry: a capture sealed for filing but not (yet) indexed."""

    capture_id: str
    folder: str  # its folder in captures/, relative to the store
    manifest_sha256: str
    journaled_at: str
    path: Path


class CaptureWriter:
    """Writes one capture's artifacts, hashing the exact bytes as they go to disk."""

    def __init__(self, store: EvidenceStore, capture_id: str, folder: Path) -> None:
        self.store = store
        self.capture_id = capture_id
        self.folder = folder
        self.artifacts: list[Artifact] = []
        self.sealed: list[Artifact] = []  # written after the manifest, listed in SHA256SUMS
        self._manifest: tuple[Manifest, Artifact] | None = None

    def _path(self, name: str) -> Path:
        if (
            "/" in name
            or name.startswith(".")
            or name in CONTROL_FILES
            or SEALED_FILE.fullmatch(name)
        ):
            raise StoreError(f"refusing artifact name {name!r}")
        path = self.folder / name
        if any(a.name == name for a in self.artifacts):
            raise StoreError(f"artifact {name!r} written twice")
        return path

    def write_bytes(self, name: str, data: bytes, media_type: str) -> Artifact:
        path = self._path(name)
        fault("store.write")
        fault(f"store.write/{name}")
        with path.open("xb") as fh:  # "x": never overwrite
            writer = HashingWriter(fh)
            for i in range(0, len(data), 1 << 20):
                writer.write(data[i : i + (1 << 20)])
            fh.flush()
            os.fsync(fh.fileno())
        artifact = Artifact(name, media_type, writer.size, writer.hexdigest())
        self.artifacts.append(artifact)
        return artifact

    def link_earlier(
        self, name: str, source: Path, sha256: str, media_type: str
    ) -> Artifact | None:
        """Hard-link a file already in the store (an earlier capture's WARC that this
        capture's revisit records point into) as an artifact of this capture; None (and
        nothing left behind) unless the linked file hashes to `sha256`."""
        path = self._path(name)
        try:
            os.link(source, path)
        except OSError:
            return None
        digest, size = sha256_file(path)  # the link's bytes: a later change of `source` is ours too
        if digest != sha256:
            path.unlink()
            return None
        artifact = Artifact(name, media_type, size, digest)
        self.artifacts.append(artifact)
        return artifact

    def adopt(self, name: str, media_type: str) -> Artifact | None:
        """Hash a file a tool wrote into the folder itself (Playwright's HAR)."""
        path = self._path(name)
        if not path.is_file():
            return None
        digest, size = sha256_file(path)
        artifact = Artifact(name, media_type, size, digest)
        self.artifacts.append(artifact)
        return artifact

    @contextmanager
    def open_stream(self, name: str, media_type: str) -> Iterator[HashingWriter]:
        """Stream an artifact to disk, hashing every byte on its way (e.g. the WARC).

        The artifact is recorded only when the block ends without an exception; otherwise
        the partial file is removed (it was never evidence) and the exception propagates.
        """
        path = self._path(name)
        try:
            fault("store.write")
            fault(f"store.write/{name}")
            with path.open("xb") as fh:  # "x": never overwrite
                writer = HashingWriter(fh)
                yield writer
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self.artifacts.append(Artifact(name, media_type, writer.size, writer.hexdigest()))

    def finish(self, manifest: ManifestDraft) -> FiledCapture:
        """Close the capture: manifest, SHA256SUMS, rename into place, make read-only."""
        self.write_manifest(manifest)
        return self.seal()

    def write_manifest(self, manifest: ManifestDraft) -> Artifact:
        """Step 1 of closing: `manifest.json`, listing every artifact written so far."""
        if self._manifest is not None:
            raise StoreError(f"manifest of capture {self.capture_id} written twice")
        unexpected = sorted(
            p.name for p in self.folder.iterdir() if p.name not in {a.name for a in self.artifacts}
        )
        if unexpected:
            raise StoreError(f"unexpected files in capture {self.capture_id}: {unexpected}")
        written: Manifest = {**manifest, "artifacts": [a.as_dict() for a in self.artifacts]}
        artifact = self._write_control(MANIFEST, manifest_json(written))
        self._manifest = (written, artifact)
        return artifact

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def write_sealed(self, name: str, data: bytes, media_type: str) -> Artifact:
        """Step 2: a file about the manifest, written after it (listed in SHA256SUMS only)."""
        if self._manifest is None:
            raise StoreError("sealed files come after the manifest")
        if not SEALED_FILE.fullmatch(name) or any(a.name == name for a in self.sealed):
            raise StoreError(f"refusing sealed file name {name!r}")
        artifact = self._write_control(name, data, media_type)
        self.sealed.append(artifact)
        return artifact

    def seal(self) -> FiledCapture:
        """Step 3: SHA256SUMS over everything, rename into place, make read-only."""
        if self._manifest is None:
            raise StoreError("write the manifest before sealing the capture")
        manifest, manifest_artifact = self._manifest
        listed = [*self.artifacts, manifest_artifact, *self.sealed]
        self._write_control(SUMS, format_sums((a.name, a.sha256) for a in listed))
        access = store_access()
        share(
            self.store.root,
            self.folder,
            ((a.name, a.sha256, a.size) for a in self.artifacts),
            access.dir,
            access.gid,
        )
        final = self.store.folder_for(self.capture_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        _fsync_dir(self.folder)
        if final.exists():
            raise StoreError(f"capture folder {final} already exists; refusing to overwrite")
        # journal first: a crash after the rename leaves an entry the next command completes
        self.store._journal(self.capture_id, self.store.relative(final), manifest_artifact.sha256)
        fault("filing.after-journal")
        os.rename(self.folder, final)
        _fsync_dir(final.parent)
        make_read_only(final)
        fault("filing.after-rename")
        return FiledCapture(
            capture_id=self.capture_id,
            folder=self.store.relative(final),
            manifest=manifest,
            manifest_sha256=manifest_artifact.sha256,
            artifacts=tuple(self.artifacts),
            sealed=tuple(self.sealed),
        )

    def _write_control(
        self, name: str, data: bytes, media_type: str = "application/json"
    ) -> Artifact:
        fault("store.write")
        fault(f"store.write/{name}")
        with (self.folder / name).open("xb") as fh:
            writer = HashingWriter(fh)
            writer.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return Artifact(name, media_type, writer.size, writer.hexdigest())

    def abandon(self) -> None:
        """Remove a capture that never got anywhere (nothing obtained, nothing to keep)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def make_read_only(folder: Path) -> None:
    access = store_access()
    for path in folder.iterdir():
        path.chmod(access.read_only_file)
    folder.chmod(access.read_only_dir)


def world_readable(store: EvidenceStore, limit: int = 5) -> tuple[int, list[str]]:
    """Paths in the store that others than the owner and its group may read or enter
    (stores made before collector kept them private): (how many, the first few)."""
    found: list[str] = []
    count = 0
    stack = [store.root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for path in [
            folder,
            *(Path(e.path) for e in entries if not e.is_dir(follow_symlinks=False)),
        ]:
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue
            if mode & 0o007 and not stat.S_ISLNK(mode):
                count += 1
                if len(found) < limit:
                    found.append(f"{store.relative(path) or '.'} ({stat.filemode(mode)})")
        stack.extend(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))
    return count, found


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def json_object(data: bytes, label: str, problems: list[str]) -> dict[str, Any] | None:
    """A JSON object read for checking (a record, package.json), or None with the problem
    named under `label` (the verifiers report, they do not raise)."""
    try:
        value = json.loads(data)
    except ValueError as exc:
        problems.append(f"{label}: not valid JSON ({exc})")
        return None
    if not isinstance(value, dict):
        problems.append(f"{label}: not a JSON object")
        return None
    return value


def load_manifest(folder: Path) -> tuple[Manifest, str]:
    """Read a capture's manifest and the SHA-256 of its bytes (not validated: see
    collector.manifest)."""
    path = folder / MANIFEST
    data = path.read_bytes()
    try:
        return json.loads(data), sha256_bytes(data)
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: manifest is not valid JSON: {exc}") from exc


def read_verified_artifact(folder: Path, manifest: Manifest, name: str) -> bytes | None:
    """An artifact's bytes, only if they still match the manifest's SHA-256.

    For derived data (search text, change detection): `None` when the artifact was not
    recorded, is missing or was modified (`collector verify` names which).
    """
    listed = next((a for a in manifest.get("artifacts", []) if a.get("name") == name), None)
    if listed is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    return data if sha256_bytes(data) == listed.get("sha256") else None
