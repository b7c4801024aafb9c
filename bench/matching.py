"""Matching speed: one message through `decide`, with the shipped FAQ and with 2,000 topics.

Run: `.venv/bin/python bench/matching.py`. Prints p50/p99/max per message for the shipped FAQ
(with the semantic stage, and with the lexical index alone) on tests/eval/messages.tsv and on
the patient development files, and for a synthetic FAQ of 2,000 topics (built from the shipped
questions with topic-specific words mixed in, so postings lists grow as they would) through the
whole `decide` with the semantic stage; plus build times, `ask` start-up and the RSS of a
process that holds what `serve` holds (knowledge with the encoder, after 20 decisions).
"""

import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataclasses import replace  # noqa: E402
from types import MappingProxyType  # noqa: E402

from bot import i18n  # noqa: E402
from bot.core import decide  # noqa: E402
from bot.core.decision import State  # noqa: E402
from bot.core.knowledge import Knowledge, Semantic, build_knowledge  # noqa: E402
from bot.core.triage import LEXICONS, triage  # noqa: E402
from bot.evaluation import read_cases  # noqa: E402
from bot.faq import model as faq  # noqa: E402
from bot.nlu.matcher import Index, build  # noqa: E402
from bot.nlu.normalize import normalize  # noqa: E402
from bot.nlu.reading import build_reader  # noqa: E402
from bot.nlu.semantic import build_space  # noqa: E402

PATIENT_FILES = ("dev-shared", "dev-ja", "dev-en")
# The synthetic FAQ's vectors (20,000 texts, ~10 s to encode) are kept apart from the bot's own
# cache, which holds only what the FAQ in use needs beyond the seed.
CACHE = ROOT / "var" / "cache" / "bench-synthetic-vectors.npz"

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


def synthetic_knowledge(
    knowledge: Knowledge, examples: list[tuple[str, str]], index: Index
) -> Knowledge:
    """A `Knowledge` of the synthetic topics (each answering as the first shipped topic does),
    with the semantic stage over their examples, for timing the whole `decide`."""
    assert knowledge.semantic is not None
    base = replace(next(iter(knowledge.faq.topics.values())), follow_ups=())
    ids = sorted({t for t, _ in examples})
    topics = MappingProxyType({t: replace(base, id=t) for t in ids})
    space = build_space(ids, examples, [], [], knowledge.semantic.encoder, CACHE)
    semantic = Semantic(knowledge.semantic.encoder, space, knowledge.semantic.fusion)
    return replace(
        knowledge, faq=replace(knowledge.faq, topics=topics), index=index, semantic=semantic
    )


ASK = [sys.executable, "-m", "bot", "ask", "副作用はありますか"]
# What `ask` does, for when the CLI cannot start for another reason (a module being edited).
ASK_CORE = [
    sys.executable,
    "-c",
    "import sys; sys.argv = ['x']; from bot.__main__ import _knowledge; "
    "from bot.settings import Paths; import os; from datetime import UTC, datetime; "
    "from bot.core import decide; from bot.core.decision import State; "
    "k = _knowledge(Paths.from_env(dict(os.environ))); "
    "print(decide('副作用はありますか', State(), datetime.now(UTC), k).intent)",
]


def startup_ms(runs: int = 5) -> tuple[list[float], str]:
    command, what = ASK, "python -m bot ask"
    if subprocess.run(ASK, cwd=ROOT, check=False, capture_output=True).returncode != 0:
        command, what = ASK_CORE, "the knowledge build and one decide of `ask` (CLI broken)"
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        samples.append((time.perf_counter() - start) * 1000)
    return samples, what


RSS_PROBE = (
    "import resource, sys; from pathlib import Path; "
    "from datetime import UTC, datetime; from bot import i18n; from bot.faq import model as faq; "
    "from bot.core import decide; from bot.core.decision import State; "
    "from bot.core.knowledge import build_knowledge; from bot.evaluation import read_cases; "
    "import aiohttp, linebot, slack_bolt; "
    "k = build_knowledge(faq.load_or_raise(Path('faq')), i18n.load(Path('locales')),"
    " reading_cache=Path('var/cache/readings.json'), semantic='--lexical' not in sys.argv); "
    "[decide(c.text, State(), datetime.now(UTC), k) for c in "
    "read_cases(Path('tests/eval/patients/dev-shared.tsv'))[:20]]; "
    "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]; "
    "print(int(rss) // 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
)


def rss_mb(lexical: bool) -> str:
    out = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, *(["--lexical"] if lexical else [])],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return f"RSS {out[0]} MB, peak {out[1]} MB"


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
    patients = [
        c.text
        for name in PATIENT_FILES
        for c in read_cases(ROOT / f"tests/eval/patients/{name}.tsv")
    ]
    lexical = replace(knowledge, semantic=None)
    print(f"shipped FAQ: {len(knowledge.faq.topics)} topics, built in {build_ms:.0f} ms")
    print("  decide, messages.tsv:", percentiles(time_decide(knowledge, messages, rounds=5)))
    print("  decide, patient dev files:", percentiles(time_decide(knowledge, patients, rounds=3)))
    print(
        "  decide, lexical alone, messages.tsv:",
        percentiles(time_decide(lexical, messages, rounds=5)),
    )
    print(
        "  decide, lexical alone, patient dev files:",
        percentiles(time_decide(lexical, patients, rounds=3)),
    )
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
    print("  rank (the lexical step of decide):", percentiles(time_rank(index, messages)))
    start = time.perf_counter()
    big = synthetic_knowledge(knowledge, examples, index)
    print(f"  semantic stage built in {(time.perf_counter() - start) * 1000:.0f} ms")
    print(
        "  decide with the semantic stage, messages.tsv + patient files:",
        percentiles(time_decide(big, messages + patients, rounds=1)),
    )
    samples, what = startup_ms()
    print(
        f"`{what}` start-up (whole process, {len(samples)} runs): "
        f"median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms"
    )
    print("process holding the knowledge and the server's libraries, after 20 decisions:")
    print(f"  with the semantic stage: {rss_mb(lexical=False)}")
    print(f"  lexical alone: {rss_mb(lexical=True)}")
    print(f"this run's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
