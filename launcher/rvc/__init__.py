"""The RVC folder: which distribution it is (folder), whether a folder is one at all or a
temporary folder (placement), every path the launcher reads or writes there (paths), the path
check before anything is written (pathcheck), and the saved checkpoints and weight files per
epoch (checkpoints).

May import: launcher.i18n, launcher.util, launcher.winplatform.
"""
