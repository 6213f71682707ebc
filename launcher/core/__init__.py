"""The core the shells drive, runnable and tested with no UI: the app (app) and its state
(state, summaries), the RVC tab's advice file (advice), settings (settings), one launcher per
RVC folder (instance), training detection (watcher, on OS folder events from folderevents),
the log file (logsetup), opening files and folders on the desktop (desktop), and quitting
when the one-file exe's bootloader is killed (bootloader).

May import: launcher.tensorboard, launcher.advisor, launcher.events, launcher.rvc,
launcher.i18n, launcher.util, launcher.winplatform.
"""
