"""The shells over the core: the tray (tray, menu, icon), the headless console (headless),
and messages shown before any tray exists (messages).

May import: launcher.core, launcher.tensorboard, launcher.advisor, launcher.events,
launcher.rvc, launcher.i18n, launcher.util, launcher.winplatform.
"""
