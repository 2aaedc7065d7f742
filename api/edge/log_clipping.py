"""Log lines carry at most a few hundred characters of anything a client sent.

One anonymous request with a 1 MB workspace key once wrote 2 MB to the log. Every record of the
process, ours and uvicorn's, has each long argument, its message and each line of its
traceback clipped when it is created, before any handler formats it.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

MAX_CHARS = 300


def clip(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    return f"{text[:MAX_CHARS]}… ({len(text):,} characters)"


def install() -> None:
    """Clip every log record made from now on (installing twice changes nothing)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "clips_client_input", False):
        return

    def clipped_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = clip(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clip_value(value) for value in record.args)
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            lines = "".join(traceback.format_exception(*record.exc_info)).rstrip().splitlines()
            record.exc_text = "\n".join(clip(line) for line in lines)
        return record

    clipped_record.clips_client_input = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(clipped_record)


def _clip_value(value: Any) -> Any:
    """A long argument as clipped text; numbers and short values as they are (formatters of
    access logs expect their numbers)."""
    if value is None or isinstance(value, int | float):
        return value
    text = bytes(value).decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return clip(text) if len(text) > MAX_CHARS else value
