"""The REST API, ``/api/v1``: other systems read leads, move them, report deals, send answers and book times.

Why SpecTree (read in each library's own documentation and source, December 2026):

- **SpecTree 3** validates requests and responses with pydantic models on a plain ``Flask`` app and its
  blueprints, and writes the OpenAPI document from those models and the routes; its default ``openapi`` is
  ``3.1.0``, and pydantic 2 emits JSON Schema 2020-12, which is what OpenAPI 3.1 speaks natively. The models are
  plain Python, so the API's schemas sit in the pure core (``leads.api.schemas``). Its request-validation hook
  (``before``) lets us answer a bad body as RFC 9457 problem details. Released September 2026.
- **APIFlask 3** also defaults to 3.1.0, but its spec and decorators need the app to be an ``APIFlask`` (a
  subclass of ``Flask``): the factory, every test and the WSGI entry would change for one capability.
- **flask-smorest 0.47** works on a plain app, through apispec and marshmallow, whose schema conversion is still
  3.0-shaped (``nullable``), and would add a second schema language beside the pure models.

Each serves its reference page from a CDN with inline script, which our CSP refuses (``script-src 'self'``), so
the readable reference (``/api/v1/``) is our own template, drawn from the same generated document. SpecTree is
used in its strict mode (only the routes it validates are documented) and not registered on the app: the
document is served from our own ``/api/v1/openapi.json`` view, so that the problem responses can say their
media type, ``application/problem+json``, which SpecTree's responses cannot.

CSRF: the blueprint is exempt from Flask-WTF's check because no API request is authenticated by a cookie. Each
must carry a bearer token, and one without is refused (401) before any view runs, so a browser's session can
never make an API call on a visitor's behalf.
"""
