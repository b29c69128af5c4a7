"""Article index at scale: cold indexing, peak memory, the per-request change check and picking up one edit.

Usage: python -m bench articles [--sizes 1000,10000] [--edits 10]

Each size is generated into a temporary folder (a seeded, realistic mix of short, medium and
long articles with headings, lists, tables, code and links) and measured in a fresh process,
so peak RSS is that process's own. Baselines from the same run: reading every file's bytes
(the floor under indexing) and a bare scandir+stat of the folder (the floor under the check).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import median, save, table, timed

TAGS = [f"topic-{n}" for n in range(40)]
STAGES = ("awareness", "consideration", "decision")
WORDS = (
    "buyer research qualify discovery pipeline budget timeline gap goal obstacle decision readiness "
    "outbound inbound nurture content article question answer meeting calendar sales marketing team "
    "score receipt signal intent fit engagement lead prospect conversation value problem change plan"
).split()
# (share of articles, words from, words to): most posts are short, a few are long guides.
LENGTH_MIX = ((0.6, 300, 800), (0.3, 800, 1800), (0.1, 1800, 4000))


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 20))
    return " ".join(words).capitalize() + "."


def body(rng: random.Random, words: int, slugs: list[str]) -> str:
    parts: list[str] = []
    written = 0
    while written < words:
        roll = rng.random()
        if roll < 0.12:
            parts.append(f"## {sentence(rng)[:-1]}")
        elif roll < 0.2:
            parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(3, 6))))
        elif roll < 0.23:
            parts.append("```python\ndef score(answers):\n    return sum(a.points for a in answers)\n```")
        elif roll < 0.25:
            parts.append("| stage | share |\n|---|---|\n| awareness | 60% |\n| decision | 10% |")
        elif roll < 0.3 and slugs:
            parts.append(f"See [{sentence(rng)[:30]}](/articles/{rng.choice(slugs)}) for more.")
        else:
            parts.append(" ".join(sentence(rng) for _ in range(rng.randint(3, 7))))
        written += len(parts[-1].split())
    return "\n\n".join(parts) + "\n"


def generate(directory: Path, count: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    articles = directory / "articles"
    articles.mkdir(parents=True)
    (directory / "media").mkdir()
    slugs = [f"article-{n:05d}" for n in range(count)]
    start = datetime.date(2020, 1, 1)
    for n, slug in enumerate(slugs):
        share = rng.random()
        low, high = next((lo, hi) for cut, lo, hi in _cumulative(LENGTH_MIX) if share <= cut)
        front = (
            f"---\ntitle: {sentence(rng)[:60].rstrip('.')}\ndate: {start + datetime.timedelta(days=n % 2000)}\n"
            f"summary: {sentence(rng)[:150]}\ntags: [{', '.join(rng.sample(TAGS, 3))}]\n"
            f"stage: {rng.choice(STAGES)}\n---\n\n"
        )
        (articles / f"{slug}.md").write_text(front + body(rng, rng.randint(low, high), slugs[:n]), encoding="utf-8")


def _cumulative(mix: tuple[tuple[float, int, int], ...]) -> list[tuple[float, int, int]]:
    total, out = 0.0, []
    for share, low, high in mix:
        total += share
        out.append((total, low, high))
    out[-1] = (1.0, out[-1][1], out[-1][2])
    return out


def measure(directory: Path, edits: int) -> dict[str, float]:
    """Runs inside a fresh process: index, check, edit; report seconds and this process's peak RSS."""
    from leads.publishing.articles import ArticleIndex

    articles = directory / "articles"
    paths = sorted(articles.glob("*.md"))
    read_all = timed(lambda: [p.read_bytes() for p in paths], repeat=1, warmup=1)[0]

    start = time.perf_counter()
    index = ArticleIndex(articles)
    cold = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def scan() -> None:
        with os.scandir(articles) as entries:
            for entry in entries:
                entry.stat()

    scan_floor = median(timed(scan, repeat=30))
    unchanged = median(timed(index.refresh, repeat=30))
    pickups = []
    for n in range(edits):
        path = paths[(n * 7919) % len(paths)]
        path.write_text(path.read_text(encoding="utf-8") + f"\nEdited paragraph {n}.\n", encoding="utf-8")
        start = time.perf_counter()
        index.refresh()
        pickups.append(time.perf_counter() - start)
        edited = index.get(path.stem)
        assert edited is not None and f"Edited paragraph {n}." in edited.text
    now = datetime.datetime.now(datetime.UTC)
    search = median(timed(lambda: index.search("qualify budget timeline", now), repeat=5))
    published = median(timed(lambda: index.published(now), repeat=10))
    return {
        "articles": len(index.all()),
        "read_bytes_s": read_all,
        "cold_index_s": cold,
        "peak_rss_mb": rss_mb,
        "scan_floor_ms": scan_floor * 1000,
        "check_unchanged_ms": unchanged * 1000,
        "pickup_one_edit_ms": median(pickups) * 1000,
        "search_ms": search * 1000,
        "published_ms": published * 1000,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench articles")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(Path(args.worker), args.edits)))
        return 0

    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix=f"bench-articles-{size}-") as tmp:
            generate(Path(tmp), size)
            out = subprocess.run(
                [sys.executable, "-m", "bench", "articles", "--worker", tmp, "--edits", str(args.edits)],
                capture_output=True, text=True, check=True,
            ).stdout
            row = json.loads(out.strip().splitlines()[-1])
            row["index_vs_read"] = row["cold_index_s"] / row["read_bytes_s"]
            row["check_vs_scan"] = row["check_unchanged_ms"] / row["scan_floor_ms"]
            rows.append(row)
            print(table([row]), flush=True)
    print()
    print(table(rows))
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        factor = large["articles"] / small["articles"]
        print(f"\ngrowth from {small['articles']:,} to {large['articles']:,} articles (x{factor:g}):")
        for key in ("cold_index_s", "peak_rss_mb", "check_unchanged_ms", "pickup_one_edit_ms", "search_ms"):
            print(f"  {key:<20} x{large[key] / small[key]:.2f}")
    save("articles", {"rows": rows})
    return 0
