"""Rescore a placement after a follow-up arrives: after the response, from the stored model, never a fit."""

from __future__ import annotations

import contextlib
import logging

import anyio
from fastapi import FastAPI

from app.artefacts.service import ActiveModel
from app.db import Database

log = logging.getLogger("laborbridge.departure")


def _rescore(db: Database, holder: ActiveModel, placement_id: int) -> None:
    from app.departure.service import rescore_placement

    with db.session() as session, session.begin():
        rescore_placement(session, holder, placement_id)


async def rescore_after_follow_up(app: FastAPI, placement_id: int) -> None:
    """A failure here is logged and dropped: the follow-up is already saved, the weekly batch rescores anyway."""
    db: Database = app.state.db
    gate = app.state.sqlite_write_gate if db.is_sqlite else contextlib.nullcontext()
    try:
        async with gate:
            await anyio.to_thread.run_sync(_rescore, db, app.state.departure_model, placement_id)
    except Exception:
        log.exception("rescoring placement %s after a follow-up failed", placement_id)
