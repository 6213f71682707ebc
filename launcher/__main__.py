import sys

# Before anything else: on a warm start TensorBoard boots while the rest of the launcher loads.
from launcher.core import earlystart

early = earlystart.begin(sys.argv[1:])

import logging  # noqa: E402

from launcher import winplatform  # noqa: E402
from launcher.cli import main  # noqa: E402
from launcher.rvc.paths import is_frozen  # noqa: E402

code = main(early=early)
if is_frozen() and winplatform.IS_WINDOWS:
    # Everything is stopped, closed and logged by now. Under Wine the windowed exe then hung
    # for good in the interpreter's own exit after its tray had run, so it ends here instead.
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    winplatform.end_this_process(code)
sys.exit(code)
