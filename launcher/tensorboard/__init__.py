"""The TensorBoard manager: the base interpreter (interpreter), the venv and its hashed lock
(venv, tensorboard-requirements.txt), the process and its spawn (process), its info files (info),
ports (ports), the supervisor state machine (supervisor) and the preset dashboard URL (dashboard).

May import: launcher.rvc, launcher.i18n, launcher.util, launcher.winplatform.
"""
