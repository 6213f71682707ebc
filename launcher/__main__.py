import logging
import sys

from launcher import winplatform
from launcher.cli import main
from launcher.rvc.paths import is_frozen

code = main()
if is_frozen() and winplatform.IS_WINDOWS:
    # Everything is stopped, closed and logged by now. Under Wine the windowed exe then hung
    # for good in the interpreter's own exit after its tray had run, so it ends here instead.
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    winplatform.end_this_process(code)
sys.exit(code)
