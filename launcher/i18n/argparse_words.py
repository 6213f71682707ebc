"""argparse's own words ("usage: ", "options", its error lines) from the launcher's catalog.

argparse looks its words up through the module globals `_` and `ngettext` it imported from
gettext, which read the process-wide default domain (not installed here, and chosen by
environment variables, not by `--lang`). Its words sit in private methods, so a subclass would
have to override those. `in_our_language()` instead points those two globals at the active
catalog while the CLI's parser is built and used, and puts them back afterwards; anything not
in the catalog comes out as argparse wrote it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from launcher.i18n.catalog import N_, _, ngettext

# Python 3.11's msgids (argparse.py) that the launcher's command line can show; keep the
# printf-style fields. The version option's help is passed by the CLI (3.11 has no msgid).
MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("invalid %(type)s value: %(value)r"),
)


@contextmanager
def in_our_language() -> Iterator[None]:
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
