"""Where the loaders' files live and how they are kept safe: the manifest, checksums, atomic writes, the live cache.

:mod:`helpers.data` decides *what* to load; this module only reads and writes files. Two kinds of local copy serve a
request without a network:

* **snapshots** shipped with the course in ``data/snapshots/``, listed with their SHA-256 checksums in
  ``data/manifest.json`` (written by ``tools/make_snapshots.py``, which uses :func:`atomic_write`,
  :func:`frame_to_csv_bytes` and :func:`sha256` from here);
* **cache entries** in ``data/cache/``: earlier live downloads, each a CSV file with a ``.json`` sidecar that records
  its checksum and the date interval it covers.

Every file is checked against its checksum before use, and every write is atomic, so an interrupted download never
damages what was already cached. The data directory is ``$LSTM_COURSE_DATA`` if set, else the repository's ``data/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.config import DATA_ENV, data_dir_override
from helpers.errors import SnapshotCorruptError

#: Turns a frame read from a file into the loader schema (:func:`helpers.data.tidy` for one kind of data).
Tidy = Callable[[pd.DataFrame], pd.DataFrame]


class CorruptCacheError(Exception):
    """A cache file fails its checksum or cannot be parsed. Not a learner's error: the loader decides what to do."""


# --------------------------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------------------------


def data_dir() -> Path:
    """The data directory: ``$LSTM_COURSE_DATA`` if set, else ``<repository>/data``."""
    override = data_dir_override()
    if override is not None:
        return override
    return Path(__file__).resolve().parent.parent / "data"


def manifest_path() -> Path:
    return data_dir() / "manifest.json"


def cache_dir() -> Path:
    return data_dir() / "cache"


def cache_file(kind: str, name: str) -> Path:
    # The loaders validate names (no separators, no leading dot), so this stays inside the cache directory.
    return cache_dir() / f"{kind}_{name}.csv"


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def relative(path: Path) -> str:
    """``path`` relative to the repository root when it is inside it (for messages that name a fix)."""
    root = data_dir().parent
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------------------------
# Bytes on disk
# --------------------------------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def atomic_write(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see either the old file or the complete new one.

    The bytes go to a temporary file in the same directory (``os.replace`` is atomic only within a file system)
    and replace the target only once they are flushed to disk; on any failure the temporary file is removed and
    the old file is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; data files are meant to be readable like any other
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def frame_to_csv_bytes(df: pd.DataFrame, date_format: str = "%Y-%m-%d") -> bytes:
    """The one CSV layout of snapshots and cache files: ISO dates (``"%Y-%m-%d %H:%M"`` for sub-daily series),
    full float precision, LF line ends."""
    return df.to_csv(date_format=date_format, lineterminator="\n").encode("utf-8")


def read_csv_frame(path: Path, tidy: Tidy) -> pd.DataFrame:
    """Read a snapshot or cache CSV (ISO dates or date-times in the first column) into the schema with ``tidy``."""
    df = pd.read_csv(path, index_col=0)
    df.index = pd.to_datetime(df.index, format="ISO8601")
    return tidy(df)


