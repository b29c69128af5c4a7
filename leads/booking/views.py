"""Booking for prospects, without signing in: pick a time, confirm it, and later move or cancel it by signed link."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from leads import clock
from leads.accounts.users import (
    sales_user,
)
from leads.booking.availability import (
    AvailabilityChange,
    BookingError,
    availability_fields,
    availability_row,
    parse_slot,
    rep_slots,
    save_availability,
)
from leads.booking.forms import AvailabilityForm, ConfirmForm
from leads.booking.mails import when_text
from leads.booking.meetings import (
    Offer,
    SlotTaken,
    book,
    can_book,
    cancel,
    check_booking,
    check_move,
    lead_from_token,
    meeting_from_token,
    meeting_token,
    offer,
    reschedule,
    upcoming_meeting,
)
from leads.booking.picker import chosen_zone, slots_context
from leads.dates import ZONES, zone_or_default
from leads.extensions import limiter
from leads.links import LinkError
from leads.models import Lead, Meeting
from leads.web.forms import ActionForm

bp = Blueprint("booking", __name__, url_prefix="/book")
# A rep's availability, among the inbox's pages: a child of its blueprint, whose sign-in and role check covers it.
inbox_bp = Blueprint("booking", __name__)

# Only for a real CSRF failure (a page kept open across a session's end, cookies cleared): the choice is kept.
EXPIRED = lazy_gettext("This page had been open a long time, so we couldn't accept that. Please press the button "
                       "once more.")


def _booking_limit() -> str:
    return str(current_app.config["BOOKING_RATE_LIMIT"])


@bp.errorhandler(LinkError)
def bad_link(error: LinkError) -> ResponseReturnValue:
    """An altered or expired link: say so plainly, and offer the way back, never a stack trace."""
    page = render_template("booking/link.html", message=str(error), expired=error.expired)
    return page, 410 if error.expired else 404


def _pick_page(token: str, lead: Lead, message: str = "", code: int = 200) -> ResponseReturnValue:
    if not can_book(lead):
        return render_template("booking/closed.html", lead=lead), 410
    if (booked := upcoming_meeting(lead.id)) is not None:
        return redirect(url_for("booking.meeting", token=meeting_token(booked)))
    zone = chosen_zone()
    context = slots_context(offer(lead), zone, url_for("booking.confirm", token=token))
    return render_template("booking/pick.html", lead=lead, token=token, message=message, **context), code


@bp.get("/<token>")
def pick(token: str) -> ResponseReturnValue:
    return _pick_page(token, lead_from_token(token))


@bp.route("/<token>/confirm", methods=["GET", "POST"])
@limiter.limit(_booking_limit, methods=["POST"])
def confirm(token: str) -> ResponseReturnValue:
    lead = lead_from_token(token)
    if not can_book(lead) or upcoming_meeting(lead.id) is not None:
        return _pick_page(token, lead)
    form = ConfirmForm(formdata=request.form if request.method == "POST" else request.args)
    if request.method == "GET" or not form.validate():
        return _confirm_page(lead, form, url_for("booking.confirm", token=token), token)
    try:
        rep_id, start = parse_slot(form.slot.data or "")
        meeting = book(lead.id, rep_id, start, chosen_zone())
    except SlotTaken as exc:
        return _pick_page(token, lead, str(exc), 409)
    except BookingError as exc:
        return _pick_page(token, lead, str(exc), 400)
    flash(_("Your conversation is booked. We've emailed you an invitation."), "info")
    return redirect(url_for("booking.meeting", token=meeting_token(meeting)), code=303)


def _confirm_page(lead: Lead, form: ConfirmForm, action: str, back: str, moving: Meeting | None = None,
                  message: str = "", code: int = 200) -> ResponseReturnValue:
    """The chosen time, to confirm, if it is one on offer now; a missing, altered or no longer free choice goes
    back to the times, saying why, so no one confirms a time that would then be refused."""
    try:
        rep_id, start = parse_slot(form.slot.data or "")
        if moving is not None:
            check_move(moving, rep_id, start)
        else:
            check_booking(lead, rep_id, start)
    except SlotTaken as exc:
        return _meeting_page(moving, str(exc), 409) if moving is not None else _pick_page(back, lead, str(exc), 409)
    except BookingError as exc:
        text = _("Choose one of the times shown.") if not form.slot.data else str(exc)
        return _meeting_page(moving, text, 400) if moving is not None else _pick_page(back, lead, text, 400)
    zone = chosen_zone()
    form.tz.data = zone
    return render_template("booking/confirm.html", lead=lead, form=form, action=action, when=when_text(start, zone),
                           moving=moving, message=message, back=url_for("booking.meeting", token=back) if moving
                           else url_for("booking.pick", token=back, tz=zone), rep_id=rep_id), code


@bp.get("/meeting/<token>")
def meeting(token: str) -> ResponseReturnValue:
    return _meeting_page(meeting_from_token(token))


def _meeting_page(found: Meeting, message: str = "", code: int = 200) -> ResponseReturnValue:
    zone = zone_or_default(request.args.get("tz"), found.timezone)
    token = meeting_token(found)
    context: dict[str, object] = {"zone": zone}
    if found.status == "booked":
        moves = [slot for slot in rep_slots(found.rep_id, clock.now(), ignoring=found.id) if slot.start != found.start]
        shown = Offer(found.lead, moves, False, found.rep.name)
        context = slots_context(shown, zone, url_for("booking.move", token=token), limit=12)
    return render_template("booking/meeting.html", meeting=found, token=token, when=when_text(found.start, zone),
                           message=message, cancel_form=ActionForm(formdata=None), **context), code


@bp.route("/meeting/<token>/move", methods=["GET", "POST"])
@limiter.limit(_booking_limit, methods=["POST"])
def move(token: str) -> ResponseReturnValue:
    found = meeting_from_token(token)
    form = ConfirmForm(formdata=request.form if request.method == "POST" else request.args)
    action = url_for("booking.move", token=token)
    if request.method == "GET" or not form.validate():
        return _confirm_page(found.lead, form, action, token, moving=found)
    try:
        rep_id, start = parse_slot(form.slot.data or "")
        reschedule(found.id, rep_id, start, chosen_zone())
    except SlotTaken as exc:
        return _meeting_page(found, str(exc), 409)
    except BookingError as exc:
        return _meeting_page(found, str(exc), 400)
    flash(_("Your conversation has moved. We've emailed you the updated invitation."), "info")
    return redirect(url_for("booking.meeting", token=token), code=303)


@bp.post("/meeting/<token>/cancel")
@limiter.limit(_booking_limit)
def cancel_meeting(token: str) -> ResponseReturnValue:
    """The cancel button posts nothing but its CSRF token, which CSRFProtect has checked before this runs."""
    found = meeting_from_token(token)
    try:
        cancel(found.id)
    except BookingError as exc:
        return _meeting_page(found, str(exc), 400)
    flash(_("Your conversation is canceled. We've let the calendar know."), "info")
    return redirect(url_for("booking.meeting", token=token), code=303)


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError) -> ResponseReturnValue:
    """A post whose CSRF token failed: the same page again with a fresh token, the chosen time kept."""
    token = str((request.view_args or {}).get("token", ""))
    try:
        if request.endpoint == "booking.confirm":
            lead = lead_from_token(token)
            return _confirm_page(lead, ConfirmForm(formdata=request.form), url_for("booking.confirm", token=token),
                                 token, message=str(EXPIRED), code=400)
        found = meeting_from_token(token)
    except LinkError as exc:
        return bad_link(exc)
    if request.endpoint == "booking.move":
        return _confirm_page(found.lead, ConfirmForm(formdata=request.form), url_for("booking.move", token=token),
                             token, moving=found, message=str(EXPIRED), code=400)
    return _meeting_page(found, str(EXPIRED), 400)


# --- a rep's availability (staff) -----------------------------------------------------------------

DAY_FIELDS = AvailabilityForm.DAYS


@inbox_bp.route("/availability", methods=["GET", "POST"])
@inbox_bp.route("/availability/<int:user_id>", methods=["GET", "POST"])
def availability(user_id: int | None = None) -> ResponseReturnValue:
    """A rep's own booking availability; admins may set anyone's."""
    if user_id is not None and user_id != current_user.id and current_user.role != "admin":
        abort(403)
    rep = sales_user(user_id or current_user.id) or abort(404)
    row = availability_row(rep.id)
    form = AvailabilityForm(sorted(ZONES), data=availability_fields(row))
    if form.validate_on_submit():
        try:
            save_availability(rep.id, _availability_change(form))
        except BookingError as exc:
            form.timezone.errors = [str(exc)]
        else:
            flash(_("Saved the booking availability of %(name)s.", name=rep.name), "info")
            return redirect(url_for("inbox.booking.availability", user_id=user_id), code=303)
    return render_template("booking/availability.html", form=form, rep=rep, row=row), 400 if form.errors else 200


def _availability_change(form: AvailabilityForm) -> AvailabilityChange:
    return AvailabilityChange(
        timezone=form.timezone.data or "", hours={day: form[name].data or "" for day, name in enumerate(DAY_FIELDS)},
        meeting_minutes=int(form.meeting_minutes.data or 0), buffer_minutes=int(form.buffer_minutes.data or 0),
        notice_minutes=int(form.notice_minutes.data or 0), max_per_day=int(form.max_per_day.data or 0),
        days_off=str(form.days_off.data or "").split(), caldav_url=form.caldav_url.data or "",
        caldav_username=form.caldav_username.data or "", caldav_password=form.caldav_password.data or "")
