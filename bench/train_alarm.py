"""Train triage's second net (`bot/nlu/alarm.json`) and measure it honestly.

Run: `.venv/bin/pip install -e '.[bench]'` (scikit-learn) then
`.venv/bin/python bench/train_alarm.py [--budget 0.0025] [--write]` (~1 min on 2 cores).

Data (development files only; no blind file is read): every labelled message of the triage
development files and of the matching evaluation files, as emergency (`emergency:<category>`
or `emergency`) or not. Each message is encoded as `decide` encodes it (its first
`ENCODED_CHARS` characters).

Model: logistic regression over the 512 numbers of the vector (balanced classes, C = 1). The
net may only raise a message in which the rules found nothing (triage NONE, no phrase set
aside as a mention), so its threshold is the lowest score at which it adds at most `budget`
false alarms per non-emergency among such messages.

Report: leave one file out. For each file, the net is trained on the other files and its
threshold chosen on them from scores each got from a net trained without it (nested leave one
file out), then the file is scored: emergencies caught by the rules alone and by rules or net,
false alarms of each. `--write` trains on every file, takes the threshold from every file's
held-out scores, and writes the weights.
"""

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core import ENCODED_CHARS  # noqa: E402
from bot.core.triage import Outcome, triage  # noqa: E402
from bot.evaluation import read_cases  # noqa: E402
from bot.nlu import alarm  # noqa: E402
from bot.nlu.semantic import UseEncoder  # noqa: E402

EVAL = ROOT / "tests/eval"
FILES = (
    *(f"triage/{name}.tsv" for name in ("dev-shared", "dev-urgent", "dev-nearmiss", "dev-hard")),
    *(f"triage/{name}.tsv" for name in ("dev-hard2", "dev-hard3", "dev-hard4", "dev-hard5")),
    "triage/dev-hard6.tsv",
    "triage/dev-hard7.tsv",
    "messages.tsv",
    "holdout.tsv",
    "blind.tsv",  # the old matching set: development data since it is read by every test run
    "patients/dev-shared.tsv",
    "patients/dev-ja.tsv",
    "patients/dev-en.tsv",
)
RULES_ALARM = (Outcome.EMERGENCY, Outcome.SELF_HARM)
# decide consults the net where the rules found nothing at all: no red flag, no report for
# staff, and no red-flag phrase read and set aside as a mention (`Triage.mention`)
NET_MAY_RAISE = (Outcome.NONE,)
C = 1.0

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Data:
    files: npt.NDArray[np.intp]  # index into FILES per message
    vectors: Matrix
    emergency: npt.NDArray[np.bool_]
    rules: npt.NDArray[np.bool_]  # the rules raised an emergency
    open_: npt.NDArray[np.bool_]  # the rules let it through to where the net is consulted


def load(encoder: UseEncoder) -> Data:
    files, texts, emergency, rules, open_ = [], [], [], [], []
    for i, name in enumerate(FILES):
        if "blind-" in name or name.startswith("patients/blind"):
            raise ValueError(name)  # held-out sets are never read
        for case in read_cases(EVAL / name):
            outcome = triage(case.text)
            files.append(i)
            texts.append(case.text[:ENCODED_CHARS])
            emergency.append(any(label.startswith("emergency") for label in case.expected))
            rules.append(outcome.outcome in RULES_ALARM)
            open_.append(outcome.outcome in NET_MAY_RAISE and not outcome.mention)
    vectors = np.vstack([encoder.encode([text]) for text in texts]).astype(np.float32)
    return Data(np.array(files), vectors, np.array(emergency), np.array(rules), np.array(open_))


def fit(data: Data, rows: npt.NDArray[np.bool_]) -> LogisticRegression:
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    model.fit(data.vectors[rows], data.emergency[rows])
    return model


def held_out_scores(data: Data, among: Sequence[int]) -> npt.NDArray[np.float64]:
    """Each message of the files `among` scored by a net trained on the others of `among`."""
    scores = np.full(len(data.files), np.nan)
    for f in among:
        train = np.isin(data.files, [g for g in among if g != f])
        model = fit(data, train)
        rows = data.files == f
        scores[rows] = model.decision_function(data.vectors[rows])
    return scores


def threshold(
    data: Data, scores: npt.NDArray[np.float64], rows: npt.NDArray[np.bool_], budget: float
) -> float:
    """The lowest score at which the net adds at most `budget` false alarms per
    non-emergency of `rows` (counting only messages the net may raise)."""
    negatives = rows & ~data.emergency
    candidates = np.sort(scores[negatives & data.open_])[::-1]
    allowed = int(budget * negatives.sum())
    if allowed >= len(candidates):
        return float(candidates[-1]) if len(candidates) else 0.0
    return float(candidates[allowed]) + 1e-6  # above the (allowed+1)-th highest false score


def report(data: Data, budget: float) -> None:
    print(f"budget {budget:.2%} of non-emergencies; C={C}")
    print(
        "file | emergencies: rules → rules or net (net alone) | false alarms: rules → rules or net"
    )
    totals = np.zeros(7, dtype=int)
    for f, name in enumerate(FILES):
        among = [g for g in range(len(FILES)) if g != f]
        inner = held_out_scores(data, among)
        train = data.files != f
        t = threshold(data, inner, train, budget)
        model = fit(data, train)
        rows = data.files == f
        score = model.decision_function(data.vectors[rows])
        net = (score >= t) & data.open_[rows]
        em, rules = data.emergency[rows], data.rules[rows]
        both = rules | net
        counts = np.array(
            [
                em.sum(),
                (rules & em).sum(),
                (both & em).sum(),
                (~em).sum(),
                (rules & ~em).sum(),
                (both & ~em).sum(),
                ((score >= t) & em).sum(),
            ]
        )
        totals += counts
        print(
            f"{name} | {counts[1]}/{counts[0]} → {counts[2]}/{counts[0]} ({counts[6]}) | "
            f"{counts[4]}/{counts[3]} → {counts[5]}/{counts[3]}"
        )
    print(
        f"pooled | {totals[1]}/{totals[0]} → {totals[2]}/{totals[0]} ({totals[6]}) | "
        f"{totals[4]}/{totals[3]} → {totals[5]}/{totals[3]}"
    )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.0025)
    parser.add_argument(
        "--write", action="store_true", help="train on everything, write alarm.json"
    )
    args = parser.parse_args(argv)
    encoder = UseEncoder()
    data = load(encoder)
    report(data, args.budget)
    if args.write:
        everything = np.ones(len(data.files), dtype=bool)
        t = threshold(data, held_out_scores(data, range(len(FILES))), everything, args.budget)
        model = fit(data, everything)
        net = alarm.Alarm(
            model.coef_[0].astype(np.float32), float(model.intercept_[0]), t, encoder.version
        )
        alarm.WEIGHTS.write_text(net.to_json() + "\n", encoding="utf-8")
        print(f"wrote {alarm.WEIGHTS}: threshold {t:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
