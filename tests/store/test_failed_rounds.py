"""A background round that fails (claiming, a deadline check, pruning) is tried again; an outage
is logged as an operating condition, anything else as a bug with its traceback."""

import logging

import pytest

from bot.store import StoreUnavailableError, log_failed_round

logger = logging.getLogger("tests.failed_rounds")


def test_an_outage_is_one_warning_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=logger.name):
        log_failed_round(logger, "pruning", StoreUnavailableError("ConnectionResetError"))
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == "pruning skipped: database unavailable (ConnectionResetError)"


def test_any_other_failure_is_an_error_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise KeyError("payload")
    except KeyError as exc:
        with caplog.at_level(logging.INFO, logger=logger.name):
            log_failed_round(logger, "deadline check", exc)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.getMessage() == "deadline check failed; will try again"
