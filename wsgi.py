"""The WSGI entry point: `gunicorn wsgi:app`."""

from leads import create_app

app = create_app()
