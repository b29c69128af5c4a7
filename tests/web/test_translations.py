"""The catalogs: every prospect-facing string has a translation in every shipped language, and each translation
keeps its original's placeholders.

What a prospect reads is extracted afresh from the files below (with Babel's own extractors, as
``make translations`` runs them), so a new string in a public template fails here until it is translated.
Staff pages' strings are in the catalogs too (a team can translate them), but may stay in English.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from leads import languages

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "leads" / "translations"
TEMPLATES = ROOT / "site" / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2)}

# What prospects read: the public pages, the questionnaire, booking, the email and privacy pages, their mails.
PROSPECT_TEMPLATES = [
    "base.html", "_fields.html", "_macros.html", "errors/*.html",
    "public/*.html", "public/*.xml", "questionnaire/*.html",
    "booking/_slots.html", "booking/closed.html", "booking/confirm.html", "booking/link.html",
    "booking/meeting.html", "booking/pick.html",
    "nurture/confirmed.html", "nurture/message.html", "nurture/ready.html", "nurture/unsubscribed.html",
    "privacy/asked.html", "privacy/confirm_erase.html", "privacy/erased.html", "privacy/policy.html",
    "privacy/your_data.html",
    "email/meeting.*", "email/nurture.*", "email/privacy_link.*",
]
# Code whose words reach prospects: forms, messages, mail subjects, the invitation.
PROSPECT_CODE: list[str] = [
    "leads/web/errors.py", "leads/web/clean_input.py", "leads/web/forms.py",
    "leads/questionnaire/answering.py", "leads/questionnaire/forms.py", "leads/questionnaire/views.py",
    "leads/scoring/hand_raise.py", "leads/embeds/views.py",
    "leads/links.py",
    "leads/booking/availability.py", "leads/booking/forms.py", "leads/booking/mails.py", "leads/booking/meetings.py",
    "leads/booking/picker.py", "leads/booking/views.py",
    "leads/nurture/returns.py", "leads/nurture/sending.py", "leads/nurture/subscriptions.py", "leads/nurture/views.py",
    "leads/privacy/data_map.py", "leads/privacy/forms.py", "leads/privacy/requests.py", "leads/privacy/views.py",
]


def prospect_strings() -> set[str]:
    found: set[str] = set()
    files = [(path, "jinja2") for pattern in PROSPECT_TEMPLATES for path in sorted(TEMPLATES.glob(pattern))]
    files += [(ROOT / name, "python") for name in PROSPECT_CODE]
    for path, method in files:
        for _, message, _, _ in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                  options={"extensions": "jinja2.ext.i18n"}):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(code: str) -> Catalog:
    with (CATALOGS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def translated(message: Message) -> bool:
    """Every form filled in (a plural has one per form) and not marked fuzzy."""
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(forms) and not message.fuzzy


TRANSLATED = [code for code in languages.CODES if code != languages.FALLBACK]


def test_there_are_prospect_strings_to_translate() -> None:
    assert len(prospect_strings()) > 10


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_prospect_facing_string_is_translated(code: str, record_property) -> None:
    wanted = prospect_strings()
    messages = {message.id if isinstance(message.id, str) else message.id[0]: message for message in catalog(code)
                if message.id}
    missing = sorted(text for text in wanted if text not in messages or not translated(messages[text]))
    share = 100 * (len(wanted) - len(missing)) / len(wanted)
    record_property("measured", f"prospect-facing strings: {len(wanted)}; {code}: {len(wanted) - len(missing)}"
                                f" translated ({share:.1f}%)")
    assert not missing, f"{len(missing)} prospect-facing strings have no {code} translation: {missing[:20]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code: str) -> None:
    problems = [f"{message.id!r}: {error}" for message, errors in catalog(code).check() for error in errors]
    assert not problems, problems
