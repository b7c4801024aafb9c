"""The files clinic admins edit, read and checked: `model` (the FAQ as frozen values, loading
and `faq check`), `rules` (what a topic file must hold), `lint` (wording an answer must not
use, hedges the English must keep, placeholders) and `source` (where a key or a word sits in a
TOML file, so every problem is `file:line: message`; the clinic, hours and rich-menu files use
it too)."""
