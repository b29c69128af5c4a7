"""The site's words for each buying stage (names, headings, invitations), read from the marketers' stages.yaml."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from leads.publishing.articles.model import STAGES
from leads.publishing.located_yaml import LocatedYaml, read_file
from leads.publishing.problems import ContentError, Problem


@dataclass(frozen=True)
class StageGuide:
    """How the site names a buying stage to a prospect, and what it invites them to do."""

    name: str
    heading: str
    blurb: str
    cta_heading: str
    cta_text: str
    cta_label: str


GUIDE_FIELDS = tuple(f.name for f in fields(StageGuide))


@dataclass(frozen=True)
class StageGuides:
    """A guide for every stage, and a hash of the file they came from, which moves when the words change."""

    by_stage: Mapping[str, StageGuide]
    version: str

    def __getitem__(self, stage: str) -> StageGuide:
        return self.by_stage[stage]


# What pages say while stages.yaml has never loaded (missing, or broken since the site started):
# each stage by its own name and a plain invitation. The marketing copy itself lives in the file.
PLAIN_GUIDES = StageGuides(
    {
        stage: StageGuide(
            name=stage.capitalize(),
            heading="Articles",
            blurb=f"Articles for readers at the {stage} stage.",
            cta_heading="Where do you stand?",
            cta_text="A few short questions, and reading that fits your answers.",
            cta_label="Start the questionnaire",
        )
        for stage in STAGES
    },
    version="plain",
)


def load_stage_guides(path: Path) -> StageGuides:
    """Read and check the stage guides file; raise ContentError naming the file and line of each problem."""
    source = read_file(path)
    doc = LocatedYaml(source, path)
    raw = doc.data()
    if not isinstance(raw, dict):
        raise ContentError([Problem(path, 1, f"the file must give each stage ({', '.join(STAGES)}) its words")])
    guides = {}
    for stage in raw:
        if stage not in STAGES:
            doc.error(raw, f"unknown stage {stage!r}: the stages are {', '.join(STAGES)}", key=stage)
        elif guide := _guide(doc, raw, stage):
            guides[stage] = guide
    for stage in STAGES:
        if stage not in raw:
            doc.error(raw, f"stage {stage!r} is missing: give it {', '.join(GUIDE_FIELDS)}")
    if doc.problems:
        raise ContentError(sorted(doc.problems, key=lambda p: p.line))
    return StageGuides(guides, hashlib.sha256(source).hexdigest()[:12])


def _guide(doc: LocatedYaml, raw: dict[Any, Any], stage: str) -> StageGuide | None:
    spec = raw[stage]
    if not isinstance(spec, dict):
        doc.error(raw, f"stage {stage!r}: give it {', '.join(GUIDE_FIELDS)}", key=stage)
        return None
    for key in spec:
        if key not in GUIDE_FIELDS:
            doc.error(spec, f"stage {stage!r}: unknown field {key!r} (the fields are {', '.join(GUIDE_FIELDS)})",
                      key=key)
    texts = {}
    for name in GUIDE_FIELDS:
        value = spec.get(name)
        if isinstance(value, str) and value.strip():
            texts[name] = value.strip()
        elif name in spec:
            doc.error(spec, f"stage {stage!r}: {name} must be text", key=name)
        else:
            doc.error(raw, f"stage {stage!r}: {name} is missing", key=stage)
    return StageGuide(**texts) if len(texts) == len(GUIDE_FIELDS) else None
