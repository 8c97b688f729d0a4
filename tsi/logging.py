"""Log set-up: the ``tsi`` logger writes to stderr, every message passed through :func:`mask_secrets`."""

from __future__ import annotations

import logging
import sys

from tsi.secrets import mask_secrets

__all__ = ["setup_logging", "SecretMaskingFilter", "MaskingFormatter", "LOGGER_NAME"]

LOGGER_NAME = "tsi"
DEFAULT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


class SecretMaskingFilter(logging.Filter):
    """Replaces the record's message (with its arguments merged in) by its masked form; never drops records."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record, let the handler report it
            return True
        masked = mask_secrets(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        return True


class MaskingFormatter(logging.Formatter):
    """Also masks tracebacks and stack information, which are formatted after the filter has run."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


def _level(level: int | str) -> int:
    if isinstance(level, int):
        return level
    name = str(level).strip().upper()
    value = logging.getLevelName(name)
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {level!r}")
    return value


def setup_logging(level: int | str = "INFO") -> logging.Logger:
    """Configure the ``tsi`` logger: ``level``, one stderr handler with secret masking. Idempotent.

    Records still propagate to the root logger (test log capture, a host's own handlers); they are masked
    before that, because the filter rewrites the record itself.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(_level(level))
    for handler in list(logger.handlers):
        if getattr(handler, "_tsi_handler", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._tsi_handler = True  # type: ignore[attr-defined]
    handler.addFilter(SecretMaskingFilter())
    handler.setFormatter(MaskingFormatter(DEFAULT_FORMAT))
    logger.addHandler(handler)
    # Records logged on "tsi" itself are filtered here too, even when a handler up the tree sees them first.
    if not any(isinstance(f, SecretMaskingFilter) for f in logger.filters):
        logger.addFilter(SecretMaskingFilter())
    return logger
