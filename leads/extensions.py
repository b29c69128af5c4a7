"""The Flask extensions, created unbound so that create_app can wire them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from leads.models import Base

if TYPE_CHECKING:
    from leads.publishing.content import Content

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Every limit is declared on its view with @limiter.limit; there are no app-wide limits.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Where the app keeps what the marketers wrote, loaded once (create_app puts it there).
CONTENT = "doorstep.content"


def site_content(app: Flask | None = None) -> Content:
    """What the marketers wrote, as this app keeps it loaded: the one way any code reaches the content."""
    content: Content = (app or current_app).extensions[CONTENT]
    return content
