"""The conversation core: one patient message in, one decision out.

Pure and synchronous: it takes text, the conversation state, a clock and the knowledge, and
returns a `Decision`. It imports no I/O library, so every rule here is tested as a table.
Order matters: safety triage first, on the whole message, in every conversation state (an
emergency is never answered with an FAQ, whoever owns the conversation; a symptom report or a
medical situation goes to a person), then a privacy request (also in every state: a patient may
stop storage or delete their data while staff answer), then what the patient explicitly asks
for, then matching. The privacy notice is attached by `privacy.with_notice`, which the LINE
planner applies to every decision.
"""

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bot.core import privacy, safety, texts, triage
from bot.core.decision import Choice, Decision, Kind, Owner, State
from bot.core.knowledge import Knowledge, Semantic
from bot.faq.rules import OUT_OF_SCOPE
from bot.lang import DEFAULT_LANG, Lang
from bot.nlu.concepts import NOT_COVERED
from bot.nlu.fusion import FastPath, Inputs, kana_share, ranked
from bot.nlu.language import detect
from bot.nlu.matcher import Ranking
from bot.nlu.semantic import Signals, Space

__all__ = [
    "Choice",
    "Decision",
    "Kind",
    "Owner",
    "State",
    "choose",
    "decide",
    "request_staff",
    "show_menu",
    "switch_language",
]

UNANSWERED_LIMIT = 2  # consecutive misses after which staff are brought in
ENCODED_CHARS = 1000  # the encoder reads a message's first characters (questions are short)
LIKELY = 0.5  # a topic at least this probable is one the fusion would answer
CANDIDATES = 20  # the fusion scores the lexical and the vector top topics only (large FAQs)
_MIN_JA_CHARS, _MIN_EN_LETTERS = 2, 4  # shorter messages ("ok", "PRP") keep the language


def _language(text: str, state: State) -> Lang:
    """The patient's language: it sticks, and switches when they clearly write in the other."""
    found = detect(text)
    if found is None:
        return state.lang or DEFAULT_LANG
    if state.lang is not None and found != state.lang:
        letters = sum(ch.isascii() and ch.isalpha() for ch in text)
        japanese = len(text) - sum(ch.isascii() for ch in text)
        if (found == "en" and letters < _MIN_EN_LETTERS) or (
            found == "ja" and japanese < _MIN_JA_CHARS
        ):
            return state.lang
    return found


def _factor(ranking: Ranking, knowledge: Knowledge) -> float:
    """How much of its lexical score a message keeps, given the words the FAQ has never seen."""
    th = knowledge.thresholds
    share = ranking.unknown_words / ranking.content_words if ranking.content_words else 0.0
    factor = 1.0 - th.unknown_penalty * share
    if ranking.foreign_words:  # names something the FAQ does not cover: "botox", "脱毛"
        factor *= 1.0 - th.foreign_penalty
    return factor * (1.0 - min(1.0, th.foreign_feature_penalty * ranking.foreign_share))


def _scored(ranking: Ranking, knowledge: Knowledge) -> list[tuple[str, float]]:
    """Scores lowered by the share of words the FAQ has never seen ("botox")."""
    factor = _factor(ranking, knowledge)
    return [(topic, round(score * factor, 4)) for topic, score in ranking.scores]


def decide(text: str, state: State, now: datetime, knowledge: Knowledge) -> Decision:  # noqa: PLR0911 - one return per rule, in priority order
    """What to do with one message `text` from a patient in conversation `state` at `now`."""
    del now  # the core keeps no time-based rules yet; hand-off deadlines live in `handoff`
    lang = _language(text, state)
    _ = texts.texts_for(knowledge.catalogs, lang)
    state = replace(state, lang=lang)
    found = triage.triage(text)
    if found.outcome in (triage.Outcome.EMERGENCY, triage.Outcome.SELF_HARM):
        return _emergency(found, lang, state, knowledge)
    wanted = privacy.request(text)
    if wanted is not None:
        return privacy.answer(wanted, lang, state, knowledge)
    if state.owner is not Owner.BOT:
        return Decision(Kind.RELAY, "relay", lang, "", needs_staff=True, state=state)
    if found.outcome is not triage.Outcome.NONE:
        return _to_staff(found, lang, state, knowledge)
    requested = safety.language_request(text)
    if requested is not None:
        return switch_language(requested, state, knowledge)
    if safety.asks_for_person(text):
        return request_staff(lang, state, knowledge)
    if safety.is_greeting(text):
        return _small_talk(Kind.GREETING, texts.greeting(_), lang, state, knowledge)
    if safety.is_thanks(text):
        return _small_talk(Kind.THANKS, texts.thanks(_), lang, state, knowledge)
    return _matched(text, lang, state, knowledge, alarm=not found.mention)


