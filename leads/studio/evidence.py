"""What the outcomes say each answer, lexicon group and rule is worth, and the point changes they carry.

For every answer option, lexicon group and other rule: how many leads with an outcome had it, their won rate
against those without it (each with a Wilson interval), the points it carries today, and what the outcomes say
it is worth in points. The table is sorted by how far today's points are from that evidence.

How the points are suggested:
1. The model's own scale. A logistic regression of "won" on today's total score says how many points one unit
   of log-odds is worth. While today's score does not yet separate won from lost (its slope's interval reaches
   0), nothing is suggested: there is no scale to put a suggestion on, and the page says how many more outcomes
   would settle it. On pure noise this is what happens nearly always.
2. Which rows matter. An L1-regularised logistic regression of "won" on every row at once (so a rule that only
   rides along with a strong answer gets no credit of its own) keeps the rows whose effect stands out of chance;
   the others are set to exactly 0 and get no suggestion.
3. How much. The kept rows are fitted again without the penalty (a "relaxed lasso": the penalty chooses, the
   plain fit measures, so a strong effect is not shrunk), and each effect becomes points on the model's scale.
   A change is suggested only where its interval, widened for the number of rows tested (Bonferroni), leaves
   out today's points by at least ``SMALLEST_CHANGE``. Elsewhere the row says how many more outcomes would
   make its interval that narrow (intervals narrow as one over the square root of the outcomes).

Why statsmodels rather than scikit-learn: the suggestions need intervals, and statsmodels gives the Wilson
interval (``proportion_confint``), L1-regularised logistic regression and the standard errors of a fit from
one maintained library; scikit-learn fits the same model but gives no standard errors, so the intervals would
have been written by hand. The false-suggestion rate on noise is measured by
``tests/studio/test_studio_evidence.py`` (see ``FALSE_SUGGESTIONS`` there).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import statsmodels.api as sm
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning, PerfectSeparationWarning

from leads.languages import N_
from leads.questionnaire.model import Questionnaire
from leads.studio.calibration import WON, Outcome

ANSWER, GROUP, RULE = "answer", "group", "rule"



KINDS = {ANSWER: N_("Answer"), GROUP: N_("Their own words"), RULE: N_("Other rule")}
FEWEST_OUTCOMES = 30  # below this no regression is fitted: the table shows counts and says how many more
FEWEST_EACH = 5  # leads with a row, and without it, before the row enters the regression
SMALLEST_CHANGE = 2  # points: a change smaller than this is not worth a new model version
CONFIDENCE = 0.95
# The L1 penalty, per sqrt(n log rows): the usual order of a lasso's penalty for noise at this many outcomes.
PENALTY = 0.5
# A lead is worth sales' time while its chance to win is at least this share of the average sales-ready lead's.
WORTH_SALES_TIME = 0.5
THRESHOLD_STEP = 5


@dataclass(frozen=True)
class Rate:
    leads: int
    won: int
    low: float | None = None  # Wilson interval of the won rate, in percent
    high: float | None = None

    @property
    def percent(self) -> float | None:
        return 100 * self.won / self.leads if self.leads else None


def rate(won: int, leads: int) -> Rate:
    """A won rate with its Wilson interval."""
    if not leads:
        return Rate(0, 0)
    low, high = proportion_confint(won, leads, alpha=1 - CONFIDENCE, method="wilson")
    return Rate(leads, won, 100 * float(low), 100 * float(high))


@dataclass(frozen=True)
class Evidence:
    """One row: an answer option, a lexicon group or another rule, and what the outcomes say of it."""

    kind: str
    name: str
    points: int | None  # today's points; None where they vary (a band, engagement that decays)
    with_it: Rate
    without_it: Rate
    worth: float | None = None  # what the outcomes say it is worth, in points; 0 where it does not stand out
    worth_low: float | None = None
    worth_high: float | None = None
    suggested: int | None = None  # the new points, where the evidence is conclusive
    more_needed: int | None = None  # outcomes still needed before its interval can settle a change
    why: str = ""  # why an "other rule" gets no suggestion, in the marketer's words (``explain_rules``)

    @property
    def gap(self) -> float | None:
        """How far today's points are from the evidence."""
        if self.worth is None or self.points is None:
            return None
        return self.worth - self.points


