"""The Flask extensions, created unbound so that create_app can wire them."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from leads.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
# Every limit is declared on its view with @limiter.limit; there are no app-wide limits.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
