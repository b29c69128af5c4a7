"""What forms of every capability share: fields for several answers, whole numbers and days, and a form with
nothing to fill in but its CSRF token, for buttons that post."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectMultipleField,
    widgets,
)


class ActionForm(FlaskForm):
    """A button that changes something (rotate, ping, replay): nothing to fill in, but CSRF-checked."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class WholeNumberField(IntegerField):
    """A whole number as people write it: ``12``, ``1,200``, ``1 200`` or ``12.0``.

    Anything else (``twenty``, ``1,5``, ``~20``) is refused with a message, never guessed at:
    ``1,5`` means fifteen to some readers and one and a half to others.
    """

    WRITTEN = re.compile(r"(?P<digits>\d{1,3}(?:([, ])\d{3})?(?:\2\d{3})*|\d+)(?:\.0+)?")

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not text:
            return
        written = self.WRITTEN.fullmatch(text)
        if written is None:
            raise ValueError(_("Please enter a whole number, such as 12."))
        self.data = int(re.sub(r"[, ]", "", written["digits"]))


class DayField(DateField):
    """A date field whose parse error gives an example instead of a format code."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Please enter a date such as 2026-03-31.")) from None
