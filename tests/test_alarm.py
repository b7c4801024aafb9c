"""Triage's second net: it raises what the rules cannot read, never what they set aside."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bot.core import decide
from bot.core.decision import Kind, State
from bot.core.knowledge import Knowledge
from bot.core.triage import SEMANTIC, Outcome, triage
from bot.nlu import alarm
from bot.nlu.semantic import DIM, model_version

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# Written for this test, in no evaluation file: a collapse told without any word the
# lexicons list, and the same fright denied.
UNLISTED = "my wife suddenly slumped sideways at the table and her eyes won't focus on me"
DENIED = "no chest pain, no trouble breathing, just wanted to check my booking"


def test_the_shipped_weights_fit_the_shipped_encoder() -> None:
    net = alarm.load()
    assert net.weights.shape == (DIM,)
    assert net.model == model_version()


def test_weights_of_another_size_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "alarm.json"
    path.write_text(json.dumps({"model": "x", "threshold": 1, "bias": 0, "weights": [0.1] * 3}))
    with pytest.raises(ValueError, match="3 weights"):
        alarm.load(path)


def test_the_score_is_the_dot_product_plus_the_bias() -> None:
    net = alarm.Alarm(np.full(DIM, 0.5, np.float32), -1.0, 0.0, "m")
    vector = np.zeros(DIM, np.float32)
    vector[:4] = 1.0
    assert net.score(vector) == pytest.approx(1.0)
    assert net.fires(vector)
    assert not alarm.Alarm(net.weights, -3.0, 0.0, "m").fires(vector)


def test_an_emergency_the_rules_cannot_read_is_raised(knowledge: Knowledge) -> None:
    assert triage(UNLISTED).outcome is Outcome.NONE  # the rules alone would match it
    decision = decide(UNLISTED, State(), NOW, knowledge)
    assert (decision.kind, decision.urgent, decision.reason) == (Kind.EMERGENCY, True, SEMANTIC)
    assert decision.text.startswith("This may be an emergency. Please call 119")


def test_a_fright_the_rules_set_aside_is_not_overruled(knowledge: Knowledge) -> None:
    semantic = knowledge.semantic
    assert semantic is not None
    always = alarm.Alarm(np.zeros(DIM, np.float32), 1.0, 0.0, "test")  # fires on anything
    raising = replace(knowledge, semantic=replace(semantic, alarm=always))
    assert triage(DENIED).mention  # the rules read its red flags as denied...
    assert decide(DENIED, State(), NOW, raising).kind is not Kind.EMERGENCY  # ...and that holds
    assert decide(UNLISTED, State(), NOW, raising).kind is Kind.EMERGENCY
    # A question the lexical fast path answers never reaches the net.
    assert decide("料金について教えて", State(), NOW, raising).kind is Kind.ANSWER


def test_ordinary_questions_are_not_raised(knowledge: Knowledge) -> None:
    for text in ("is it normal to feel a little tired after the drip?", "料金はいくらですか"):
        assert decide(text, State(), NOW, knowledge).kind is not Kind.EMERGENCY
