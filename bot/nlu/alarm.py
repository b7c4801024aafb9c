"""Triage's second net: how much a message's sentence vector reads like an emergency.

The triage lexicons (`bot/core/triage.py`) read red flags by their words, and each phrasing a
patient invents ("her smile only goes up on one side", 金魚みたいに口ぱくぱく) is a phrase nobody
listed until a development set shows it. The sentence encoder places such messages near the
emergencies it has seen told other ways. This net is a logistic regression over the message's
USE vector (`semantic.py`), trained by `bench/train_alarm.py` on the labelled triage
development messages (emergencies against everything else: near-misses, reports for staff and
the matching sets' ordinary questions), its threshold chosen there so that, on files held out
of training, it adds at most a budgeted share of false alarms.

It never replaces the rules and never lowers what they decided: it is consulted only for a
message in which the rules found nothing (no red flag, no report for staff, and no red-flag
phrase they read and set aside as negated, asked about or past: `Triage.mention`), where the
semantic stage computes the vector anyway, so it costs a dot product. A message the lexical
fast path answers is not consulted. `alarm.json` holds its weights and the encoder version
they belong to.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.nlu.semantic import DIM

WEIGHTS = Path(__file__).with_name("alarm.json")


@dataclass(frozen=True)
class Alarm:
    """Weights over the 512 numbers of a message vector; `fires` at `threshold` or above."""

    weights: npt.NDArray[np.float32]
    bias: float
    threshold: float
    model: str  # the encoder version the weights were trained on

    def score(self, vector: npt.NDArray[np.float32]) -> float:
        return float(vector @ self.weights) + self.bias

    def fires(self, vector: npt.NDArray[np.float32]) -> bool:
        return self.score(vector) >= self.threshold

    def to_json(self) -> str:
        return json.dumps(
            {
                "model": self.model,
                "threshold": round(self.threshold, 6),
                "bias": round(self.bias, 6),
                "weights": [round(float(w), 6) for w in self.weights],
            },
            indent=0,
        )


def load(path: Path = WEIGHTS) -> Alarm:
    """The shipped weights (raises OSError or ValueError when the file is missing or bad)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    weights = np.asarray(data["weights"], dtype=np.float32)
    if weights.shape != (DIM,):
        raise ValueError(f"{path}: {weights.shape[0]} weights, the encoder gives {DIM}")
    return Alarm(weights, float(data["bias"]), float(data["threshold"]), str(data["model"]))
