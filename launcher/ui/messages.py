"""Messages shown before any tray exists: a message box on Windows, stderr elsewhere."""

from __future__ import annotations

import logging
import sys

from launcher import APP_NAME, winplatform

log = logging.getLogger(__name__)


def show_error(message: str, windowed: bool) -> None:
    """Errors before any tray exists: a message box on Windows, stderr elsewhere."""
    if logging.getLogger().handlers:
        log.error(message)
    if sys.stderr is not None:
        print(message, file=sys.stderr)
    if windowed and winplatform.IS_WINDOWS:
        winplatform.show_message_box(APP_NAME, message)
