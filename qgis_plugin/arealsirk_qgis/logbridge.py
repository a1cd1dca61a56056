"""Route the library's ``logging.getLogger("arealsirk")`` into QGIS.

* :func:`install` adds a handler writing to the QGIS message log (tab "arealsirk")
  for as long as the plugin is loaded; :func:`uninstall` removes it.
* :func:`to_feedback` is a context manager used around one algorithm run: records
  logged by the running thread also go to the Processing dialog's log
  (``feedback.pushInfo`` / ``pushWarning`` / ``reportError``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from qgis.core import Qgis, QgsMessageLog

LOGGER_NAME = "arealsirk"
TAG = "arealsirk"


class MessageLogHandler(logging.Handler):
    """A logging handler that writes to ``QgsMessageLog`` (thread-safe in QGIS)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.levelno >= logging.ERROR:
                level = Qgis.Critical
            elif record.levelno >= logging.WARNING:
                level = Qgis.Warning
            else:
                level = Qgis.Info
            QgsMessageLog.logMessage(self.format(record), TAG, level)
        except Exception:
            self.handleError(record)


class FeedbackHandler(logging.Handler):
    """Forward records of one thread to a ``QgsProcessingFeedback``."""

    def __init__(self, feedback: Any) -> None:
        super().__init__(logging.INFO)
        self.feedback = feedback
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        try:
            text = self.format(record)
            if record.levelno >= logging.ERROR:
                self.feedback.reportError(text, False)
            elif record.levelno >= logging.WARNING:
                self.feedback.pushWarning(text)
            else:
                self.feedback.pushInfo(text)
        except Exception:
            self.handleError(record)


_handler: MessageLogHandler | None = None


def install() -> None:
    """Start routing the library logger to the QGIS message log (idempotent)."""
    global _handler
    logger = logging.getLogger(LOGGER_NAME)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    if _handler is None:
        _handler = MessageLogHandler(logging.INFO)
        _handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(_handler)


def uninstall() -> None:
    """Stop routing (plugin unload)."""
    global _handler
    if _handler is not None:
        logging.getLogger(LOGGER_NAME).removeHandler(_handler)
        _handler = None


@contextlib.contextmanager
def to_feedback(feedback: Any) -> Iterator[None]:
    """Also send this thread's library log records to ``feedback`` while the block runs."""
    logger = logging.getLogger(LOGGER_NAME)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    handler = FeedbackHandler(feedback)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
