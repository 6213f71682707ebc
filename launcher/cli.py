"""Command line: `python -m launcher [run|setup|report] [options]`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="launcher")
    parser.add_argument("command", nargs="?", default="run", choices=("run", "setup", "report"))
    parser.add_argument("--rvc-dir")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--demo-dir")
    parser.add_argument("--no-tray", action="store_true")
    parser.add_argument("--python")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    build_parser().parse_args(argv)
    return 0
