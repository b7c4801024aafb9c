"""`python -m bot COMMAND`: the one entry point for the server and the admin tools.

The environment is read here, once, and passed down; commands that need no platform
(`ask`, `chat`, `faq check`, `eval`) need no secrets, and `forget` and `report` need only
DATABASE_URL.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.nlu.reading import SEED

if TYPE_CHECKING:
    from bot.core.knowledge import Knowledge
    from bot.settings import Paths


def _knowledge(paths: "Paths", cold_start: bool = False, lexical: bool = False) -> "Knowledge":
    from bot import clinic, i18n  # noqa: PLC0415
    from bot.core import knowledge  # noqa: PLC0415
    from bot.faq import model as faq  # noqa: PLC0415

    loaded = faq.load_or_raise(paths.faq_dir)
    return knowledge.build_knowledge(
        knowledge.cold_start(loaded) if cold_start else loaded,
        i18n.load(paths.locales_dir),
        reading_cache=paths.var_dir / "cache" / "readings.json",
        clinic=clinic.load_if_present(paths.config_dir / "clinic.toml"),
        semantic=not lexical,
    )


_LEXICAL = "match without the semantic stage (the lexical index alone), for comparison"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "--faq",
        type=Path,
        default=None,
        help="FAQ folder (default: FAQ_DIR, else ./faq, else the shipped FAQ)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="decide one message, or one per stdin line")
    ask.add_argument("--lang", choices=["ja", "en", "auto"], default="auto")
    ask.add_argument("--json", action="store_true", help="one JSON object per message")
    ask.add_argument("text", nargs="?", help="the message; without it, read stdin")
    ask.add_argument("--lexical", action="store_true", help=_LEXICAL)
    sub.add_parser("chat", help="talk to the bot in this terminal")
    faq = sub.add_parser("faq", help="FAQ tools")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    check = faq_sub.add_parser("check", help="validate the FAQ and config files")
    check.add_argument("dir", nargs="?", type=Path, default=None)
    readings = faq_sub.add_parser(
        "readings", help="record the kana readings of the FAQ's kanji (bot/nlu/readings.json)"
    )
    readings.add_argument("dir", nargs="?", type=Path, default=None)
    ev = sub.add_parser("eval", help="accuracy on a labelled TSV")
    ev.add_argument("file", type=Path)
    ev.add_argument(
        "--cold-start",
        action="store_true",
        help="match with only each topic's first example question per language, its label "
        "and its answer (a new clinic's FAQ)",
    )
    ev.add_argument("--lexical", action="store_true", help=_LEXICAL)
    sub.add_parser("serve", help="run the webhook server (config from the environment)")
    forget = sub.add_parser("forget", help="erase everything stored about one LINE user")
    forget.add_argument("user_id")
    richmenu = sub.add_parser("richmenu", help="LINE rich menu: check the file, apply it on LINE")
    richmenu_sub = richmenu.add_subparsers(dest="richmenu_command", required=True)
    for name, what in (("check", "validate the file and images"), ("apply", "put them on LINE")):
        command = richmenu_sub.add_parser(name, help=what)
        command.add_argument(
            "config", nargs="?", type=Path, default=None, help="default: CONFIG_DIR/richmenu.toml"
        )
        command.add_argument("images", nargs="*", metavar="[LANG=]IMAGE")
    report = sub.add_parser("report", help="the questions the bot could not answer, grouped")
    report.add_argument("--since", metavar="YYYY-MM-DD", help="from this day (default: 7 days)")
    report.add_argument("--format", choices=["md", "csv"], default="md", help="default: md")
    return parser


def _write_readings(directory: Path) -> int:
    """`faq readings`: the seed that lets a first start skip the kana dictionary."""
    from bot.core.knowledge import faq_texts  # noqa: PLC0415
    from bot.faq import model as faq  # noqa: PLC0415
    from bot.nlu.reading import write_seed  # noqa: PLC0415

    try:
        loaded = faq.load_or_raise(directory)
    except faq.FaqError as err:
        print(f"{err}\nThe FAQ has errors; run `python -m bot faq check`.", file=sys.stderr)
        return 1
    count = write_seed(faq_texts(loaded), SEED)
    print(f"{SEED}: {count} readings")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code (130 after Ctrl-C, without a traceback:
    stopping a command is not an error worth a page of stack)."""
    try:
        return _command(_parser().parse_args(argv))
    except KeyboardInterrupt:
        if sys.stdout.isatty():
            print()  # the shell's prompt then starts on a line of its own, not after "^C"
        return 130


def _command(args: argparse.Namespace) -> int:
    from bot.settings import Paths, SettingsError  # noqa: PLC0415

    env = dict(os.environ)
    if args.faq is not None:
        env["FAQ_DIR"] = str(args.faq)  # --faq names the FAQ folder as FAQ_DIR does
    try:
        paths = Paths.from_env(env)
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    return _run(args, paths)


def _run(args: argparse.Namespace, paths: "Paths") -> int:
    if args.command == "faq":
        from bot.faq import model as faq  # noqa: PLC0415

        directory = args.dir or paths.faq_dir
        if args.faq_command == "readings":
            return _write_readings(directory)
        return faq.check(
            directory,
            sys.stdout,
            clinic_file=paths.config_dir / "clinic.toml",
            hours_file=paths.config_dir / "hours.toml",
            richmenu_file=paths.config_dir / "richmenu.toml",
            seed=SEED,
        )
    if args.command == "report":
        from bot.cli.report import report_command  # noqa: PLC0415

        return report_command(
            os.environ,
            since=args.since,
            fmt=args.format,
            knowledge=lambda: _knowledge(paths),
            out=sys.stdout,
            err=sys.stderr,
        )
    if args.command in ("ask", "chat", "eval"):
        from bot.faq.model import FaqError  # noqa: PLC0415

        try:
            knowledge = _knowledge(
                paths, getattr(args, "cold_start", False), getattr(args, "lexical", False)
            )
        except FaqError as err:
            print(f"{err}\nThe FAQ has errors; run `python -m bot faq check`.", file=sys.stderr)
            return 1
        return _offline(args, knowledge)
    if args.command == "richmenu":
        from bot.cli.richmenu import run_richmenu_command as run  # noqa: PLC0415

        args.faq = paths.faq_dir
        args.config = args.config or paths.config_dir / "richmenu.toml"
    else:
        from bot.cli.server import run_server_command as run  # noqa: PLC0415
    return run(args)


def _offline(args: argparse.Namespace, knowledge: "Knowledge") -> int:
    from bot.cli import ask  # noqa: PLC0415
    from bot.evaluation import read_cases, report, run, summarize  # noqa: PLC0415

    if args.command == "ask":
        lang = None if args.lang == "auto" else args.lang
        lines = [args.text] if args.text is not None else sys.stdin
        ask.ask(lines, knowledge, sys.stdout, lang=lang, json_output=args.json)
        return 0
    if args.command == "chat":
        ask.chat(sys.stdin, knowledge, sys.stdout, prompt=sys.stdin.isatty())
        return 0
    try:
        outcomes = run(read_cases(args.file), knowledge)
    except (OSError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    if getattr(args, "cold_start", False):
        print("cold start: each topic's first example question per language, label and answer")
    print(report(outcomes))
    return 0 if summarize(outcomes).meets_targets() else 1


if __name__ == "__main__":
    sys.exit(main())
