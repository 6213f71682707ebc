"""Small building blocks that know nothing of RVC or TensorBoard: the coarse-mtime rule
(folderstamp), atomic JSON files (jsonfile), a size-bounded log file (boundedlog), the
user-facing error type (errors).

May import: the standard library, launcher.i18n (the user-facing errors speak the user's
language; it imports no launcher.util).
"""
