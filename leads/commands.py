"""Doorstep's command groups (users, content, demo, leads, outbox, studio), which the app factory adds to its command
line and the `doorstep` script (leads/cli.py) offers."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from leads import languages
from leads.config import CONTENT_DIR
from leads.extensions import site_content
from leads.publishing.articles import STAGES

users_cli = click.Group("users", help="Manage the team's accounts.")
content_cli = click.Group("content", help="Check what marketers wrote, or start a new article.")
demo_cli = click.Group("demo", help="Sample data for trying Doorstep out.")
leads_cli = click.Group("leads", help="Work with stored leads.")
outbox_cli = click.Group("outbox", help="Deliver sales alerts, emails and webhooks.")
studio_cli = click.Group("studio", help="The marketers' studio: its day summaries.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["admin", "marketer", "sales"]), required=True)
@click.password_option(help="At least 12 characters; prompted for when left out.")
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account."""
    from leads.accounts.users import UserError, create_user

    try:
        user = create_user(email, name, role, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.email}.")


@users_cli.command("reset-two-factor")
@click.option("--email", required=True)
@with_appcontext
def reset_two_factor_command(email: str) -> None:
    """Turn two-factor sign-in off for an account that lost its phone and its recovery codes."""
    from leads.accounts.two_factor import TwoFactorError, reset

    try:
        reset(email)
    except TwoFactorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Two-factor sign-in is off for {email}; they sign in with their password and can set it up again.")


# `doorstep content` reads files only: it needs no secret key and no database, so it runs without the app
# (``leads.cli`` adds it to the console script itself) wherever the files are, on a server or a laptop.
content_dir_option = click.option(
    "--content-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DOORSTEP_CONTENT_DIR",
    default=CONTENT_DIR, show_default="DOORSTEP_CONTENT_DIR, else content/", help="The content folder.")


@content_cli.command("check")
@content_dir_option
@click.option("--default-language", type=click.Choice(languages.CODES), envvar="DOORSTEP_DEFAULT_LANGUAGE",
              default=languages.FALLBACK, show_default="DOORSTEP_DEFAULT_LANGUAGE, else en",
              help="The site's default language: content is written in it (the questionnaire's plain texts, the"
                   " emails' originals, the files directly in articles/) and translated into the others.")
def check_command(content_dir: Path, default_language: str) -> None:
    """Validate articles, stage guides, the questionnaire, emails and personas; print path:line: message for each
    finding, once."""
    from leads.publishing.check import check_everything

    problems = check_everything(content_dir, default_language=default_language)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    click.echo(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.",
               err=True)
    if errors:
        sys.exit(1)


