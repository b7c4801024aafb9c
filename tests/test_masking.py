"""Masking: staff in Slack read the symptom, never the phone number, address or birthday."""

import pytest

from bot.core.masking import ADDRESS, DATE, EMAIL, PHONE, mask

MASKED = [
    # Phone numbers
    pytest.param("電話は090-1234-5678です", f"電話は{PHONE}です", id="ja-mobile-hyphens"),
    pytest.param("09012345678に折り返し", f"{PHONE}に折り返し", id="ja-mobile-no-hyphens"),
    pytest.param("０９０－１２３４－５６７８まで", f"{PHONE}まで", id="ja-mobile-full-width"),
    pytest.param("090ー1234ー5678", PHONE, id="ja-mobile-long-vowel-mark-as-hyphen"),
    pytest.param("自宅は03-1234-5678", f"自宅は{PHONE}", id="ja-landline-tokyo"),
    pytest.param("TEL:06(6123)4567", f"TEL:{PHONE}", id="ja-landline-parentheses"),
    pytest.param("(03)1234-5678", PHONE, id="ja-area-code-in-parentheses"),
    pytest.param("0120-123-456へ", f"{PHONE}へ", id="ja-free-dial"),
    pytest.param(
        "+81 90-1234-5678までお願いします", f"{PHONE}までお願いします", id="plus-81-mobile"
    ),
    pytest.param("call +81(0)3-1234-5678", f"call {PHONE}", id="plus-81-with-trunk-zero"),
    pytest.param("My US number is +1 (212) 555-0123.", f"My US number is {PHONE}.", id="en-us"),
    pytest.param("London: +44 20 7946 0958", f"London: {PHONE}", id="en-uk"),
    pytest.param("Call me at (212) 555-0123", f"Call me at {PHONE}", id="en-us-without-plus"),
    # E-mail addresses
    pytest.param("taro.yamada+clinic@example.co.jpまで", f"{EMAIL}まで", id="ja-email"),
    pytest.param("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍです", f"{EMAIL}です", id="ja-email-full-width"),
    pytest.param("Write to jane_doe@mail.example.com.", f"Write to {EMAIL}.", id="en-email"),
    # Dates
    pytest.param("生年月日は1985年4月3日です", f"生年月日は{DATE}です", id="ja-date-kanji"),
    pytest.param("昭和60年4月3日生まれ", f"{DATE}生まれ", id="ja-showa"),
    pytest.param("平成元年1月8日", DATE, id="ja-heisei-first-year"),
    pytest.param("令和２年５月１日", DATE, id="ja-reiwa-full-width"),
    pytest.param("㍼60年4月3日生", f"{DATE}生", id="ja-era-ligature"),
    pytest.param("生年月日:S60.4.3", f"生年月日:{DATE}", id="ja-era-letter"),
    pytest.param("2026/12/01に予約", f"{DATE}に予約", id="ja-slashes"),
    pytest.param("DOB 1985-04-03", f"DOB {DATE}", id="en-iso"),
    pytest.param("born April 3, 1985.", f"born {DATE}.", id="en-month-day-year"),
    pytest.param("born 3 April 1985", f"born {DATE}", id="en-day-month-year"),
    pytest.param("Apr. 3rd, 1985", DATE, id="en-abbreviated-ordinal"),
    pytest.param("DOB 04/03/1985", f"DOB {DATE}", id="en-numeric"),
    # Postal codes and addresses
    pytest.param(
        "〒160-0023 東京都新宿区西新宿1-2-3 新宿ビル5F\n頭痛があります",
        f"{ADDRESS}\n頭痛があります",
        id="ja-postal-mark-to-line-end",
    ),
    pytest.param(
        "〒１６０－００２３　東京都新宿区西新宿２－８－１。頭痛です",
        f"{ADDRESS}。頭痛です",
        id="ja-postal-mark-to-sentence-end",
    ),
    pytest.param(
        "〒160-0023 東京都新宿区西新宿1-2-3 TEL 03-1234-5678",
        f"{ADDRESS} TEL {PHONE}",
        id="ja-address-stops-at-phone-label",
    ),
    pytest.param(
        "住所は東京都新宿区西新宿1-2-3です", f"住所は{ADDRESS}です", id="ja-prefecture-city-banchi"
    ),
    pytest.param(
        "神奈川県横浜市中区山下町1番地に住んでいます",
        f"{ADDRESS}に住んでいます",
        id="ja-banchi-kanji-marker",
    ),
    pytest.param("東京都新宿区西新宿二丁目8番1号", ADDRESS, id="ja-chome-kanji-numeral"),
    pytest.param("北海道札幌市中央区北1条西2丁目", ADDRESS, id="ja-sapporo-jo"),
    pytest.param("新宿区西新宿1-2-3-101に", f"{ADDRESS}に", id="ja-ward-without-prefecture"),
    pytest.param(
        "160-0023 東京都新宿区西新宿1-2-3", ADDRESS, id="ja-postal-code-before-prefecture"
    ),
    pytest.param("郵便番号：160-0023", f"郵便番号：{ADDRESS}", id="ja-postal-code-label"),
    pytest.param(
        "I live at 1-2-3 Nishishinjuku, Shinjuku-ku, Tokyo 160-0023 and itch",
        f"I live at {ADDRESS} and itch",
        id="en-japanese-address",
    ),
    pytest.param("I live at 123 Main St.", f"I live at {ADDRESS}.", id="en-street"),
    pytest.param("123 Main St, Springfield, IL 62701", ADDRESS, id="en-street-city-zip"),
]

