"""Command line: `python -m launcher [run|setup|report] [options]`.

Exit codes: 0 done, 1 setup or runtime failure, 2 bad path or bad usage.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from launcher import APP_NAME, __version__, i18n, winplatform
from launcher.core.settings import Settings
from launcher.i18n import _
from launcher.i18n.argparse_words import in_our_language
from launcher.rvc.folder import RvcFolder
from launcher.rvc.paths import default_rvc_root, is_frozen
from launcher.rvc.placement import (
    custom_install_warning,
    examine,
    not_rvc_sentence,
    zip_refusal,
)
from launcher.ui.messages import show_error

if TYPE_CHECKING:
    from launcher.core.earlystart import EarlyStart

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rvc-tensorboard-launcher",
        description=_("{app}: a preset, supervised TensorBoard for RVC training.").format(
            app=APP_NAME),
    )
    # TRANSLATORS: run, setup and report are the command's words: keep them in English.
    parser.add_argument("command", nargs="?", default="run", choices=("run", "setup", "report"),
                        help=_("run (default): serve TensorBoard and watch training; setup: "
                               "prepare the TensorBoard environment and exit; report: "
                               "overtraining advice"))
    parser.add_argument("--rvc-dir", type=Path, help=_(
        "the RVC folder (default: the exe's folder, or the current directory)"))
    parser.add_argument("--demo", action="store_true", help=_(
        "create and use a demo RVC folder with generated training logs"))
    parser.add_argument("--demo-dir", type=Path, help=_("where --demo puts its RVC folder"))
    parser.add_argument("--no-tray", action="store_true",
                        help=_("run headless, printing to the console"))
    parser.add_argument("--no-browser", action="store_true", help=_("never open a browser"))
    parser.add_argument("--python", type=Path,
                        help=_("base Python interpreter for the TensorBoard venv"))
    parser.add_argument("--model", help=_("report: only this model"))
    parser.add_argument("--json", action="store_true", help=_("report: print JSON"))
    parser.add_argument("--lang", help=_("the language to speak, such as es, ja or pt_BR "
                                         "(default: settings.json's \"language\", else the "
                                         "system's)"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help=_("show program's version number and exit"))
    return parser


def lang_option(argv: Sequence[str]) -> str | None:
    """`--lang X` or `--lang=X` in `argv`, read before parsing so that the help and argparse's
    errors already speak it."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
    return None


def resolve_rvc_root(args: argparse.Namespace) -> Path:
    if args.demo:
        from launcher.events.demo import create_demo_rvc, default_demo_dir

        return create_demo_rvc(args.demo_dir or default_demo_dir())
    if args.rvc_dir is not None:
        return args.rvc_dir.absolute()
    return default_rvc_root()


def use_language(args: argparse.Namespace, rvc: RvcFolder) -> None:
    """`--lang`, else settings.json's "language", else the system's; `report --json` is for
    scripts and stays English."""
    if args.command == "report" and args.json:
        i18n.install("en")
        return
    setting = Settings.load(rvc.paths.settings_file).language
    chosen = i18n.install(i18n.choose_language(args.lang, setting))
    log.debug("language %s", chosen)


def main(argv: Sequence[str] | None = None, early: EarlyStart | None = None) -> int:
    """`early`: what `python -m launcher` started before loading the rest (see
    launcher.core.earlystart); ended here unless a run takes it over."""
    try:
        return _main(argv, early)
    finally:
        if early is not None:
            early.abandon()


def _main(argv: Sequence[str] | None, early: EarlyStart | None) -> int:
    i18n.install(i18n.choose_language(lang_option(sys.argv[1:] if argv is None else argv)))
    with in_our_language():
        args = build_parser().parse_args(argv)
    i18n.install(i18n.choose_language(args.lang))
    windowed = not args.no_tray and args.command == "run"
    implicit = not args.demo and args.rvc_dir is None  # the exe's folder, or the cwd
    if is_frozen():
        winplatform.reset_dll_directory()
        if implicit and (refusal := zip_refusal(Path(sys.executable), os.environ,
                                                winplatform.IS_WINDOWS)):
            show_error(refusal, windowed)
            return EXIT_BAD_INPUT
    try:
        root = resolve_rvc_root(args)
    except OSError as exc:
        show_error(_("Could not create the demo RVC folder: {error}. Pass --demo-dir with a "
                   "writable folder such as C:\\RVCDemo.").format(error=exc), windowed)
        return EXIT_BAD_INPUT
    if not root.is_dir():
        show_error(_("The RVC folder {folder} does not exist. Put the launcher in your RVC "
                   "folder or pass --rvc-dir.").format(folder=root), windowed)
        return EXIT_BAD_INPUT
    placement = examine(root)
    if not placement.accepted(explicit=not implicit):
        relaunch_argv = list(sys.argv[1:] if argv is None else argv)
        return not_an_rvc_folder(root, implicit, windowed, relaunch_argv)
    rvc = RvcFolder.at(root)
    use_language(args, rvc)
    if args.command == "report":
        from launcher.commands import report

        return report(rvc, model=args.model, as_json=args.json)

    from launcher.rvc.pathcheck import check_location, has_errors

    findings = check_location(root)
    if has_errors(findings):
        ordered = sorted(findings, key=lambda f: f.severity != "error")
        show_error("\n".join(f.message for f in ordered), windowed)
        return EXIT_BAD_INPUT

    from launcher.core.logsetup import setup_logging

    setup_logging(rvc.paths.log_file, console=False)
    log.info("%s %s in %s (%s)", APP_NAME, __version__, root, rvc.distribution.label)
    warnings = [f.message for f in findings]
    if placement.custom_install:
        warnings.insert(0, custom_install_warning(placement, winplatform.IS_WINDOWS))
    for warning in warnings:
        log.warning(warning)
        if sys.stderr is not None:
            print(_("warning: {message}").format(message=warning), file=sys.stderr)

    from launcher.commands import run, setup

    if args.command == "setup":
        return setup(rvc, python=args.python)
    return run(rvc, python=args.python, tray=not args.no_tray, browser=not args.no_browser,
               windowed=windowed, demo_training=args.demo,
               early=early)


def not_an_rvc_folder(root: Path, implicit: bool, windowed: bool, argv: list[str]) -> int:
    """Nothing is created. Double-clicked on Windows: offer to move there; else say so, exit 2."""
    windows = winplatform.IS_WINDOWS
    if implicit and windowed and windows:
        from launcher.ui.relocate import PICK_FIX, PICKER_TITLE, choose_rvc_folder_and_move

        return choose_rvc_folder_and_move(
            not_rvc_sentence(root, _(PICK_FIX), windows), argv,
            ask=lambda text: winplatform.ask_yes_no(APP_NAME, text),
            pick=lambda: winplatform.pick_folder(_(PICKER_TITLE)),
            alert=lambda message: show_error(message, windowed))
    if not implicit:
        fix = _("pass --rvc-dir with your RVC folder (the one with logs, runtime or env)")
    elif is_frozen():
        fix = _("move the launcher into your RVC folder and start it there")
    else:
        fix = _("run it in your RVC folder or pass --rvc-dir with your RVC folder")
    show_error(not_rvc_sentence(root, fix, windows), windowed)
    return EXIT_BAD_INPUT
