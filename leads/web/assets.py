"""Static files under content-hashed names, so browsers and CDNs may keep them for a year.

Templates keep calling ``url_for('static', filename='css/site.css')``; a URL default turns
that into ``/static/css/site.3f2a9c1b07de.css``. The static view serves the hashed name with
an immutable year-long lifetime and the plain name with revalidation. Written by hand rather
than with Flask-Assets or WhiteNoise: those bring bundling or a second file server, and this
is one URL hook and one view.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

from flask import Flask, abort, send_from_directory
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

HASH_LENGTH = 12
YEAR = 365 * 24 * 3600
# name.0123456789ab.ext -> (name, hash, .ext)
_HASHED_NAME = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


class StaticFingerprints:
    """Content hashes of the static files, re-read only when a file's size or mtime changes.

    Writing a URL stats the file at most every ``check_seconds`` (the content check's pace:
    every time in development, once a second in production, where static files change only
    with a deploy); a page names several files, and a stat each cost more than the rest of
    the hook. Serving a file always looks afresh, so a hashed URL never answers stale bytes.
    """

    def __init__(self, folder: Path, check_seconds: float = 0.0) -> None:
        self.folder = folder
        self.check_seconds = check_seconds
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._written: dict[str, tuple[float, str | None]] = {}  # filename -> (checked at, digest)

    def digest(self, filename: str) -> str | None:
        """The file's content hash; None for a missing file or a name that leads out of the folder."""
        safe = safe_join(str(self.folder), filename)
        if safe is None:  # checked before anything is read, so no file outside is ever touched
            return None
        path = Path(safe)
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known is not None and known[0] == stamp:
            return known[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        self._known[filename] = (stamp, digest)
        return digest

    def recent_digest(self, filename: str) -> str | None:
        """The digest as of at most ``check_seconds`` ago."""
        now = time.monotonic()
        written = self._written.get(filename)
        if written is not None and now - written[0] < self.check_seconds:
            return written[1]
        digest = self.digest(filename)
        self._written[filename] = (now, digest)
        return digest

    def hashed_name(self, filename: str) -> str:
        """``css/site.css`` -> ``css/site.<hash>.css``; unknown files keep their name."""
        digest = self.recent_digest(filename)
        stem, dot, suffix = filename.rpartition(".")
        if digest is None or not dot or "/" in suffix:
            return filename
        return f"{stem}.{digest}.{suffix}"


def register(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    fingerprints = StaticFingerprints(folder, check_seconds=app.config["CONTENT_CHECK_SECONDS"])
    app.extensions["doorstep.static_fingerprints"] = fingerprints

    @app.url_defaults
    def hash_static_names(endpoint: str, values: dict[str, Any]) -> None:
        filename = values.get("filename")
        if endpoint == "static" and isinstance(filename, str) and not _HASHED_NAME.match(filename):
            values["filename"] = fingerprints.hashed_name(filename)

    def static(filename: str) -> Response:
        match = _HASHED_NAME.match(filename)
        if match is not None:
            plain = match["stem"] + match["suffix"]
            if fingerprints.digest(plain) == match["hash"]:
                response = send_from_directory(folder, plain, max_age=YEAR)
                response.cache_control.immutable = True
                response.cache_control.public = True
                return response
            if fingerprints.digest(plain) is not None:
                # An old hash after a deploy: serve today's file, but let no one keep it.
                return send_from_directory(folder, plain, max_age=0)
            abort(404)
        return send_from_directory(folder, filename, max_age=0)

    app.view_functions["static"] = static
