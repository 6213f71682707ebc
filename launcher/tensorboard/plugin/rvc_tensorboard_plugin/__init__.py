"""RVC TensorBoard Launcher's plugin: the start page that applies the guide's settings, and the
RVC tab with the advisor's epochs to try. Installed into the launcher's TensorBoard venv."""

__version__ = "1.0.0"
