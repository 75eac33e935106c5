"""File storage: bytes under STORAGE_DIR/<tenant_id>/<category>/…, addressed by a relative path, never
overwritten.

Callers keep the returned relative path and SHA-256 on the owning row; files are served only by views that
load
that row through the ORM wall first (so another tenant's path is never reachable by id).
"""

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to STORAGE_DIR
    sha256: str
    size: int


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"]).resolve()


def store(tenant_id: int, category: str, data: bytes, suffix: str) -> StoredFile:
    """Write a new file for the tenant; a fresh name each time, opened with O_EXCL so nothing is
    overwritten."""
    if not category.isidentifier() or not suffix.isalnum():
        raise ValueError("category and suffix must be plain names")
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(str(int(tenant_id))) / category / f"{uuid.uuid4().hex}-{digest[:16]}.{suffix}"
    target = _root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as fh:
        fh.write(data)
    return StoredFile(path=relative.as_posix(), sha256=digest, size=len(data))


def path_of(relative: str, tenant_id: int) -> Path:
    """The absolute path of a stored file of this tenant; refuses paths that leave the tenant's prefix."""
    root = _root()
    full = (root / relative).resolve()
    prefix = root / str(int(tenant_id))
    if not full.is_relative_to(prefix):
        raise ValueError("path outside the tenant's storage")
    return full


def tenant_prefix(tenant_id: int) -> Path:
    """The folder that holds every file of the tenant (it may not exist yet)."""
    return _root() / str(int(tenant_id))


def read(relative: str, tenant_id: int) -> bytes:
    return path_of(relative, tenant_id).read_bytes()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