@dataclass(frozen=True)
class ThresholdStep:
    """What sales would have seen at a higher threshold, against today's."""

    threshold: int
    leads: int
    won: int
    fewer_leads: int
    fewer_wins: int

    @property
    def percent(self) -> float | None:
        return 100 * self.won / self.leads if self.leads else None


@dataclass(frozen=True)
class Learning:
    outcomes: int
    won: int
    threshold: int
    evidence: list[Evidence]
    points_per_logit: float | None = None  # the model's own scale, as the outcomes read it
    more_needed: int = 0  # outcomes still needed before anything at all can be suggested
    separated: bool = False  # today's score splits won from lost without overlap: no scale until some overlap
    steps: list[ThresholdStep] = field(default_factory=list)
    suggested_threshold: ThresholdStep | None = None
    # The same trade-off on the scores the leads would have with every suggested change (caps aside), from
    # today's threshold up: the threshold to write with the suggested points.
    draft_steps: list[ThresholdStep] = field(default_factory=list)
    draft_threshold: ThresholdStep | None = None

    @property
    def suggestions(self) -> list[Evidence]:
        return [e for e in self.evidence if e.suggested is not None]


def todays_points(model: Questionnaire) -> dict[tuple[str, str], int]:
    """Today's points of every answer option and lexicon group, named as ``calibration.fired_rules`` names them
    (an option earning points in several dimensions counts their sum)."""
    points: dict[tuple[str, str], int] = {}
    for question in model.questions:
        for option in question.options:
            if any(option.points.values()):
                points[(ANSWER, f"{question.label} {option.label}".strip())] = sum(option.points.values())
    for group in model.lexicon:
        points[(GROUP, group.label)] = group.points
    return points


def single_choice_questions(model: Questionnaire) -> dict[tuple[str, str], str]:
    """The question of each option of a single-choice question, by the row's name: one lead gives one of them."""
    return {(ANSWER, f"{question.label} {option.label}".strip()): question.id
            for question in model.questions if question.type == "single_choice" for option in question.options}


