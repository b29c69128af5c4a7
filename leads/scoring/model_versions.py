"""Good questionnaire versions kept in the database, so that a worker started while the file is broken serves one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from leads import clock
from leads.extensions import db
from leads.models import ModelVersion
from leads.questionnaire import ModelError, Questionnaire, parse_questionnaire

log = logging.getLogger(__name__)

# How many of the newest versions a worker tries, should the newest no longer load (a stricter loader).
TRIED = 10
UPSERTS: dict[str, Callable[[type[ModelVersion]], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert}


class StoredModelVersions:
    """The database behind Content's kept versions (see ``KeptVersions`` in leads/publishing/content.py).

    Each call is one short transaction on a connection of its own, committed at once: it never
    commits, or waits on, the session of the request that happened to load the file. A database
    that cannot be reached or is not migrated yet is logged and otherwise ignored, because the
    file on disk still serves.
    """

    def keep(self, version: str, source: bytes) -> None:
        """Keep a version that loaded cleanly, as the one loaded most recently; one row per version."""
        now = clock.now()
        upsert = UPSERTS.get(db.engine.dialect.name)
        if upsert is None:
            log.warning("could not keep questionnaire version %s: %s is not supported", version, db.engine.dialect.name)
            return
        insert = upsert(ModelVersion).values(version=version, source=source.decode("utf-8"), first_seen_at=now,
                                             loaded_at=now)
        # Workers racing to keep the same file meet on the unique version, and the row stays one.
        statement = insert.on_conflict_do_update(index_elements=["version"],
                                                 set_={"loaded_at": insert.excluded.loaded_at})
        try:
            with db.engine.begin() as connection:
                connection.execute(statement)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("could not keep questionnaire version %s in the database: %s", version, exc)

    def newest(self) -> list[bytes]:
        """The sources of kept versions, the one loaded most recently first; [] when none can be read."""
        query = sa.select(ModelVersion.source).order_by(ModelVersion.loaded_at.desc(), ModelVersion.id.desc())
        try:
            with db.engine.connect() as connection:
                return [source.encode("utf-8") for source in connection.scalars(query.limit(TRIED))]
        except sa.exc.SQLAlchemyError as exc:
            log.warning("could not read kept questionnaire versions from the database: %s", exc)
            return []


def model_of_version(version: str, current: Questionnaire) -> Questionnaire:
    """The model a submission was scored with, so it can be routed again "under the same model"; the current
    one when that is the version, or when the version was never kept (or no longer loads)."""
    if version == current.version:
        return current
    source = db.session.scalar(sa.select(ModelVersion.source).where(ModelVersion.version == version))
    if source is None:
        return current
    try:
        return parse_questionnaire(source.encode("utf-8"), current.path or Path("questionnaire.yaml"), current.language)
    except ModelError as exc:
        log.warning("kept questionnaire version %s no longer loads: %s", version, exc)
        return current
