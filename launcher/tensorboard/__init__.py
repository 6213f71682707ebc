"""The TensorBoard manager: the base interpreter (interpreter), the venv and its hashed lock
(venv, tensorboard-requirements.txt), the process and its spawn (process), its info files (info),
ports (ports), the supervisor state machine (supervisor) and how one start ended (outcome),
exit codes in words (exitcodes), the preset dashboard URL and its start
page (dashboard), the launcher's own TensorBoard plugin: its source, kept as data and run
only inside the venv (plugin/), and the wheel built from it (pluginwheel), and a zipimport fix
for venvs of embeddable Python 3.9 (zipcompat).

May import: launcher.rvc, launcher.i18n, launcher.util, launcher.winplatform.
"""