def _emergency(found: triage.Triage, lang: Lang, state: State, k: Knowledge) -> Decision:
    """119 first (crisis lines for self-harm), and an urgent hand-off."""
    _ = texts.texts_for(k.catalogs, lang)
    reply = (
        texts.self_harm(_)
        if found.outcome is triage.Outcome.SELF_HARM
        else texts.emergency(_, found.category)
    )
    return Decision(
        Kind.EMERGENCY,
        "emergency",
        lang,
        reply,
        (),
        needs_staff=True,
        urgent=True,
        reason=found.reason,
        state=replace(state, misses=0),
    )


def _alarm(vector: npt.NDArray[np.float32], sem: Semantic) -> triage.Triage | None:
    """Triage's second net (`bot/nlu/alarm.py`): an emergency the rules did not read, told in
    words close to the emergencies it was trained on."""
    if sem.alarm is None or not sem.alarm.fires(vector):
        return None
    score = f"vector score {sem.alarm.score(vector):.2f}"
    return triage.Triage(triage.Outcome.EMERGENCY, triage.SEMANTIC, score)


def request_staff(lang: Lang, state: State, k: Knowledge, reason: str = "asked") -> Decision:
    """The patient asked for a person, in words or with a "talk to staff" quick reply.

    `reason` is shown to staff: "asked", or the topic whose answer offered staff
    (e.g. "consultation" when the patient wants to consult or book).
    """
    _ = texts.texts_for(k.catalogs, lang)
    return Decision(
        Kind.HANDOFF,
        "handoff",
        lang,
        texts.handoff(_),
        (),
        needs_staff=True,
        reason=reason,
        state=replace(state, lang=lang, misses=0),
    )


def _to_staff(found: triage.Triage, lang: Lang, state: State, k: Knowledge) -> Decision:
    """A symptom report or a medical situation: guidance and a (non-urgent) hand-off."""
    _ = texts.texts_for(k.catalogs, lang)
    if found.outcome is triage.Outcome.SYMPTOM:
        reply = texts.symptom_report(_, k.clinic)
    elif found.category == "clinician":
        reply = texts.clinician(_)
    else:
        reply = texts.medical_situation(_)
    return Decision(
        Kind.HANDOFF,
        "handoff",
        lang,
        reply,
        (),
        needs_staff=True,
        reason=found.reason,
        state=replace(state, lang=lang, misses=0),
    )


def switch_language(lang: Lang, state: State, k: Knowledge) -> Decision:
    """The patient chose a language; everything from now on is in it."""
    return _with_menu(Kind.LANGUAGE, "language", texts.language_switched, lang, state, k)


def show_menu(lang: Lang, state: State, k: Knowledge) -> Decision:
    """The topic menu, as when the patient taps "Topics"."""
    return _with_menu(Kind.GREETING, "menu", texts.menu_prompt, lang, state, k)


def _with_menu(
    kind: Kind,
    intent: str,
    text: Callable[[texts.Gettext], str],
    lang: Lang,
    state: State,
    k: Knowledge,
) -> Decision:
    _ = texts.texts_for(k.catalogs, lang)
    menu = texts.menu(k.faq, lang, _)
    return Decision(kind, intent, lang, text(_), menu, state=replace(state, lang=lang))


def _small_talk(kind: Kind, text: str, lang: Lang, state: State, k: Knowledge) -> Decision:
    _ = texts.texts_for(k.catalogs, lang)
    choices = texts.menu(k.faq, lang, _, staff=False) if kind is Kind.GREETING else ()
    return Decision(kind, kind.value, lang, text, choices, state=replace(state, misses=0))


def fast_answer(scored: Sequence[tuple[str, float]], fast: FastPath) -> str | None:
    """The lexical fast path: the best topic when its score and its lead over the runner-up
    (the out-of-scope examples included) pass `fast`, else None."""
    if not scored or scored[0][0] == OUT_OF_SCOPE:
        return None
    best, score = scored[0]
    lead = score - (scored[1][1] if len(scored) > 1 else 0.0)
    return best if score >= fast.score and lead >= fast.lead else None


