"""The language of every request: chosen, carried in public URLs, remembered, and handed to Flask-Babel.

**Public pages** (the blueprints ``register`` is given: articles, the questionnaire, booking, the email and
privacy pages) answer at two URLs: ``/articles/x`` in the site's default language (``DEFAULT_LANGUAGE``,
from ``DOORSTEP_DEFAULT_LANGUAGE``) and ``/de/articles/x`` in every other shipped language. Each rule is
added a second time under the ``/<lang>`` prefix with the same endpoint, so ``url_for`` needs no new names:
given ``lang`` (or, by default, the language being spoken, through ``url_defaults``) it builds the prefixed
URL, and the default language builds the bare one. A link in a mail drawn for a German prospect is therefore
German, without the mail knowing.

The language of a public request is, in order (``leads.languages.choose``): the URL's prefix; on a bare URL,
the visitor's remembered choice (the ``doorstep_language`` cookie the switcher sets); their browser's
``Accept-Language``; the site's default. A bare URL that resolves to another language than the default is
redirected to that language's URL when the page exists in it (``g.page_languages``, which a view narrows,
as an article does to its translations), so that every URL shows one language only, as search engines and
caches expect. ``/en/x`` for a default of English is redirected to ``/x``: one URL per page.

**Staff pages** speak the team member's chosen language (``User.language``), else their browser's, else the
default. **The worker** speaks each mail's recipient's language through ``leads.dates.reading_as``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, has_request_context, redirect, request, url_for
from flask.blueprints import Blueprint
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from leads import languages

LANGUAGE_COOKIE = "doorstep_language"
# A choice made once is kept for a year, as a preference, not a tracking cookie: it holds a language code.
COOKIE_SECONDS = 365 * 24 * 3600
LOCALIZED_KEY = "doorstep.localized_endpoints"
SWITCHERS_KEY = "doorstep.language_switchers"
SWITCHERS_KEPT = 4096

babel = Babel()


def default_language(app: Flask | None = None) -> str:
    return str((app or current_app).config["DEFAULT_LANGUAGE"])


def current_language() -> str:
    """The language being spoken now: a mail's recipient's (inside ``dates.reading_as``), a public page's (its URL's),
    else Flask-Babel's choice (a team member's), or outside a request the site's default.

    Read on every link a page builds, so the first two come straight from ``g``, where ``reading_as`` and the URL
    put them, before asking Flask-Babel."""
    reader = g.get("doorstep_reader")
    if reader is not None:
        return str(reader.language)
    spoken = g.get("doorstep_language")
    if spoken:
        return str(spoken)
    locale = get_locale()
    return locale.language if locale is not None else default_language()


def _translations() -> Any:
    """The catalog of the language being spoken, looked up once per request and language (a page asks for ~20
    words; Flask-Babel's lookup walks its contexts for each)."""
    language = current_language()
    kept = g.get("doorstep_translations")
    if kept is None or kept[0] != language:
        kept = g.doorstep_translations = (language, get_translations())
    return kept[1]


def _install_words(app: Flask) -> None:
    """Templates' ``_``, ``gettext``, ``ngettext`` (and the ``p`` forms), Jinja's own newstyle callables (which
    escape a translation's placeholders), on ``_translations``: the same catalogs Flask-Babel would use."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda one, many, n: _translations().ungettext(one, many, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: _translations().unpgettext(context, one, many, n),
        newstyle=True,
    )


def localized(endpoint: str | None) -> bool:
    return endpoint is not None and endpoint in current_app.extensions[LOCALIZED_KEY]


def language_url(language: str, external: bool = False) -> str:
    """The page being shown, in ``language``: same endpoint, same arguments (but those its view gave that language,
    as an article's slug), same query."""
    args: dict[str, Any] = dict(request.view_args or {})
    args.update(request.args.to_dict(flat=True))
    args.update(g.get("page_arguments", {}).get(language, {}))
    return url_for(str(request.endpoint), **args, lang=language, _external=external)


def page_languages() -> tuple[str, ...]:
    """The languages this page exists in, the default first: every shipped one unless its view said fewer."""
    offered = g.get("page_languages")
    offered = languages.CODES if offered is None else offered
    first = default_language()
    return tuple(sorted(offered, key=lambda code: (code != first, languages.CODES.index(code))))


def offer(codes: Iterable[str] | Mapping[str, Mapping[str, Any]]) -> None:
    """A view says which languages its page exists in; a mapping also gives each language the URL arguments of its
    version where they differ (an article: each translation's slug, ``{"de": {"slug": "die-luecke"}}``)."""
    if isinstance(codes, Mapping):
        g.page_arguments = {code: dict(arguments) for code, arguments in codes.items()}
    g.page_languages = tuple(code for code in codes if languages.is_shipped(code))


def _select() -> str:
    """Flask-Babel asks once per request (or app context): the public page's language, else a team member's."""
    if not has_request_context():
        return default_language()
    spoken = g.get("doorstep_language")
    if spoken:
        return str(spoken)
    accepted = [tag for tag, _ in request.accept_languages]
    chosen = getattr(current_user, "language", "") if current_user.is_authenticated else ""
    return languages.choose(chosen or None, None, accepted, default_language())


def _take_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before the view runs: the URL's language (or a bare URL's default) becomes the request's."""
    if not localized(endpoint):
        return
    in_url = values.pop("lang", None) if values is not None else None
    default = default_language()
    if in_url == default:
        # One URL per page: the default language has no prefix.
        abort(redirect(_bare(request.full_path if request.query_string else request.path), 301))
    g.doorstep_language = in_url or default
    g.language_in_url = bool(in_url)


def _bare(path: str) -> str:
    return "/" + path.lstrip("/").split("/", 1)[1] if path.count("/") > 1 else "/"


def _language_for_links(app: Flask) -> Any:
    """While a URL is built: a public page's link keeps the language spoken, unless it names another."""
    public = app.extensions[LOCALIZED_KEY]
    default = default_language(app)

    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint not in public:
            return
        language = values.pop("lang", None) or current_language()
        if language != default:
            values["lang"] = language

    return add_language


def wanted_language() -> str:
    """On a bare public URL: the language the visitor would rather read (their choice, else their browser's)."""
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    accepted = [tag for tag, _ in request.accept_languages]
    return languages.choose(None, remembered, accepted, default_language())


def _send_to_their_language(response: Response) -> Response:
    """A bare public page read by someone who would rather read another language it exists in goes there."""
    if not localized(request.endpoint) or g.get("language_in_url"):
        return response
    response.vary.update(("Accept-Language", "Cookie"))
    if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return response
    wanted = wanted_language()
    if wanted != default_language() and wanted in page_languages():
        moved = redirect(language_url(wanted), 302)
        moved.vary.update(("Accept-Language", "Cookie"))
        return moved
    return response


def may_move(environ: dict[str, Any], default: str) -> bool:
    """Whether a request, before Flask reads it, may be sent to another language than its URL's: a bare URL
    asked by a visitor whose choice or browser prefers a shipped language other than the default. The page
    cache neither serves nor keeps such a request, so that the kept bare page is always the default's."""
    path = environ.get("PATH_INFO", "")
    if path.split("/", 2)[1:2] and path.split("/", 2)[1] in languages.SHIPPED:
        return False
    cookie = environ.get("HTTP_COOKIE", "")
    remembered = parse_cookie(cookie).get(LANGUAGE_COOKIE) if LANGUAGE_COOKIE in cookie else None
    header = environ.get("HTTP_ACCEPT_LANGUAGE", "")
    accepted = [tag for tag, _ in parse_accept_header(header, LanguageAccept)] if header else []
    return languages.choose(None, remembered, accepted, default) != default


def choose_view(code: str) -> Response:
    """The switcher's link: remember the choice, then show the page in it (``next``, a path on this site)."""
    if not languages.is_shipped(code):
        abort(404)
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target, 303)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def switcher_links() -> list[dict[str, Any]]:
    """The switcher on a public page: one link per language the page exists in, the current one marked.

    The same page shows every visitor the same links, so they are kept (per app, the last ``SWITCHERS_KEPT``
    pages) by what they are built from: eight URLs a page cost more than the rest of its language handling."""
    if not has_request_context() or not localized(request.endpoint) or request.method != "GET":
        return []
    try:
        request.args  # noqa: B018 (read once: a query that is not UTF-8 gets no switcher, only its error page)
    except UnicodeDecodeError:
        return []
    spoken = current_language()
    offered = page_languages()
    key = (request.endpoint, tuple(sorted((request.view_args or {}).items())), request.query_string, spoken,
           offered, repr(sorted(g.get("page_arguments", {}).items())))
    kept: dict[Any, list[dict[str, Any]]] = current_app.extensions[SWITCHERS_KEY]
    links = kept.get(key)
    if links is None:
        links = [{"code": code, "name": languages.name_of(code), "current": code == spoken,
                  "href": url_for("language.choose", code=code, next=language_url(code)),
                  "url": language_url(code, external=True)}
                 for code in offered]
        if len(kept) >= SWITCHERS_KEPT:
            kept.clear()
        kept[key] = links
    return links


