"""The core the shells drive, runnable and tested with no UI: the app (app) and its state
(state, summaries), settings (settings), one launcher per RVC folder (instance), training
detection (watcher), the log file (logsetup) and opening files and folders on the
desktop (desktop), and quitting when the one-file exe's bootloader is killed (bootloader).

May import: launcher.tensorboard, launcher.advisor, launcher.events, launcher.rvc,
launcher.util, launcher.winplatform.
"""
