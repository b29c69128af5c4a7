"""What a webhook carries: the versioned JSON body, built from plain data, the same for every receiver."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from leads.scoring.score import SCORED_DIMENSIONS

# Raised only for a change that breaks a receiver (a field removed or changing meaning); new fields do not.
SCHEMA_VERSION = 1
TOP_REASONS = 5


def why_ready(receipt: Sequence[Mapping[str, Any]], limit: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The rules that counted most: positive points, biggest first, as the inbox shows them."""
    counted = sorted((row for row in receipt if row.get("points", 0) > 0), key=lambda row: -int(row["points"]))
    return [{"rule": row.get("rule", ""), "label": row.get("label", ""), "input": row.get("input", ""),
             "dimension": row.get("dimension", ""), "points": row["points"]} for row in counted[:limit]]


def receipt_summary(submission: Mapping[str, Any]) -> dict[str, Any]:
    """The score of the latest submission and why: enough to act on, not the whole receipt."""
    return {
        "model_version": submission.get("model_version", ""),
        "verdict": submission.get("verdict", ""),
        "total": submission.get("total", 0),
        "points": {name: submission.get(name, 0) for name in SCORED_DIMENSIONS},
        "gates_missed": list(submission.get("gates_missed", [])),
        "top_reasons": why_ready(submission.get("receipt", [])),
    }


def webhook_body(topic: str, at: dt.datetime, event: Mapping[str, Any], lead: Mapping[str, Any] | None = None,
                 answers: Mapping[str, Any] | None = None, receipt: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The body of one webhook, in the Standard Webhooks shape (``type``, ``timestamp``, ``data``).

    ``at`` is when the event happened, not when it is sent; ``event`` holds its own facts (from and to,
    the reason); ``lead`` (with its ``url``), ``answers`` and ``receipt`` are the lead as it is at sending.
    """
    data: dict[str, Any] = {"event": dict(event)}
    if lead is not None:
        data.update(lead=dict(lead), answers=dict(answers or {}), receipt=dict(receipt or {}))
    return {"type": topic, "timestamp": at.astimezone(dt.UTC).isoformat(), "version": SCHEMA_VERSION, "data": data}


def encode(body: Mapping[str, Any]) -> str:
    """Compact JSON, keys sorted: the exact text that is signed and sent."""
    return json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)
