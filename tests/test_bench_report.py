"""bench/report.py: a webhook_load results.json rendered as tables between the doc's markers,
the text around them untouched; the JSON read back as bench/webhook_results.py dataclasses."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def report() -> ModuleType:
    """bench/report.py, imported as the bench scripts import each other (bench/ on the path)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(BENCH))
        return importlib.import_module("report")


def level(rate: int, *, answers: bool = True, verdict: str | None = None) -> dict[str, Any]:
    """One level as results.json holds it."""
    out: dict[str, Any] = {
        "target_rate": rate,
        "sent": rate * 10,
        "achieved_rate": float(rate),
        "ack_p50_ms": 0.8,
        "ack_p99_ms": 5.5,
        "ack_max_ms": 9.2,
        "ok": rate * 10,
        "errors": {},
        "generator_lag_p99_ms": 1.0,
        "ack_rate": float(rate),
    }
    if answers:
        out |= {
            "drained": True,
            "answered": rate * 10,
            "lost": 0,
            "answered_twice": 0,
            "by_push": 0,
            "rejected_replies": 0,
            "push_conflicts": 0,
            "bad_requests": 0,
            "loading_calls": 0,
            "stray": 0,
            "e2e_p50_ms": 2.5,
            "e2e_p99_ms": 8.9,
            "e2e_max_ms": 12.0,
            "answer_rate": rate - 0.5,
        }
    return out | {
        "cpu_ms_per_event": 2.67,
        "cores_used": {"server": 0.52, "sink": 0.07, "generator": 0.09},
        "verdict": verdict,
    }


def server(name: str, levels: list[dict[str, Any]], sustained: float) -> dict[str, Any]:
    """One server as results.json holds it."""
    answers = "answered" in levels[0]
    out: dict[str, Any] = {
        "name": name,
        "startup_s": [1.5, 1.34, 1.4] if name == "ours" else [1.19],
        "idle_rss_mb": 105.4,
        "stop_reason": "600/s failed (answers fall behind)",
        "steady": levels[0],
        "ramp": levels[1:],
        "highest_passing_rate": 400,
        "sustained_eps": sustained,
        "peak_observed_eps": sustained + 7,
    }
    if answers:
        out |= {"events_total": 6000, "lost_total": 0, "answered_twice_total": 0}
        out["by_push_total"] = 0
    out |= {"peak_rss_mb": 110.2, "exit_code": 0, "log_warnings": {}}
    if name == "ours":
        store = {"inbox": {"done": 6000}, "retried_events": 0, "outbox": {"sent/reply": 6000}}
        out["store"] = store
    out["attempts"] = [
        {"sustained_eps": sustained - 26.3, "highest_passing_rate": 400, "stop_reason": "x"},
        {"sustained_eps": sustained, "highest_passing_rate": 400, "stop_reason": "y"},
    ]
    out["attempt_index"] = 1
    return out


@pytest.fixture
def saved() -> dict[str, Any]:
    """A results.json of a run with all three servers."""
    failed = "answers fall behind: e2e p99 2491 ms > 2000"
    return {
        "meta": {
            "nproc": 2,
            "cpu": "AMD EPYC",
            "mem_gib": 23.5,
            "os": "Linux-6",
            "python": "3.11.7",
            "loadavg": "1.16 0.81 0.68",
            "date": "2026-11-28 00:46 UTC",
            "command": ".venv/bin/python bench/webhook_load.py",
            "mode": "full",
            "code": "8c61d2072e (subject)",
            "plan": {"steady_rate": 200, "ramp": [400, 600], "rounds": 2},
            "duration_s": 372.4,
        },
        "results": {
            "ours": server("ours", [level(200), level(400), level(600, verdict=failed)], 399.5),
            "baseline": server("baseline", [level(200), level(400)], 399.8),
            "floor": server("floor", [level(200, answers=False)], 200.0),
        },
    }


def test_results_json_reads_back_unchanged(report: ModuleType, saved: dict[str, Any]) -> None:
    results = report.Results.from_json(json.loads(json.dumps(saved)))
    assert results.servers["ours"].levels[2].answers.e2e_p99_ms == 8.9
    assert results.servers["floor"].steady.answers is None
    assert results.meta.plan.ramp == (400, 600)
    assert results.meta.plan.ack_p99_limit_ms == 500.0  # absent from older runs: the default
    again = results.to_json()
    assert again["results"] == saved["results"]
    assert again["meta"] == saved["meta"] | {"plan": again["meta"]["plan"]}


