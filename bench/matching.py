"""Matching speed: one message through `decide`, with the shipped FAQ and with 2,000 topics.

Run: `.venv/bin/python bench/matching.py`. Prints p50/p99/max per message for the shipped FAQ
and for a synthetic FAQ of 2,000 topics (built from the shipped questions with topic-specific
words mixed in, so postings lists grow as they would), plus build times and `ask` start-up.
"""

import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import faq, i18n  # noqa: E402
from bot.core import decide  # noqa: E402
from bot.core.decision import State  # noqa: E402
from bot.core.knowledge import Knowledge, build_knowledge  # noqa: E402
from bot.core.triage import LEXICONS, triage  # noqa: E402
from bot.evaluation import read_cases  # noqa: E402
from bot.nlu.matcher import Index, build  # noqa: E402
from bot.nlu.normalize import normalize  # noqa: E402
from bot.nlu.reading import build_reader  # noqa: E402

SYNTHETIC_TOPICS = 2000
EXAMPLES_PER_TOPIC = 10


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered):.3f} ms, p99 {p99:.3f} ms, max {ordered[-1]:.3f} ms"
        f" ({len(ordered)} messages)"
    )


def time_decide(knowledge: Knowledge, messages: list[str], rounds: int) -> list[float]:
    now = datetime.now(UTC)
    for text in messages[:20]:  # warm the reading cache as a running server would be
        decide(text, State(), now, knowledge)
    samples = []
    for _ in range(rounds):
        for text in messages:
            start = time.perf_counter()
            decide(text, State(), now, knowledge)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def time_rank(index: Index, messages: list[str], rounds: int = 2) -> list[float]:
    samples = []
    for _ in range(rounds):
        for text in messages:
            start = time.perf_counter()
            index.rank(text)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def synthetic_examples(knowledge: Knowledge, rng: random.Random) -> list[tuple[str, str]]:
    questions = [
        q
        for t in knowledge.faq.topics.values()
        for lang in ("ja", "en")
        for q in t.entry(lang).questions
    ]
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9))) for _ in range(4000)
    ]
    examples = []
    for i in range(SYNTHETIC_TOPICS):
        own_ja = "".join(rng.choices(kanji, k=2)) + "".join(rng.choices(kanji, k=2))
        own_en = rng.choice(words) + " " + rng.choice(words)
        for j in range(EXAMPLES_PER_TOPIC):
            base = rng.choice(questions)
            extra = own_ja if j % 2 else own_en
            examples.append((f"topic{i:04d}", f"{extra} {base}" if j % 3 else f"{base} {extra}"))
    return examples


def startup_ms(runs: int = 5) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "副作用はありますか"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        samples.append((time.perf_counter() - start) * 1000)
    return samples


LINE_TEXT_LIMIT = 5000  # characters in one LINE text message


def time_triage(messages: list[str], rounds: int) -> list[float]:
    """Milliseconds per `triage` call (the first step of every decision): for each message the
    best of `rounds` calls, so that another process's burst on this shared VM is not counted."""
    samples = []
    for text in messages:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            triage(text)
            best = min(best, time.perf_counter() - start)
        samples.append(best * 1000)
    return samples


def time_lexicons_with_re(messages: list[str], rounds: int) -> list[float]:
    """Baseline: only reading every triage lexicon with Python's `re` over the whole message
    (what triage did before the RE2 pass), nothing else, timed like `time_triage`."""
    patterns = LEXICONS.patterns
    samples = []
    for text in messages:
        norm = normalize(text)
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            for pattern in patterns:
                for _match in pattern.finditer(norm):
                    pass
            best = min(best, time.perf_counter() - start)
        samples.append(best * 1000)
    return samples


def main() -> None:
    rng = random.Random(7)
    start = time.perf_counter()
    knowledge = build_knowledge(faq.load_or_raise(ROOT / "faq"), i18n.load(ROOT / "locales"))
    build_ms = (time.perf_counter() - start) * 1000
    messages = [c.text for c in read_cases(ROOT / "tests/eval/messages.tsv")]
    print(f"shipped FAQ: {len(knowledge.faq.topics)} topics, built in {build_ms:.0f} ms")
    print("  decide:", percentiles(time_decide(knowledge, messages, rounds=5)))
    triage_messages = messages + [
        c.text
        for name in ("dev-shared", "dev-urgent", "dev-nearmiss", "dev-hard")
        for c in read_cases(ROOT / f"tests/eval/triage/{name}.tsv")
    ]
    print("  triage (every message):", percentiles(time_triage(triage_messages, rounds=3)))
    print(
        "  baseline, the lexicons read with re alone:",
        percentiles(time_lexicons_with_re(triage_messages, rounds=3)),
    )
    longest = [max(triage_messages, key=len) * (LINE_TEXT_LIMIT // max(map(len, triage_messages)))]
    print(
        f"  triage of a {len(longest[0])}-character message:",
        percentiles(time_triage(longest * 50, rounds=3)),
    )
    print(
        "  baseline for it, the lexicons read with re alone:",
        percentiles(time_lexicons_with_re(longest * 10, rounds=1)),
    )

    examples = synthetic_examples(knowledge, rng)
    start = time.perf_counter()
    texts = [q for _, q in examples]
    index = build(examples, build_reader(texts), texts)
    build_ms = (time.perf_counter() - start) * 1000
    print(
        f"synthetic FAQ: {SYNTHETIC_TOPICS} topics x {EXAMPLES_PER_TOPIC} examples, "
        f"built in {build_ms:.0f} ms"
    )
    print("  rank (the matching step of decide):", percentiles(time_rank(index, messages)))
    samples = startup_ms()
    print(
        f"`python -m bot ask` start-up (whole process, {len(samples)} runs): "
        f"median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms"
    )


if __name__ == "__main__":
    main()
