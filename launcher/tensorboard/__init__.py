"""The TensorBoard manager: the base interpreter (interpreter), the venv and its hashed lock
(venv, tensorboard-requirements.txt), the process and its spawn (process), its info files (info),
ports (ports), the supervisor state machine (supervisor), the preset dashboard URL (dashboard)
and a zipimport fix for venvs of embeddable Python 3.9 (zipcompat).

May import: launcher.rvc, launcher.util, launcher.winplatform.
"""