def test_tables_show_the_numbers(report: ModuleType, saved: dict[str, Any]) -> None:
    block = report.markdown(report.Results.from_json(saved))
    lines = block.splitlines()
    assert lines[0] == "<!-- webhook_load:begin -->"
    assert lines[-1] == "<!-- webhook_load:end -->"
    for row in (
        "| metric | ours | baseline | floor |",
        "| start-up, spawn → /healthz 200 (s) | 1.50/1.34/1.40 | 1.19 | 1.19 |",
        "| sustained throughput (ev/s) | 399.5 | 399.8 | 200.0 |",
        "| e2e p50/p99 at that level (ms) | 2.5/8.9 | 2.5/8.9 | –/– |",
        "| events / lost / answered twice | 6000 / 0 / 0 | 6000 / 0 / 0 | no answers (floor) |",
        "| sustained throughput (higher is better) | 1.00× | 2.00× |",
        "| ack p99 < 50 ms at 200 ev/s (SQLite) | 5.5 ms | met |",
        "| sustained throughput ≥ baseline, none lost, none twice"
        " | 399.5 vs 399.8 ev/s; lost 0, twice 0 | MISSED |",
        "| ours | 600 | 600.0 | 0.8 | 5.5 | 599.5 | 8.9 | 0.52/0.07/0.09"
        " | answers fall behind: e2e p99 2491 ms > 2000 |",
        "| floor | 200 | 200.0 | 0.8 | 5.5 | – | – | 0.52/0.07/0.09 | pass |",
        "| ours | 373.2, 399.5 | 2 |",
        "| command | `.venv/bin/python bench/webhook_load.py` (full run, 372 s) |",
        "| ramp (ev/s) | 400, 600; 10 s each, at most 100 s per server |",
    ):
        assert row in lines, row


def test_the_block_is_tables_only(report: ModuleType, saved: dict[str, Any]) -> None:
    lines = report.markdown(report.Results.from_json(saved)).splitlines()
    prose = [ln for ln in lines if ln and not ln.startswith(("|", "<!--"))]
    assert prose == []


def test_only_the_marked_block_is_replaced(report: ModuleType, saved: dict[str, Any]) -> None:
    doc = (
        "# Benchmarks\n\n## Webhook server (LINE)\n\nHow it works, by hand.\n\n"
        "<!-- webhook_load:begin -->\nold numbers\n<!-- webhook_load:end -->\n\n"
        "### Findings\n\nWritten by people.\n"
    )
    block = report.markdown(report.Results.from_json(saved))
    new = report.replace_block(doc, block)
    head, _, rest = doc.partition("<!-- webhook_load:begin -->")
    tail = rest.partition("<!-- webhook_load:end -->")[2]
    assert new == head + block + tail
    assert report.replace_block(new, block) == new


def test_the_section_is_created_when_missing(report: ModuleType) -> None:
    block = "<!-- webhook_load:begin -->\n|a|\n<!-- webhook_load:end -->"
    with_section = "# Benchmarks\n\n## Webhook server (LINE)\n\nNotes.\n"
    assert report.replace_block(with_section, block) == (
        "# Benchmarks\n\n## Webhook server (LINE)\n\n" + block + "\n\n\nNotes.\n"
    )
    assert report.replace_block("# Benchmarks\n", block) == (
        "# Benchmarks\n\n## Webhook server (LINE)\n\n" + block + "\n"
    )


def test_write_docs_renders_a_saved_run(
    report: ModuleType, saved: dict[str, Any], tmp_path: Path
) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nIntro.\n", encoding="utf-8")
    results = tmp_path / "results.json"
    results.write_text(json.dumps(saved), encoding="utf-8")
    report.write_docs(report.read_results(results), doc)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nIntro.\n\n## Webhook server (LINE)\n\n")
    assert "| peak rate seen on any level (ev/s) | 406.5 | 406.8 | 207.0 |" in text
