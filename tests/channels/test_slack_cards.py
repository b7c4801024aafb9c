"""What a card tells staff: why it asks for them, in words read at a glance in both staff
languages, and when it opened, in the clinic's time."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import i18n
from bot.channels.slack_cards import card, reason_label


@pytest.mark.parametrize(
    ("reason", "en_part", "ja_part"),
    [
        ("asked", "Asked for a person", None),
        ("chest_pain", "Possible emergency: chest_pain", None),
        ("self_harm", "self-harm", None),
        ("symptom:fever", "Symptom report after treatment: fever", None),
        ("medical:anticoagulant", "Medical situation for a doctor: anticoagulant", None),
        ("line_quota", "monthly message limit", "月間メッセージ上限"),
        ("cost", "after the answer on: cost", None),
    ],
)
def test_every_reason_has_words(reason: str, en_part: str, ja_part: str | None) -> None:
    catalogs = i18n.load(i18n.LOCALES)
    assert en_part in reason_label(reason, catalogs["en"].gettext)
    ja = reason_label(reason, catalogs["ja"].gettext)
    assert ja and (ja_part is None or ja_part in ja)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Asia/Tokyo", "2026-12-01 11:00"), ("Europe/London", "2026-12-01 02:00")],
)
def test_the_card_shows_the_opening_in_the_clinics_time_zone(zone: str, shown: str) -> None:
    """hours.toml names the clinic's zone; the card is read by staff in that clinic."""
    _, blocks = card(
        conversation="c1",
        reason="asked",
        urgent=False,
        lang="ja",
        name=None,
        recent=(),
        opened=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        status="waiting",
        by=None,
        _=i18n.load(i18n.LOCALES)["en"].gettext,
        zone=ZoneInfo(zone),
    )
    assert shown in json.dumps(blocks, ensure_ascii=False)
