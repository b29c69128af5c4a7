"""The studio's evidence and suggested points on synthetic outcomes from a hidden model: how well the evidence
ranks the true effects (Spearman) at 500, 2,000 and 10,000 outcomes, false suggestions on pure noise, and the
time to compute it all at 100,000 leads with outcomes, against the calibration tables over the same leads (the
baseline, measured in the same run)."""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from scipy.stats import spearmanr

from bench.common import median, save, table, timed
from leads.studio.calibration import Outcome, calibrate
from leads.studio.evidence import ANSWER, GROUP, learn

THRESHOLD = 40


def hidden_model(rows: int, seed: int) -> np.ndarray:
    """True effects on the log-odds of winning: a third of the rows matter, by 0.2 to 1.2; the rest do not."""
    rng = np.random.default_rng(seed)
    effects = np.zeros(rows)
    effects[: rows // 3] = rng.uniform(0.2, 1.2, rows // 3)
    return effects


def draw(n: int, effects: np.ndarray, seed: int) -> tuple[list[Outcome], dict[tuple[str, str], int]]:
    """``n`` outcomes, today's model giving every row 10 points; three rows in four are answers, one a group."""
    rng = np.random.default_rng(seed)
    kinds = [GROUP if j % 4 == 3 else ANSWER for j in range(len(effects))]
    names = [f"Row {j}" for j in range(len(effects))]
    has = rng.random((n, len(effects))) < rng.uniform(0.1, 0.5, len(effects))
    won = rng.random(n) < 1 / (1 + np.exp(-(-2.0 + has @ effects)))
    outcomes = []
    for i in range(n):
        fired = np.flatnonzero(has[i])
        outcomes.append(Outcome(
            "won" if won[i] else "lost", THRESHOLD + 10 * len(fired), "v1",
            answers=tuple(names[j] for j in fired if kinds[j] == ANSWER),
            groups=tuple(names[j] for j in fired if kinds[j] == GROUP)))
    return outcomes, {(kind, name): 10 for kind, name in zip(kinds, names, strict=True)}


def rank_correlation(n: int, rows: int, seed: int) -> tuple[float, int, int]:
    effects = hidden_model(rows, seed)
    outcomes, points = draw(n, effects, seed)
    learning = learn(outcomes, points, THRESHOLD)
    worth = {e.name: e.worth or 0.0 for e in learning.evidence}
    truth = {f"Row {j}": effects[j] for j in range(rows)}
    if len(set(worth.values())) <= 1:
        rho = 0.0  # nothing told apart from chance yet: no ranking at all, counted as none
    else:
        rho = spearmanr([worth.get(name, 0.0) for name in truth], list(truth.values())).statistic
    raised = {e.name for e in learning.suggestions if (e.suggested or 0) > (e.points or 0)}
    false_increases = sum(truth[name] == 0 for name in raised)
    return float(rho), len(learning.suggestions), false_increases


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench evidence", description=__doc__)
    parser.add_argument("--rows", type=int, default=40, help="answers and lexicon groups in the hidden model")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--leads", type=int, default=100_000, help="leads with outcomes for the timing")
    args = parser.parse_args(argv)
    ranks = []
    for n in (500, 2000, 10_000):
        found = [rank_correlation(n, args.rows, seed) for seed in range(args.seeds)]
        ranks.append({"outcomes": n, "median_spearman": statistics.median(f[0] for f in found),
                      "median_suggestions": statistics.median(f[1] for f in found),
                      "false_increases": sum(f[2] for f in found), "runs": args.seeds})
    print(table(ranks))
    noise = np.zeros(args.rows)
    runs = [learn(*draw(n, noise, 10_000 + seed), THRESHOLD) for n in (500, 2000, 10_000) for seed in range(args.seeds)]
    false = {"runs": len(runs), "runs_with_a_suggestion": sum(bool(r.suggestions) for r in runs),
             "suggestions": sum(len(r.suggestions) for r in runs)}
    print(table([false]))
    outcomes, points = draw(args.leads, hidden_model(args.rows, 1), 1)
    baseline = median(timed(lambda: calibrate(outcomes), repeat=5, warmup=1))
    evidence = median(timed(lambda: learn(outcomes, points, THRESHOLD), repeat=5, warmup=1))
    timing = [{"leads": args.leads, "rows": args.rows, "calibration_s": baseline, "evidence_s": evidence,
               "ratio": evidence / baseline}]
    print(table(timing))
    save("evidence", {"rank_correlation": ranks, "noise": false, "timing": timing})
    return 0
