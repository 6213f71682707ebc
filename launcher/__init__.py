"""RVC TensorBoard Launcher: a preset, supervised TensorBoard for RVC voice-model training."""

__version__ = "0.1.0"
APP_NAME = "RVC TensorBoard Launcher"