def fusion_rows(
    lexical: Mapping[str, float], signals: Signals, space: Space, k: int = CANDIDATES
) -> npt.NDArray[np.intp]:
    """The rows of `space.topics` the fusion scores: the union of the `k` best by lexical score,
    by vector closeness to the examples and to the answer sentences (every topic when there are
    at most `k`). The best of each signal is always in, so each gap feature is unchanged; a
    topic outside all three would get a probability near zero anyway."""
    n = len(space.topics)
    if n <= k:
        return np.arange(n, dtype=np.intp)
    at = space.position
    lexical_top = [
        at[t] for t in heapq.nlargest(k + 1, lexical, key=lexical.__getitem__) if t in at
    ]
    vector_top = np.argpartition(-signals.examples, k)[:k]
    document_top = np.argpartition(-signals.documents, k)[:k]
    rows = np.concatenate([np.asarray(lexical_top, np.intp), vector_top, document_top])
    return np.unique(rows)


def fusion_inputs(
    ranking: Ranking,
    scored: Sequence[tuple[str, float]],
    signals: Signals,
    topics: Sequence[str],
    rows: npt.NDArray[np.intp] | None = None,
    text: str = "",
    concepts: Mapping[str, float] | None = None,
    examples: npt.NDArray[np.intp] | None = None,
) -> Inputs:
    """The fusion's inputs for one message: the lexical scores (`scored`, after the unknown
    word factor) and the vector `signals`, for `topics` (all, or those at `rows`), how `text`
    is written, the lexicon's `concepts` per topic (`Lexicon.topics`) and each topic's number
    of `examples` (topic order)."""
    concepts = concepts or {}
    lexical = dict(scored)
    share = ranking.unknown_words / ranking.content_words if ranking.content_words else 0.0
    picked = np.arange(len(topics), dtype=np.intp) if rows is None else rows
    return Inputs(
        np.array([lexical.get(topics[i], 0.0) for i in picked], dtype=np.float64),
        lexical.get(OUT_OF_SCOPE, 0.0),
        signals.examples[picked].astype(np.float64),
        signals.documents[picked].astype(np.float64),
        signals.out_of_scope,
        share,
        float(ranking.foreign_words > 0),
        ranking.foreign_share,
        kana_share(text),
        np.array([concepts.get(topics[i], 0.0) for i in picked], dtype=np.float64),
        concepts.get(NOT_COVERED, 0.0),
        None if examples is None else examples[picked].astype(np.float64),
    )


def _matched(text: str, lang: Lang, state: State, k: Knowledge, *, alarm: bool = True) -> Decision:
    if k.semantic is not None:
        return _fused(text, lang, state, k, k.semantic, alarm=alarm)
    _ = texts.texts_for(k.catalogs, lang)
    ranking = k.index.rank(text)
    scored = _scored(ranking, k)
    candidates = tuple((t, s) for t, s in scored if t != OUT_OF_SCOPE)
    th = k.thresholds
    best, best_score = scored[0] if scored else (OUT_OF_SCOPE, 0.0)
    runner_up = candidates[1] if len(candidates) > 1 else None
    if best == OUT_OF_SCOPE or best_score < th.floor:  # "hello, I just added this account"
        return _chat(text, lang, state, k) or _fallback(lang, state, k, candidates)
    close = runner_up is not None and runner_up[1] >= max(best_score - th.margin, th.floor)
    lead = best_score - (runner_up[1] if runner_up else 0.0)
    if close or (best_score < th.answer and lead < th.lead):
        options = [best] + ([runner_up[0]] if close and runner_up else [])
        return _clarify(options, lang, state, k, candidates)
    return choose(best, lang, state, k, candidates)


def _chat(text: str, lang: Lang, state: State, k: Knowledge) -> Decision | None:
    """The small-talk reply to a greeting or thanks with a little more in it, or None."""
    _ = texts.texts_for(k.catalogs, lang)
    chat = safety.small_talk(text)
    if chat == "greeting":
        return _small_talk(Kind.GREETING, texts.greeting(_), lang, state, k)
    if chat == "thanks":
        return _small_talk(Kind.THANKS, texts.thanks(_), lang, state, k)
    return None


