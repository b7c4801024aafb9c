"""Masking of personal data in the copies of patient messages that staff see in Slack.

Staff need the symptom, not the phone number, so `mask` swaps phone numbers, e-mail addresses,
full dates (a birthday cannot be told apart from any other date) and addresses for labelled
placeholders, and leaves every other character as the patient typed it. Matching runs on an NFKC
fold of the text, because phones and IMEs produce full-width digits (０９０－…) and era ligatures
(㍼); each folded character remembers where it came from, so unmasked text is never rewritten.

A date is masked only with its year, month and day: "12月1日に予約" is what staff need to read,
and a year alone ("2014年に"), ages, counts and amounts stay. Patterns are compiled with
re.ASCII, so \\d and \\b ignore kanji: "電話090…" still has a boundary before the 0.
Pure: regexes only, no state, no I/O.
"""

import re
import unicodedata
from collections.abc import Callable

PHONE = "[電話番号/phone]"
EMAIL = "[メール/email]"
DATE = "[日付/date]"
ADDRESS = "[住所/address]"

# Patterns see the folded text, where ０９０－１２３４ and ＠ are already ASCII.
_DASH = "[-‐‑‒–—―−ー]"  # NFKC keeps these; people type the long-vowel mark ー for a hyphen
_SEP = rf"(?:\s?{_DASH}\s?|\s|\.)"
_YEAR = r"(?:19|20)\d{2}"
_ORDINAL = r"(?:st|nd|rd|th)?"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ERA = r"(?:明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHR])"  # NFKC turns ㍼ into 昭和
_PREFECTURE = (
    r"(?:北海道|東京都|(?:京都|大阪)府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉"
    r"|神奈川|新潟|富山|石川|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根"
    r"|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県)"
)
# 西新宿1-2-3, 西新宿二丁目8番1号, 101号室: numbers, each followed by a block marker.
_NUMBER = r"(?:\d+|[一二三四五六七八九十]+)"
_MARKER = rf"(?:丁目|番地|番|号室|号|条|{_DASH})"  # 条: Sapporo's 北1条西2丁目
_BANCHI = (  # a marker between every two numbers keeps backtracking linear
    rf"{_NUMBER}\s?{_MARKER}(?:\s?[東西南北]?{_NUMBER}\s?{_MARKER})*(?:\s?{_NUMBER})?"
    r"(?:\s\d+\s?号室)?"
    r"(?![\d回錠割日時分秒歳%人個本枚度週月年ヶカ箇])"  # "町内で1-2回" is a count, not an address
)
_TOWN = r"[^\s\d、。,!?「」()]"  # anything a place name can hold, digits aside
_WARD = r"[\u4e00-\u9fff々ヶ]{1,6}[市区町村]"
_WARD_SUFFIX = r"-(?:ku|shi|cho|machi|mura|gun|ken|to|fu)\b"
_STREET = (
    r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court"
    r"|Pl|Place|Terrace|Hwy|Highway)\b"
)
# Where a 〒 address ends: the line, the sentence, or the label of the next contact detail.
_ADDRESS_END = r"[\n。!?]|\.(?:\s|$)|TEL|Tel|tel|電話|携帯|E-?mail|メール"

_EMAILS = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
)
_DATES = (  # 2026/12/01, 1985年4月3日, 昭和60年4月3日, S60.4.3, April 3, 1985, 3 April 1985
    rf"(?<![\d.]){_YEAR}([/.-])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])(?![\d.])",
    rf"(?<!\d){_YEAR}\s?年\s?\d{{1,2}}\s?月\s?\d{{1,2}}\s?日",
    rf"{_ERA}\s?(?:元|\d{{1,2}})\s?年\s?\d{{1,2}}\s?月\s?\d{{1,2}}\s?日",
    rf"{_ERA}\s?(?:元|\d{{1,2}})([./-])\d{{1,2}}\1\d{{1,2}}(?![\d.])",
    rf"(?i:\b{_MONTH}\s?\d{{1,2}}{_ORDINAL},?\s{_YEAR}\b)",
    rf"(?i:\b\d{{1,2}}{_ORDINAL}\s(?:of\s)?{_MONTH},?\s{_YEAR}\b)",
)
_NUMERIC_DATES = (rf"(?<![\d./-])\d{{1,2}}([/.-])\d{{1,2}}\1{_YEAR}(?![\d./-])",)  # 04/03/1985
_ADDRESSES = (  # 〒 and what follows it; a prefecture or ward with block numbers; 123 Main St
    rf"〒\s?\d{{3}}{_DASH}?\d{{4}}(?:(?!{_ADDRESS_END}).)*",
    rf"{_PREFECTURE}{_TOWN}{{1,25}}?{_BANCHI}",
    rf"{_WARD}{_TOWN}{{0,15}}?{_BANCHI}",
    rf"(?<![\d-])\d{{1,5}}\s(?:[A-Z][a-z]+\s){{1,3}}{_STREET}"
    r"(?:,?\s(?:Apt|Suite|Ste|Unit)\.?\s?#?\w+)?(?:,\s[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?"
    r"(?:,?\s[A-Z]{2}\s\d{5}(?:-\d{4})?)?",
)
_ROMAJI_ADDRESSES = (  # 1-2-3 Nishishinjuku, Shinjuku-ku, Tokyo 160-0023
    rf"(?<![\d-])\d{{1,3}}(?:-\d{{1,4}}){{1,3}}"
    rf"(?:,?\s(?:[A-Z][a-z]+(?:{_WARD_SUFFIX})?|\d{{3}}-\d{{4}}))+",
)
_INTERNATIONAL_PHONES = (rf"(?<![\w+])\+\d{{1,3}}(?:{_SEP}?\(?\d{{1,4}}\)?){{2,5}}(?!\d)",)
_JAPANESE_PHONES = (  # 090-1234-5678, 03(1234)5678, (03)1234-5678, 0120-123-456
    rf"(?<![\d+])(?:\(0\d{{1,4}}\)\s?|0\d{{1,4}}(?:{_SEP}|(?=\()))"
    rf"(?:\(\d{{1,4}}\)\s?|\d{{1,4}}{_SEP})?\d{{3,8}}(?!\d)",
)
_PLAIN_PHONES = (
    r"(?<![\d+])0\d{9,10}(?!\d)",  # 09012345678
    r"(?<![\d+])(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}(?!\d)",  # (212) 555-0123
)
_POSTAL_CODES = (  # outside a 〒 address: after a label or a prefecture, or before a prefecture
    r"(?i:郵便番号|postal\s?code|zip(?:\s?code)?)\s?:?\s?(?P<pii>\d{3}-?\d{4})(?!\d)",
    rf"(?<![\d-])(?P<pii>\d{{3}}-\d{{4}})(?=\s?{_PREFECTURE})",
    r"(?:Tokyo|Osaka|Kyoto|Hokkaido|-ken|-fu),?\s(?P<pii>\d{3}-\d{4})(?!\d)",
)
_TRAILING = " \t,、"  # trimmed off a match, so the placeholder keeps the separator after it
Check = Callable[[str], bool]
Rule = tuple[str, re.Pattern[str], Check]


