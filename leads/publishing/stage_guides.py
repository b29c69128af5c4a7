"""The site's words for each buying stage (names, headings, invitations), read from the marketers' stages.yaml.

Each field is plain text, in the site's default language, or text per language: ``{en: ..., de: ...}``.
A language given for some fields and not others shows the default language's words for those (a
warning says which), never a field half in one language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from leads import languages
from leads.publishing.articles.model import STAGES
from leads.publishing.located_yaml import LocatedYaml, read_file, words_by_language
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
    """A guide for every stage, in the default language and in each other language the file gives, and a hash of
    the file they came from, which moves when the words change."""

    by_stage: Mapping[str, StageGuide]
    version: str
    by_language: Mapping[str, Mapping[str, StageGuide]] = field(default_factory=dict)
    # Words missing in a language some other field is given in: served in the default language meanwhile.
    warnings: tuple[Problem, ...] = ()

    def __getitem__(self, stage: str) -> StageGuide:
        return self.by_stage[stage]

    def speaking(self, language: str) -> Mapping[str, StageGuide]:
        """The guide of every stage in ``language``, each field in the default language where it has none."""
        return self.by_language.get(language, self.by_stage)


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


def load_stage_guides(path: Path, default_language: str = languages.FALLBACK) -> StageGuides:
    """Read and check the stage guides file; raise ContentError naming the file and line of each problem."""
    source = read_file(path)
    doc = LocatedYaml(source, path)
    raw = doc.data()
    if not isinstance(raw, dict):
        raise ContentError([Problem(path, 1, f"the file must give each stage ({', '.join(STAGES)}) its words")])
    words: dict[str, dict[str, dict[str, str]]] = {}
    for stage in raw:
        if stage not in STAGES:
            doc.error(raw, f"unknown stage {stage!r}: the stages are {', '.join(STAGES)}", key=stage)
        elif found := _guide(doc, raw, stage, default_language):
            words[stage] = found
    for stage in STAGES:
        if stage not in raw:
            doc.error(raw, f"stage {stage!r} is missing: give it {', '.join(GUIDE_FIELDS)}")
    if doc.problems:
        raise ContentError(sorted(doc.problems, key=lambda p: p.line))
    spoken = sorted({code for fields_ in words.values() for texts in fields_.values() for code in texts} -
                    {default_language}, key=languages.CODES.index)
    warnings = [Problem(path, doc.line(raw[stage], name), f"stage {stage!r}: {name} has no {code} words, so"
                        f" {languages.name_of(code)} pages show the {default_language} ones", "warning")
                for stage, texts_of in words.items() for name, texts in texts_of.items() for code in spoken
                if code not in texts]

    def guides_in(code: str) -> dict[str, StageGuide]:
        return {stage: StageGuide(**{name: texts.get(code, texts[default_language])
                                     for name, texts in texts_of.items()})
                for stage, texts_of in words.items()}

    return StageGuides(guides_in(default_language), hashlib.sha256(source).hexdigest()[:12],
                       {code: guides_in(code) for code in spoken}, tuple(warnings))


def _guide(doc: LocatedYaml, raw: dict[Any, Any], stage: str, default_language: str) -> dict[str, dict[str, str]]:
    """A stage's words, each field by language; {} when any is missing or wrong (each mistake collected)."""
    spec = raw[stage]
    if not isinstance(spec, dict):
        doc.error(raw, f"stage {stage!r}: give it {', '.join(GUIDE_FIELDS)}", key=stage)
        return {}
    for key in spec:
        if key not in GUIDE_FIELDS:
            doc.error(spec, f"stage {stage!r}: unknown field {key!r} (the fields are {', '.join(GUIDE_FIELDS)})",
                      key=key)
    texts = {}
    for name in GUIDE_FIELDS:
        if name not in spec:
            doc.error(raw, f"stage {stage!r}: {name} is missing", key=stage)
        elif found := words_by_language(doc, spec, name, default_language, f"stage {stage!r}: {name}"):
            texts[name] = {code: words.strip() for code, words in found.items()}
    return texts if len(texts) == len(GUIDE_FIELDS) else {}
