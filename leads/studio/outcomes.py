"""Won and lost deals from a CRM's CSV export: previewed against the leads, then recorded as the API and a rep's
click record them (``leads.inbox.workflow.close_deal``), all in one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from leads.extensions import db
from leads.inbox.statuses import LABELS, OPEN
from leads.inbox.workflow import Deal, WorkflowError, close_deal
from leads.languages import N_
from leads.models import Lead
from leads.privacy import audit
from leads.scoring.routing import Route
from leads.studio.outcome_rows import OutcomeRow, Problem, read_outcomes


@dataclass
class Preview:
    """What an import would do: rows to record, rows already recorded, and a ``row N: message`` for the rest."""

    ready: list[tuple[OutcomeRow, Lead]] = field(default_factory=list)
    unchanged: list[tuple[OutcomeRow, Lead]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def preview_outcomes(text: str) -> Preview:
    read = read_outcomes(text)
    preview = Preview(problems=list(read.problems))
    emails = [row.email for row in read.rows]
    leads = {lead.email: lead for lead in db.session.scalars(sa.select(Lead).where(Lead.email.in_(emails)))}
    for row in read.rows:
        lead = leads.get(row.email)
        if lead is None:
            preview.problems.append(Problem(row.row, N_("no lead has the email %(email)s"), email=row.email))
        elif lead.status == row.outcome:
            preview.unchanged.append((row, lead))
        elif lead.route != Route.SALES_READY:
            preview.problems.append(Problem(
                row.row, N_("%(email)s is not in the inbox, so sales have no deal to close"), email=row.email))
        elif lead.status not in OPEN:
            preview.problems.append(Problem(row.row, N_("%(email)s is already marked %(status)s"), email=row.email,
                                            status=LABELS[lead.status].lower()))
        else:
            preview.ready.append((row, lead))
    preview.problems.sort(key=lambda problem: problem.row)
    return preview


def import_outcomes(text: str, actor_id: int) -> Preview:
    """Record every row the preview found ready, in one transaction with one audit entry; what was done."""
    preview = preview_outcomes(text)
    done = Preview(unchanged=preview.unchanged, problems=preview.problems)
    for row, lead in preview.ready:
        try:
            close_deal(lead.id, Deal(row.outcome, row.closed_on, row.amount, row.currency), actor_id)
        except WorkflowError as exc:  # changed since the preview was read: say so, and go on
            done.problems.append(Problem(row.row, "%(reason)s", reason=str(exc)))
        else:
            done.ready.append((row, lead))
    if done.ready:
        audit.note(actor_id, "outcomes.imported", "csv", {"recorded": len(done.ready),
                                                         "left": len(done.problems)})
    db.session.commit()
    return done