def _always(_: str) -> bool:
    return True


def _digits(low: int, high: int) -> Check:
    """A phone-shaped match counts only with as many digits as a real number has."""
    return lambda found: low <= sum(char.isdigit() for char in found) <= high


def _day_and_month(found: str) -> bool:
    """04/03/1985 is read in US or UK order, so one part must be a month and both days."""
    first, second = (int(part) for part in re.split(r"\D", found)[:2])
    return 1 <= min(first, second) <= 12 and max(first, second) <= 31


def _romaji_address(found: str) -> bool:
    """1-2-3 Nishishinjuku is an address and 1-2 Weeks is not: three parts or a ward suffix."""
    parts = found.split(maxsplit=1)[0].count("-") + 1
    return parts >= 3 or re.search(_WARD_SUFFIX, found) is not None


def _rules(label: str, patterns: tuple[str, ...], check: Check = _always) -> list[Rule]:
    return [(label, re.compile(pattern, re.ASCII), check) for pattern in patterns]


# Tried in this order; an earlier match wins an overlap, so wide matches (dates, addresses) go
# before the narrow ones that could take a piece of them (phone numbers, postal codes).
_RULES: tuple[Rule, ...] = (
    *_rules(EMAIL, _EMAILS),
    *_rules(DATE, _DATES),
    *_rules(DATE, _NUMERIC_DATES, _day_and_month),
    *_rules(ADDRESS, _ADDRESSES),
    *_rules(ADDRESS, _ROMAJI_ADDRESSES, _romaji_address),
    *_rules(PHONE, _INTERNATIONAL_PHONES, _digits(8, 15)),
    *_rules(PHONE, _JAPANESE_PHONES, _digits(10, 11)),
    *_rules(PHONE, _PLAIN_PHONES),
    *_rules(ADDRESS, _POSTAL_CODES),
)


def mask(text: str) -> str:
    """`text` with phones, e-mails, full dates and addresses replaced by labelled placeholders."""
    folded, origin = _fold(text)
    spans: list[tuple[int, int, str]] = []
    for label, pattern, check in _RULES:
        for match in pattern.finditer(folded):
            start, end = match.span("pii" if "pii" in pattern.groupindex else 0)
            while end > start and folded[end - 1] in _TRAILING:
                end -= 1
            free = all(end <= taken or start >= until for taken, until, _ in spans)
            if end > start and free and check(folded[start:end]):
                spans.append((start, end, label))
    parts, last = [], 0
    for start, end, label in _joined(sorted(spans), folded):
        parts += [text[last : origin[start]], label]
        last = origin[end - 1] + 1
    parts.append(text[last:])
    return "".join(parts)


def _fold(text: str) -> tuple[str, list[int]]:
    """The NFKC form of `text`, folded one character at a time, and each character's source."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        form = unicodedata.normalize("NFKC", char)
        folded.append(form)
        origin.extend([index] * len(form))
    return "".join(folded), origin


def _joined(spans: list[tuple[int, int, str]], folded: str) -> list[tuple[int, int, str]]:
    """Address pieces that touch become one: "160-0023 東京都新宿区…" is one address."""
    joined: list[tuple[int, int, str]] = []
    for start, end, label in spans:
        if joined and joined[-1][2] == label == ADDRESS:
            first, previous_end, _ = joined[-1]
            if not folded[previous_end:start].strip(_TRAILING):
                joined[-1] = (first, end, label)
                continue
        joined.append((start, end, label))
    return joined