def learn(outcomes: Sequence[Outcome], points: Mapping[tuple[str, str], int], threshold: int,
          questions: Mapping[tuple[str, str], str] | None = None) -> Learning:
    """The evidence per row, sorted by how far today's points are from it, the suggested changes, and the
    threshold's trade-off between sales' volume and won rate. ``questions`` names the single-choice question
    of each answer option (``single_choice_questions``)."""
    n = len(outcomes)
    won = np.array([o.outcome == WON for o in outcomes], dtype=float)
    names = _rows(outcomes)
    has = np.zeros((n, len(names)), dtype=float)
    column = {name: i for i, name in enumerate(names)}
    for i, o in enumerate(outcomes):
        for key in ((ANSWER, a) for a in o.answers):
            has[i, column[key]] = 1
        for key in ((GROUP, g) for g in o.groups):
            has[i, column[key]] = 1
        for key in ((RULE, r) for r in o.rules):
            has[i, column[key]] = 1
    total_won = int(won.sum())
    counts = has.sum(axis=0)
    wins = won @ has
    base = [Evidence(kind, name, points.get((kind, name)), rate(int(wins[j]), int(counts[j])),
                     rate(total_won - int(wins[j]), n - int(counts[j])))
            for j, (kind, name) in enumerate(names)]
    scores = np.array([o.score for o in outcomes], dtype=float)
    steps, suggested_threshold = _threshold_steps(scores, won, threshold, from_today=False)
    learning = Learning(n, total_won, threshold, base, steps=steps, suggested_threshold=suggested_threshold)
    if n < FEWEST_OUTCOMES or total_won in (0, n):
        return _sorted(replace(learning, more_needed=max(FEWEST_OUTCOMES - n, _more_for_both_outcomes(n, total_won))))
    if scores[won == 1].min() > scores[won == 0].max() or scores[won == 1].max() < scores[won == 0].min():
        return _sorted(replace(learning, separated=True))  # no overlap: a slope without end, so no scale
    slope = _fit(won, scores[:, None])
    if slope is None or slope[1][0] <= 0:
        needed = _more_to_settle(n, slope[0][0], slope[2][0], _z(1)) if slope is not None else FEWEST_OUTCOMES
        return _sorted(replace(learning, more_needed=needed))
    per_logit = float(1 / slope[0][0])
    enough = (counts >= FEWEST_EACH) & (n - counts >= FEWEST_EACH)
    tested = np.flatnonzero(enough)
    z = _z(len(tested))
    kept = _independent(has, tested[_selected(won, has[:, tested])] if len(tested) else tested)
    fitted = _fit(won, has[:, kept]) if len(kept) else None
    estimates: dict[int, tuple[float, float]] = {}  # row -> what it is worth in points, and its standard error
    rows = list(base)
    for j, row in enumerate(base):
        if counts[j] == n:
            continue  # every lead had it: there is nothing to compare it with
        if not enough[j]:
            short = max(FEWEST_EACH - counts[j], FEWEST_EACH - (n - counts[j]))
            share = max(min(counts[j], n - counts[j]), 1) / n
            rows[j] = replace(row, more_needed=math.ceil(short / share))
        elif j in kept:
            if fitted is not None:  # else the fit failed (a perfect separation, say): nothing is said of them
                at = int(np.flatnonzero(kept == j)[0])
                estimates[j] = (float(fitted[0][at] * per_logit), float(fitted[2][at] * per_logit))
        else:
            # Left out by the penalty (no effect of its own beside the rows it comes with), or because the
            # question's other options already say it (every lead gave one, and they are measured against it):
            # worth 0 before the anchoring, give or take its own spread read alone.
            estimates[j] = (0.0, _spread(has[:, j], won, per_logit))
    _anchor(estimates, names, counts, points, questions or {}, n)
    for j, (worth, error) in estimates.items():
        rows[j] = _judged(base[j], worth, error, z, n)
    learning = replace(learning, evidence=rows, points_per_logit=per_logit)
    changes = np.array([(row.suggested - row.points) if row.suggested is not None and row.points is not None
                        else 0 for row in rows], dtype=float)
    if changes.any():
        draft_steps, draft_threshold = _threshold_steps(scores + has @ changes, won, threshold, from_today=True)
        learning = replace(learning, draft_steps=draft_steps, draft_threshold=draft_threshold)
    return _sorted(learning)


def _rows(outcomes: Sequence[Outcome]) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for o in outcomes:
        found.update(dict.fromkeys((ANSWER, a) for a in o.answers))
        found.update(dict.fromkeys((GROUP, g) for g in o.groups))
        found.update(dict.fromkeys((RULE, r) for r in o.rules))
    return list(found)


def _z(tests: int) -> float:
    return float(norm.ppf(1 - (1 - CONFIDENCE) / (2 * max(tests, 1))))


@contextmanager
def _quietly() -> Iterator[None]:
    # A fit that does not converge or separates perfectly is judged by its intervals below (infinite or absent),
    # not raised: a handful of odd outcomes must not break the studio's page.
    with warnings.catch_warnings():
        for kind in (ConvergenceWarning, HessianInversionWarning, PerfectSeparationWarning, RuntimeWarning):
            warnings.simplefilter("ignore", kind)
        yield