def _fused(
    text: str, lang: Lang, state: State, k: Knowledge, sem: Semantic, *, alarm: bool = True
) -> Decision:
    """Matching with the semantic stage: the lexical fast path, else the learned fusion of
    lexical and sentence-vector signals (docs/matching.md)."""
    ranking = k.index.rank(text, limit=CANDIDATES + 1)  # + 1: the out-of-scope examples
    scored = _scored(ranking, k)
    fast = fast_answer(scored, sem.fusion.fast)
    if fast is not None:
        return choose(
            fast, lang, state, k, tuple((t, s) for t, s in scored[:5] if t != OUT_OF_SCOPE)
        )
    vector = sem.encoder.encode([text[:ENCODED_CHARS]])[0]
    raised = _alarm(vector, sem) if alarm else None
    if raised is not None:
        return _emergency(raised, lang, state, k)
    signals = sem.space.signals(vector)
    rows = fusion_rows(ranking.every, signals, sem.space)
    factor, listed = _factor(ranking, k), dict(scored)
    topics = [sem.space.topics[i] for i in rows]
    for topic in topics:  # a topic only the vectors put forward: its lexical score too
        if topic not in listed and topic in ranking.every:
            listed[topic] = round(ranking.every[topic] * factor, 4)
    verdict = sem.fusion.verdict(
        fusion_inputs(
            ranking,
            list(listed.items()),
            signals,
            sem.space.topics,
            rows,
            text,
            sem.lexicon.topics(text),
            sem.space.example_counts,
        )
    )
    candidates = tuple(ranked(topics, verdict)[:5])
    not_covered = not candidates or verdict.not_covered >= sem.fusion.threshold
    chat = _chat(text, lang, state, k) if not_covered or candidates[0][1] < LIKELY else None
    if chat is not None:  # "hello, I just added this account"
        return chat
    if not_covered:
        return _fallback(lang, state, k, candidates, sem.subject(signals))
    (best, p_best), runner_up = candidates[0], candidates[1] if len(candidates) > 1 else None
    if p_best >= LIKELY and (runner_up is None or runner_up[1] < LIKELY):
        return choose(best, lang, state, k, candidates)
    # Two likely topics, or none likely enough to answer outright: ask which one.
    return _clarify([best] + ([runner_up[0]] if runner_up else []), lang, state, k, candidates)


def choose(
    topic_id: str,
    lang: Lang,
    state: State,
    k: Knowledge,
    candidates: tuple[tuple[str, float], ...] = (),
) -> Decision:
    """The answer for one topic, as when the patient taps it in a menu."""
    _ = texts.texts_for(k.catalogs, lang)
    topic = k.faq.topics[topic_id]
    choices = texts.topic_choices(k.faq, topic.follow_ups, lang)
    if topic.offer_staff:
        choices.insert(0, texts.staff_choice(_, reason=topic.id))
    choices.append(texts.menu_choice(_))
    return Decision(
        Kind.ANSWER,
        topic.id,
        lang,
        topic.entry(lang).answer,
        texts.limited(choices),
        candidates=candidates,
        state=replace(state, misses=0),
    )


def _clarify(
    options: list[str],
    lang: Lang,
    state: State,
    k: Knowledge,
    candidates: tuple[tuple[str, float], ...],
) -> Decision:
    _ = texts.texts_for(k.catalogs, lang)
    choices = [
        *texts.topic_choices(k.faq, options, lang),
        texts.menu_choice(_),
        texts.staff_choice(_),
    ]
    return Decision(
        Kind.CLARIFY,
        options[0],
        lang,
        texts.clarify(_),
        texts.limited(choices),
        candidates=candidates,
        state=replace(state, misses=0),
    )


def _not_covered(
    subject_id: str,
    lang: Lang,
    state: State,
    k: Knowledge,
    candidates: tuple[tuple[str, float], ...],
) -> Decision:
    """A subject the admins listed as not covered (`faq/out_of_scope.<subject>.toml`): its own
    reply and the offer of staff. The bot understood the message, so it is not a miss."""
    _ = texts.texts_for(k.catalogs, lang)
    choices = [texts.staff_choice(_, reason=subject_id), texts.menu_choice(_)]
    return Decision(
        Kind.FALLBACK,
        "fallback",
        lang,
        k.faq.subjects[subject_id].answer[lang],
        texts.limited(choices),
        candidates=candidates,
        state=replace(state, misses=0),
    )


def _fallback(
    lang: Lang,
    state: State,
    k: Knowledge,
    candidates: tuple[tuple[str, float], ...],
    subject: str = "",
) -> Decision:
    """Not covered: the reply of the listed `subject` nearest to the message, else the plain
    fallback (and staff after the second in a row)."""
    if subject in k.faq.subjects:
        return _not_covered(subject, lang, state, k, candidates)
    _ = texts.texts_for(k.catalogs, lang)
    misses = state.misses + 1
    if misses >= UNANSWERED_LIMIT:
        return Decision(
            Kind.FALLBACK,
            "fallback",
            lang,
            texts.fallback_twice(_),
            texts.menu(k.faq, lang, _),
            needs_staff=True,
            reason="unanswered",
            candidates=candidates,
            state=replace(state, misses=0),
        )
    return Decision(
        Kind.FALLBACK,
        "fallback",
        lang,
        texts.fallback(_),
        texts.menu(k.faq, lang, _),
        candidates=candidates,
        state=replace(state, misses=misses),
    )