# --------------------------------------------------------------------------------------------------------------
# What is available offline
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalCopy:
    """A file that may serve a request: a snapshot or a cache entry, with the date interval it covers."""

    origin: str  # "snapshot" or "cache"
    path: Path
    sha256: str
    first: pd.Timestamp
    last: pd.Timestamp

    def covers(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> bool:
        # An open end covers only if the other end falls inside: a start after the last day is not "covered".
        return all(day is None or self.first <= day <= self.last for day in (start, end))

    def overlap(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        lo = self.first if start is None else max(start, self.first)
        hi = self.last if end is None else min(end, self.last)
        return (lo, hi) if lo <= hi else None


def manifest() -> dict:
    """The parsed ``data/manifest.json``; a missing or broken manifest raises an error that names the fix."""
    path = manifest_path()
    rel = relative(path)
    if not path.exists():
        raise SnapshotCorruptError(
            f"The data manifest {rel} is missing (data directory: {data_dir()}). Restore it with "
            f"`git checkout {rel}` or re-run `python tools/make_snapshots.py`; if you set {DATA_ENV}, point "
            "it at a copy of the course's data/ folder."
        )
    try:
        parsed = json.loads(path.read_text(encoding="utf-8"))
        parsed["snapshots"]  # a manifest without this key is as broken as unparsable JSON
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotCorruptError(
            f"The data manifest {rel} cannot be read ({exc}). Restore it with `git checkout {rel}` "
            "or re-run `python tools/make_snapshots.py`."
        ) from exc
    return parsed


def snapshot(kind: str, name: str) -> LocalCopy | None:
    """The shipped snapshot of ``kind``/``name``, or None when the manifest lists none."""
    for entry in manifest()["snapshots"]:
        if entry["kind"] == kind and entry["name"] == name:
            # A day-level interval: a sub-daily snapshot that starts at 09:51 still "covers" a request for that day.
            first, last = pd.Timestamp(entry["first"]).normalize(), pd.Timestamp(entry["last"]).normalize()
            return LocalCopy("snapshot", data_dir() / entry["file"], entry["sha256"], first, last)
    return None


def cache_meta(kind: str, name: str) -> dict | None:
    """The sidecar record of a cached download, or None when there is no (readable) cache entry."""
    path = cache_file(kind, name)
    side = sidecar(path)
    if not path.exists() or not side.exists():
        return None
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
        pd.Timestamp(meta["start"]), pd.Timestamp(meta["end"]), meta["sha256"]  # shape check: raises if broken
    except (ValueError, KeyError, TypeError):
        return None
    return meta


def cached(kind: str, name: str) -> LocalCopy | None:
    """The cache entry of ``kind``/``name``, or None."""
    meta = cache_meta(kind, name)
    if meta is None:
        return None
    # A cache entry covers the interval that was *requested* when it was downloaded: a stock download for
    # 2020-01-01 (a holiday) starts on 2020-01-02, yet asking again for 2020-01-01 must not download again.
    first, last = pd.Timestamp(meta["start"]), pd.Timestamp(meta["end"])
    return LocalCopy("cache", cache_file(kind, name), meta["sha256"], first, last)


def cache_entries() -> Iterator[tuple[str, str, dict]]:
    """``(kind, name, sidecar record)`` of every readable cache entry, sorted by file name."""
    if not cache_dir().is_dir():
        return
    for path in sorted(cache_dir().glob("*_*.csv")):
        kind, _, name = path.stem.partition("_")
        meta = cache_meta(kind, name)
        if meta is not None:
            yield kind, name, meta


def listing(include_cache: bool, kinds: tuple[str, ...]) -> pd.DataFrame:
    """The table behind :func:`helpers.data.available_offline`: the manifest's snapshots, then cache entries."""
    records = [
        {
            "kind": e["kind"],
            "name": e["name"],
            "description": e.get("description", ""),
            "first": pd.Timestamp(e["first"]),
            "last": pd.Timestamp(e["last"]),
            "rows": int(e["rows"]),
            "source": "snapshot",
        }
        for e in manifest()["snapshots"]
    ]
    if include_cache:
        records += [
            {
                "kind": kind,
                "name": name,
                "description": f"live download ({meta.get('provider', 'unknown provider')})",
                "first": pd.Timestamp(meta["first"]),
                "last": pd.Timestamp(meta["last"]),
                "rows": int(meta["rows"]),
                "source": "cache",
            }
            for kind, name, meta in cache_entries()
            if kind in kinds
        ]
    columns = ["kind", "name", "description", "first", "last", "rows", "source"]
    table = pd.DataFrame.from_records(records, columns=columns)
    return table.sort_values(["kind", "source", "name"], ignore_index=True)


def summary(kind: str) -> str:
    """One line per data set of ``kind`` available offline, for error messages."""
    table = listing(include_cache=True, kinds=(kind,))
    table = table[table["kind"] == kind]
    if table.empty:
        return f"  (no {kind} data offline)"
    return "\n".join(
        f"  {r.name!r:10} {r.first:%Y-%m-%d} to {r.last:%Y-%m-%d} ({r.rows} rows, {r.source})"
        for r in table.itertuples()
    )


# --------------------------------------------------------------------------------------------------------------
# Reading with checks
# --------------------------------------------------------------------------------------------------------------


def read_snapshot(copy: LocalCopy, tidy: Tidy) -> pd.DataFrame:
    """Read a shipped snapshot after checking its checksum; any problem names the file and the fix."""
    rel = relative(copy.path)
    fix = f"Restore it with `git checkout {rel}` or regenerate it with `python tools/make_snapshots.py`."
    if not copy.path.exists():
        raise SnapshotCorruptError(f"The snapshot {rel} is missing. {fix}")
    if sha256(copy.path) != copy.sha256:
        raise SnapshotCorruptError(
            f"The snapshot {rel} does not match its SHA-256 checksum in {relative(manifest_path())}: the file is "
            f"corrupt, truncated or was edited. {fix}"
        )
    try:
        return read_csv_frame(copy.path, tidy)
    except (ValueError, KeyError) as exc:  # checksum fine but unreadable: the manifest itself was regenerated badly
        raise SnapshotCorruptError(f"The snapshot {rel} cannot be parsed ({exc}). {fix}") from exc


def read_cache(copy: LocalCopy, tidy: Tidy) -> pd.DataFrame:
    """Read a cache entry after checking its checksum; raises :class:`CorruptCacheError` when it is damaged."""
    if sha256(copy.path) != copy.sha256:
        raise CorruptCacheError(
            f"{relative(copy.path)} does not match the checksum recorded in {relative(sidecar(copy.path))}"
        )
    try:
        return read_csv_frame(copy.path, tidy)
    except (ValueError, KeyError) as exc:
        raise CorruptCacheError(f"{relative(copy.path)} cannot be parsed ({exc})") from exc


def corrupt_cache_error(copy: LocalCopy, detail: str, live_problem: str | None) -> SnapshotCorruptError:
    """The learner-facing error for a damaged cache entry (``live_problem``: why a fresh download failed too)."""
    why = f" A fresh download failed too: {live_problem}" if live_problem else ""
    return SnapshotCorruptError(
        f"The cached download {relative(copy.path)} is damaged: {detail}.{why} Fix: delete {relative(copy.path)} and "
        f"its .json file, then connect to the network and load again (source='auto' or 'live' re-downloads it)."
    )


# --------------------------------------------------------------------------------------------------------------
# Writing the cache
# --------------------------------------------------------------------------------------------------------------


def write_cache(
    kind: str, name: str, fresh: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, provider: str, tidy: Tidy
) -> None:
    """Store a download in ``data/cache/``, merged with the cached entry when their date intervals touch.

    New rows win over cached rows of the same date (a refresh). Disjoint intervals are not merged (the covered
    interval must be gap-free), so the new download replaces the old one. The data file and its sidecar (checksum,
    covered interval) are each written atomically; a failure part-way leaves the previous entry intact or, in
    the worst case, a data file that no longer matches its sidecar, which the next load detects.
    """
    old = cached(kind, name)
    if old is not None and start <= old.last + pd.Timedelta(days=1) and old.first <= end + pd.Timedelta(days=1):
        try:
            previous = read_cache(old, tidy)
        except CorruptCacheError:
            previous = None
        if previous is not None:
            fresh = pd.concat([previous, fresh])
            fresh = fresh[~fresh.index.duplicated(keep="last")].sort_index()
            start, end = min(start, old.first), max(end, old.last)
    payload = frame_to_csv_bytes(fresh)
    meta = {
        "kind": kind,
        "name": name,
        "provider": provider,
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
        "first": f"{fresh.index[0]:%Y-%m-%d}",
        "last": f"{fresh.index[-1]:%Y-%m-%d}",
        "rows": len(fresh),
        "columns": list(fresh.columns),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "downloaded": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = cache_file(kind, name)
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    # Keep downloads out of git even where the repository's .gitignore is missing (e.g. a copied data folder).
    ignore = cache / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Live downloads of helpers.data: never committed.\n*\n", encoding="utf-8")
    atomic_write(path, payload)
    atomic_write(sidecar(path), (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