def register(app: Flask, public: Iterable[Blueprint]) -> None:
    """Flask-Babel with the request's language, and every rule of the public blueprints under ``/<lang>`` too."""
    default = default_language(app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", default)
    babel.init_app(app, locale_selector=_select)
    _install_words(app)
    others = [code for code in languages.CODES if code != default]
    names = {blueprint.name for blueprint in public}
    endpoints = set()
    for rule in list(app.url_map.iter_rules()):
        if rule.endpoint.split(".")[0] not in names:
            continue
        endpoints.add(rule.endpoint)
        app.url_map.add(Rule(
            f"/<any({', '.join(languages.CODES)}):lang>{rule.rule}", endpoint=rule.endpoint,
            methods=rule.methods, defaults=rule.defaults, strict_slashes=rule.strict_slashes,
            merge_slashes=rule.merge_slashes, redirect_to=rule.redirect_to, host=rule.host,
            subdomain=rule.subdomain or None, websocket=rule.websocket,
        ))
    app.extensions[LOCALIZED_KEY] = frozenset(endpoints)
    app.extensions[SWITCHERS_KEY] = {}
    app.url_value_preprocessor(_take_language)
    app.url_defaults(_language_for_links(app))
    app.after_request(_send_to_their_language)
    app.add_url_rule("/language/<code>", "language.choose", choose_view)
    app.jinja_env.globals.update(language_links=switcher_links, current_language=current_language,
                                 other_languages=others)