KEPT = [
    pytest.param("40度の熱があります", id="ja-temperature"),
    pytest.param("3日〜1週間続いています", id="ja-duration-range"),
    pytest.param("1回あたりの費用は?", id="ja-per-session"),
    pytest.param("2014年に手術を受けました", id="ja-year-alone"),
    pytest.param("70歳の母が受けられますか", id="ja-age"),
    pytest.param("app v1.2 crashed", id="en-version"),
    pytest.param("10万円くらいですか", id="ja-price"),
    pytest.param("3回目の注射", id="ja-count"),
    pytest.param("1日3回飲んでいます", id="ja-dosage"),
    pytest.param("体温は37.5度", id="ja-decimal-temperature"),
    pytest.param("血圧は120/80です", id="ja-blood-pressure"),
    pytest.param("2-3日前から", id="ja-day-range"),
    pytest.param("１２月１日に予約したい", id="ja-month-day-without-year"),
    pytest.param("2026年12月に行きたい", id="ja-year-month-without-day"),
    pytest.param("1985年生まれです", id="ja-birth-year-alone"),
    pytest.param("0.5mlを注射", id="ja-volume"),
    pytest.param("受付は9:00-13:00ですか", id="ja-opening-hours"),
    pytest.param("新宿区内の病院で1-2回", id="ja-ward-then-count"),
    pytest.param("新宿区の病院に行きました", id="ja-ward-without-number"),
    pytest.param("PM2.5がひどい", id="ja-pm25"),
    pytest.param("平成生まれです", id="ja-era-alone"),
    pytest.param("I'm 70 years old", id="en-age"),
    pytest.param("In 2014 I had surgery", id="en-year-alone"),
    pytest.param("Can I come on May 3?", id="en-month-day-without-year"),
    pytest.param("about 2-3 Weeks", id="en-week-range"),
    pytest.param("1-2 times a day", id="en-dosage"),
    pytest.param("It costs 2,000 yen", id="en-price"),
    pytest.param("Covid-19 Vaccine", id="en-disease-name"),
    pytest.param("13/13/2025 is not a date", id="en-impossible-date"),
    pytest.param("ID 12345", id="en-short-number"),
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    """Contact details, full dates and addresses become labelled placeholders in place."""
    assert mask(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_medical_content_is_kept(text: str) -> None:
    """Temperatures, durations, counts, ages, prices, years and partial dates stay as typed."""
    assert mask(text) == text


def test_unmasked_text_keeps_its_characters() -> None:
    """Only the personal data changes; full-width and half-width text around it is untouched."""
    text = "３０分待ちました。ｱﾀﾏが痛いです（４０度）。連絡先：０３－１２３４－５６７８、母７０歳"

    assert mask(text) == f"３０分待ちました。ｱﾀﾏが痛いです（４０度）。連絡先：{PHONE}、母７０歳"


def test_every_item_in_one_message_is_masked() -> None:
    """A message with several kinds of personal data has each one replaced by its own label."""
    text = (
        "母(1950年1月2日生)の件です。電話090-1234-5678、mail haha@example.jp、"
        "住所は大阪府大阪市北区梅田3丁目1-1。3日前から40度の熱があります。"
    )

    assert mask(text) == (
        f"母({DATE}生)の件です。電話{PHONE}、mail {EMAIL}、"
        f"住所は{ADDRESS}。3日前から40度の熱があります。"
    )


def test_masking_twice_changes_nothing_more() -> None:
    """Placeholders contain nothing that looks like personal data, so masking is idempotent."""
    once = mask("My DOB is April 3, 1985; phone +81 90-1234-5678; 〒160-0023 東京都新宿区1-2-3")

    assert mask(once) == once