def _fit(won: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A plain logistic fit with an intercept: each slope, the lower end of its interval, and its standard
    error; None where the fit fails (separation, a singular design)."""
    design = sm.add_constant(x, has_constant="add")
    try:
        with _quietly():
            result = sm.Logit(won, design).fit(disp=0, maxiter=100)
            params, errors = np.asarray(result.params)[1:], np.asarray(result.bse)[1:]
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(params)) or not np.all(np.isfinite(errors)):
        return None
    return params, params - _z(1) * errors, errors


def _selected(won: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The columns an L1-regularised fit keeps (the intercept is not penalised)."""
    n, k = x.shape
    alpha = np.full(k + 1, PENALTY * math.sqrt(n * math.log(max(k, 2))))
    alpha[0] = 0
    try:
        with _quietly():
            result = sm.Logit(won, sm.add_constant(x, has_constant="add")).fit_regularized(
                method="l1", alpha=alpha, disp=0, trim_mode="auto")
            params = np.asarray(result.params)[1:]
    except (np.linalg.LinAlgError, ValueError):
        return np.zeros(k, dtype=bool)
    return np.asarray(np.abs(params) > 0)


def _judged(row: Evidence, worth: float, error: float, z: float, n: int) -> Evidence:
    low, high = worth - z * error, worth + z * error
    judged = replace(row, worth=worth, worth_low=low, worth_high=high)
    if row.points is None:
        return judged
    change = round(worth) - row.points
    if abs(change) < SMALLEST_CHANGE:
        return judged  # the evidence agrees with today's points
    if not low <= row.points <= high:
        return replace(judged, suggested=round(worth))
    return replace(judged, more_needed=_more_to_settle(n, abs(worth - row.points), error, z))


def _independent(has: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The columns, less any that the intercept and the others already add up to (the last option of a
    question every lead answered): a plain fit cannot measure those."""
    design = sm.add_constant(has[:, columns], has_constant="add")
    gram = design.T @ design
    chosen = [0]
    for at in range(1, design.shape[1]):
        trial = [*chosen, at]
        if np.linalg.matrix_rank(gram[np.ix_(trial, trial)]) == len(trial):
            chosen = trial
    return columns[[at - 1 for at in chosen[1:]]]


def _spread(has: np.ndarray, won: np.ndarray, per_logit: float) -> float:
    """The standard error, in points, of a row's log odds ratio read alone (Woolf's, with 0.5 in each cell)."""
    cells = [float(((has == a) & (won == b)).sum()) + 0.5 for a in (0, 1) for b in (0, 1)]
    return per_logit * math.sqrt(sum(1 / c for c in cells))


def _anchor(estimates: dict[int, tuple[float, float]], names: Sequence[tuple[str, str]], counts: np.ndarray,
            points: Mapping[tuple[str, str], int], questions: Mapping[tuple[str, str], str], n: int) -> None:
    """Where every lead gave exactly one option of a question, the outcomes tell only how its options differ,
    not their level (the intercept takes that): keep the question's average points, weighted by its leads, as
    they are today, so the threshold keeps its meaning."""
    options: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        if name in questions:
            options.setdefault(questions[name], []).append(j)
    for each in options.values():
        judged = [j for j in each if j in estimates and points.get(names[j]) is not None]
        if sum(counts[j] for j in each) != n or not judged:
            continue
        weight = sum(counts[j] for j in judged)
        shift = sum(counts[j] * (points[names[j]] - estimates[j][0]) for j in judged) / weight
        for j in judged:
            estimates[j] = (estimates[j][0] + float(shift), estimates[j][1])


def _more_to_settle(n: int, gap: float, error: float, z: float) -> int:
    """Outcomes still needed for an interval of this half-width (z times ``error``) at ``n`` outcomes to
    shrink inside ``gap``; intervals narrow as one over the square root of the outcomes."""
    if gap <= 0 or not math.isfinite(error):
        return n  # not estimable yet: at least as many again
    return max(math.ceil(n * (z * error / gap) ** 2) - n, 1)


def _more_for_both_outcomes(n: int, won: int) -> int:
    return 1 if won in (0, n) and n >= FEWEST_OUTCOMES else 0


def _threshold_steps(scores: np.ndarray, won: np.ndarray, threshold: int,
                     from_today: bool) -> tuple[list[ThresholdStep], ThresholdStep | None]:
    """Each threshold above today's (from today's itself with ``from_today``: with changed points, some leads
    already fall below it), in steps of ``THRESHOLD_STEP``: the
    leads and wins sales would not have seen, of those they did. The suggestion is the highest step whose
    left-out leads clearly won less often than sales' time is worth: the top of their won rate's interval is
    under ``WORTH_SALES_TIME`` of all sales-ready leads' rate. Of steps that leave out the same leads, the lowest
    is suggested; today's threshold itself never is."""
    if not len(scores):
        return [], None
    total, total_won = len(scores), int(won.sum())
    worth = WORTH_SALES_TIME * total_won / total
    steps, suggested = [], None
    at = threshold if from_today else threshold - threshold % THRESHOLD_STEP + THRESHOLD_STEP
    while at <= scores.max():
        kept = scores >= at
        kept_leads, kept_won = int(kept.sum()), int(won[kept].sum())
        step = ThresholdStep(at, kept_leads, kept_won, total - kept_leads, total_won - kept_won)
        steps.append(step)
        left_out = rate(step.fewer_wins, step.fewer_leads)
        clearly_less = step.fewer_leads >= FEWEST_EACH and left_out.high is not None and left_out.high < 100 * worth
        if at != threshold and clearly_less and (suggested is None or step.fewer_leads > suggested.fewer_leads):
            suggested = step
        at = at - at % THRESHOLD_STEP + THRESHOLD_STEP
    return steps, suggested


