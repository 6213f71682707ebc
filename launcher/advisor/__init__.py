"""The overtraining advisor: TensorBoard smoothing (smoothing), verdicts and best-epoch
candidates per model (analysis), the report as table or JSON (report) and the plot (plot).

May import: launcher.events, launcher.rvc, launcher.i18n, launcher.util.
"""
