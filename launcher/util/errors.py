"""Errors whose message is shown to the user as it is."""

from __future__ import annotations


class SetupError(Exception):
    """str(exc) is the plain message shown to the user (what is wrong + what to do)."""