def _sorted(learning: Learning) -> Learning:
    def far(row: Evidence) -> tuple[int, float, int, str]:
        gap = row.gap
        return (row.suggested is None, -abs(gap) if gap is not None else math.inf, -row.with_it.leads, row.name)
    return replace(learning, evidence=sorted(learning.evidence, key=far))


def explain_rules(learning: Learning, band_questions: Collection[str], dimensions: Collection[str]) -> Learning:
    """Each "other rule" row with why it gets no suggestion: its points are not one number in the model (a band
    of a number given, a dimension's cap, engagement that fades). ``band_questions`` are the labels of questions
    scored by bands, ``dimensions`` the dimensions' labels."""
    capped = {f"{label} is capped" for label in dimensions}

    def why(row: Evidence) -> str:
        if row.kind != RULE:
            return ""
        if row.name in band_questions:
            return N_("Points by band of the number given: the bands are changed in the model's editor, not here.")
        if row.name in capped:
            return N_("A dimension's cap takes points away rather than giving them: change the cap in the editor.")
        if row.name.startswith(("Read ", "Came back ")):
            return N_("Engagement points fade with time (a half-life), so no single number can be suggested.")
        return N_("Its points vary from lead to lead, or it is gone from today's model: no single number to suggest.")

    return replace(learning, evidence=[replace(row, why=why(row)) for row in learning.evidence])


def as_data(learning: Learning) -> dict[str, Any]:
    """The evidence as JSON can keep it (an infinite or missing number becomes null)."""
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    data: dict[str, Any] = plain(asdict(learning))
    return data


def from_data(data: Mapping[str, Any]) -> Learning:
    """The evidence ``as_data`` kept."""
    def step(found: Mapping[str, Any] | None) -> ThresholdStep | None:
        return ThresholdStep(**found) if found else None

    def row(found: Mapping[str, Any]) -> Evidence:
        return Evidence(**{**found, "with_it": Rate(**found["with_it"]), "without_it": Rate(**found["without_it"])})

    return Learning(
        **{**data, "evidence": [row(r) for r in data.get("evidence", [])],
           "steps": [ThresholdStep(**s) for s in data.get("steps", [])],
           "suggested_threshold": step(data.get("suggested_threshold")),
           "draft_steps": [ThresholdStep(**s) for s in data.get("draft_steps", [])],
           "draft_threshold": step(data.get("draft_threshold"))})
