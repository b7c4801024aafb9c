"""Crisis lines in Japan given with the self-harm reply. Each number was checked (2026-11-30)
against pages published by or for its operator; re-check them when editing.

- よりそいホットライン (一般社団法人 社会的包摂サポートセンター, a Ministry of Health,
  Labour and Welfare subsidised service): 0120-279-338, free, 24 hours, all year; press 2 for
  the foreign-language line. Listed by the operator's own site (www.since2011.net/yorisoi/)
  and the ministry's "まもろうよ こころ" page (www.mhlw.go.jp/mamorouyokokoro/).
- こころの健康相談統一ダイヤル (厚生労働省): 0570-064-556, connects to the caller's prefecture's
  public mental-health line (hours vary by prefecture); www.mhlw.go.jp/stf/seisakunitsuite/
  bunya/0000117743.html.
- TELL Lifeline (認定NPO法人 東京英語いのちの電話, telljp.com): 03-5774-0992, free
  counselling in English, 9:00-23:00 daily.
"""

YORISOI = "0120-279-338"
KOKORO = "0570-064-556"
TELL = "03-5774-0992"
