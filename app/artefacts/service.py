"""Store fitted models as skops bytes with their metadata, and load them back only if every type is expected."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import skops.io as sio
from sqlalchemy.orm import Session

from app.artefacts import repository
from app.artefacts.models import ModelArtefact
from app.db import utcnow

# Types from these modules may be rebuilt on load; anything else in a payload is refused (skops' point).
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "pandas.", "matching.", "lifelines.", "builtins.", "collections.")
LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "lifelines", "skops")


class UntrustedArtefact(Exception):
    """A stored payload names a type outside TRUSTED_PREFIXES: it was not written by this product."""


@dataclass(frozen=True)
class Loaded:
    estimator: Any
    version: str
    details: dict[str, Any]


def library_versions() -> dict[str, str]:
    """What the artefact was fitted with, so a load under other versions can be noticed."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def dumps(estimator: Any) -> bytes:
    """Deflated: the normaliser's sparse matrices shrink several-fold, and every process loads these bytes."""
    return bytes(sio.dumps(estimator, compression=zipfile.ZIP_DEFLATED))


def loads(payload: bytes) -> Any:
    """Rebuild an estimator, refusing any type this product does not itself store."""
    untrusted = sio.get_untrusted_types(data=payload)
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise UntrustedArtefact(f"artefact contains unexpected types: {refused}")
    return sio.loads(payload, trusted=untrusted)


def new_version(payload: bytes, when: datetime | None = None) -> str:
    """Sortable and unique: UTC time of fitting plus a content hash."""
    when = when or utcnow()
    return f"{when:%Y%m%d-%H%M%S}-{hashlib.sha256(payload).hexdigest()[:8]}"


def store(
    session: Session,
    kind: str,
    estimator: Any,
    details: dict[str, Any],
    *,
    activate: bool,
    inactive_reason: str | None = None,
) -> ModelArtefact:
    """Save a fitted model; activating it retires the previous active one of its kind in the same transaction."""
    payload = dumps(estimator)
    details = {"libraries": library_versions(), **details}
    if activate:
        repository.deactivate(session, kind)
        session.flush()
    artefact = ModelArtefact(
        kind=kind,
        version=new_version(payload),
        active=activate,
        payload=payload,
        details=details,
        inactive_reason=None if activate else inactive_reason,
    )
    return repository.add(session, artefact)


def load_active(session: Session, kind: str) -> Loaded | None:
    artefact = repository.active(session, kind)
    if artefact is None:
        return None
    return Loaded(loads(artefact.payload), artefact.version, dict(artefact.details))


class ActiveModel:
    """The active artefact of one kind as this process holds it: the latest version only, read by version first
    (its payload only when it is new) and deserialised outside the lock its readers take."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one deserialisation at a time; the next caller finds it done
        self._held: Loaded | None = None

    def hold(self, loaded: Loaded) -> None:
        """A model this process just trained and stored: no need to read it back."""
        with self._lock:
            self._held = loaded

    def get(self, session: Session) -> Loaded | None:
        version = repository.active_version(session, self.kind)
        if version is None:
            return None
        with self._lock:
            held = self._held
        if held is not None and held.version == version:
            return held
        with self._loading:
            with self._lock:
                held = self._held
            if held is not None and held.version == version:
                return held
            loaded = load_active(session, self.kind)
            if loaded is not None:
                with self._lock:
                    self._held = loaded
            return loaded
