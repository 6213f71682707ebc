"""The core the shells drive, runnable and tested with no UI: the app (app) and its state
(state, summaries), settings (settings), one launcher per RVC folder (instance), training
detection (watcher), the log file (logsetup) and opening files and folders on the
desktop (desktop).

May import: launcher.tensorboard, launcher.advisor, launcher.events, launcher.rvc,
launcher.i18n, launcher.util, launcher.winplatform.
"""