@content_cli.command("new")
@click.argument("title")
@click.option("--stage", type=click.Choice(STAGES), default=None, help="The buying stage it speaks to.")
@content_dir_option
def new_command(title: str, stage: str | None, content_dir: Path) -> None:
    """Start a draft article called TITLE, dated today, in content/articles/."""
    from leads.publishing.articles.scaffold import new_article, slug_for

    slug = slug_for(title)
    if not slug:
        raise click.ClickException("The title needs at least one letter or digit to make the file name from.")
    path = content_dir / "articles" / f"{slug}.md"
    if path.exists():
        raise click.ClickException(f"{path} already exists; choose another title or edit that file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_article(title, datetime.date.today(), stage), encoding="utf-8")
    click.echo(f"Created {path}")
    click.echo(f"It is a draft: preview it at /articles/{slug} while signed in, and remove 'draft: true' to publish.")


@demo_cli.command("load")
@with_appcontext
def demo_load_command() -> None:
    """Create demo users and leads, only when the database has no users yet."""
    from leads.demo import load_demo

    content = site_content()
    logins = load_demo(content.questionnaire(), content.directory)
    if not logins:
        click.echo("The database already has users; no demo data loaded.")
        return
    click.echo("Demo logins (shown once; change them before real use):")
    for role, email, password in logins:
        click.echo(f"  {role:<9} {email:<28} {password}")


@leads_cli.command("rescore")
@click.option("--dry-run", "mode", flag_value="dry-run", default=True, help="Show what would change (the default).")
@click.option("--apply", "mode", flag_value="apply", help="Write the new scores and log each route change.")
@click.option("--limit", default=100, show_default=True, help="How many changed leads to list.")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Only leads who answered in the last DAYS days (as the studio's what-if shows them).")
@with_appcontext
def rescore_command(mode: str, limit: int, days: int | None) -> None:
    """Score every stored submission under the current model and show which leads change route."""
    from leads import clock
    from leads.scoring.replay import replay, submissions_to_replay

    content = site_content()
    # A broken file would leave an earlier version in service: rescoring must use the file as written.
    if content.questionnaire_problem is not None:
        raise click.ClickException(f"the questionnaire file has problems; fix them first:\n"
                                   f"{content.questionnaire_problem}")
    model = content.questionnaire()
    since = clock.now() - datetime.timedelta(days=days) if days else None
    with click.progressbar(length=submissions_to_replay(since), label="Scoring submissions", file=sys.stderr) as bar:
        report = replay(model, apply=mode == "apply", progress=bar.update, since=since)
    click.echo(f"Model {report.model_version}: {report.submissions} submissions from {report.leads} leads.")
    if report.kept:
        click.echo(f"Left alone: {len(report.kept)} lead{'s' if len(report.kept) != 1 else ''} the model would move, "
                   "but a person decided about them (sales worked them, sent them back or marked them spam, or "
                   "they booked): a model never overrides that.")
        for change in report.kept[:limit]:
            click.echo(f"  #{change.lead_id:<6} {change.name} <{change.email}>  stays {change.before}"
                       f" (the model says {change.after})")
    if not report.changes:
        click.echo("No lead would change route." if mode != "apply" else "No lead changed route.")
        return
    click.echo("")
    click.echo(f"{'from':<14}   {'to':<12} {'leads':>6}")
    for before, after, count in report.counts():
        click.echo(f"{before:<14} → {after:<12} {count:>6}")
    click.echo("")
    click.echo("Leads that " + ("changed route:" if mode == "apply" else "would change route:"))
    for change in report.changes[:limit]:
        click.echo(f"  #{change.lead_id:<6} {change.name} <{change.email}>  {change.before} → {change.after}"
                   f"  (score {change.score_before} → {change.score_after})")
    if len(report.changes) > limit:
        click.echo(f"  … and {len(report.changes) - limit} more (use --limit)")
    if mode != "apply":
        click.echo("\nNothing was written. Run with --apply to write the new scores.")


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop (for cron or a test).")
@click.option("--poll", type=float, default=None, help="Seconds between looks when idle [default: the config's].")
@with_appcontext
def outbox_work_command(once: bool, poll: float | None) -> None:
    """Deliver outbox messages until stopped (SIGTERM or Ctrl+C finishes the message in hand, then stops)."""
    import signal
    import threading

    from leads.delivery.jobs import scheduled_work, waiting_work
    from leads.delivery.worker import run, worker_name

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Outbox worker {worker_name()} started.", err=True)
    tried = run(stop, poll if poll is not None else current_app.config["OUTBOX_POLL_SECONDS"], once,
                between=scheduled_work, idle=lambda: waiting_work(stop))
    click.echo(f"Outbox worker {worker_name()} stopped after {tried} deliveries.", err=True)


@studio_cli.command("backfill")
@with_appcontext
def studio_backfill_command() -> None:
    """Rebuild the funnel and attribution day summaries from stored drafts, submissions and status moves.

    Run it once after upgrading; the app keeps them from then on. Page views are only ever counted
    as they happen, so those counts are kept as they are.
    """
    from leads.studio.counts import backfill, backfill_rows

    with click.progressbar(length=backfill_rows(), label="Counting stored rows", file=sys.stderr) as bar:
        read = backfill(progress=bar.update)
    click.echo(f"Rebuilt the studio's day summaries from {read:,} stored rows.")


def register(app: Flask) -> None:
    for group in (users_cli, content_cli, demo_cli, leads_cli, outbox_cli, studio_cli):
        app.cli.add_command(group)

