"""The shells over the core: the tray (tray, menu, icon), the headless console (headless),
messages shown before any tray exists (messages), and moving the exe into the RVC folder
the user picks when started elsewhere (relocate).

May import: launcher.core, launcher.tensorboard, launcher.advisor, launcher.events,
launcher.rvc, launcher.i18n, launcher.util, launcher.winplatform.
"""
