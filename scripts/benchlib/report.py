"""The short Markdown table written next to results.json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def fmt(summary: Mapping[str, Any] | None) -> str:
    """`median (min-max) unit` for a summary; a dash when not measured."""
    if not summary or "median" not in summary:
        return "–"
    unit = summary["unit"]
    if unit == "MB/s":
        return f"{summary['median']:,.0f} ({summary['min']:,.0f}–{summary['max']:,.0f})"
    if unit == "events/s":
        return (f"{summary['median'] / 1000:,.0f}k/s ({summary['min'] / 1000:,.0f}k–"
                f"{summary['max'] / 1000:,.0f}k)")
    return f"{summary['median']:.3g} ({summary['min']:.3g}–{summary['max']:.3g})"


def cell(text: str, limit: int = 160) -> str:
    """Table-safe text: no pipes or newlines, cut to `limit` characters."""
    flat = " ".join(str(text).replace("|", "/").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def met(target: str, meets: bool) -> str:
    return f"target {target}: {'met' if meets else 'NOT met'}"


def verdict(section: Mapping[str, Any]) -> str:
    if "meets_target" not in section:
        return ""
    return met(section["target"], section["meets_target"])


def rows(results: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    sections = results["sections"]
    setup = sections.get("cold_setup", {})
    for key, label in (("cold_cache", "cold cache"), ("warm_cache", "warm cache")):
        row = setup.get(key, {})
        if "launcher" in row:
            out.append((f"Setup, {label} (s)", fmt(row["launcher"]),
                        f"batch file: {fmt(row['batch_file'])}",
                        f"×{row['ratio_launcher_to_batch']:g}"))
        elif row:
            out.append((f"Setup, {label}", "–", "–", row.get("reason", "")))
    start = sections.get("warm_start", {})
    if "launcher" in start:
        out.append(("Warm start to HTTP 200 (s)", fmt(start["launcher"]),
                    f"bare tensorboard: {fmt(start['bare_tensorboard'])}",
                    f"×{start['ratio_launcher_to_bare']:g}; {verdict(start)}"))
        if "launcher_until_tensorboard_spawned" in start:
            out.append(("… of which launcher before spawning TensorBoard (s)",
                        fmt(start["launcher_until_tensorboard_spawned"]), "–",
                        "process start times, 10 ms ticks"))
        profile = start.get("profile", {})
        if "launcher_before_spawn_s" in profile:
            slowest = ", ".join(f"{name} {ms:g}" for name, ms in
                                list(profile["slowest_imports_before_spawn_ms"].items())[:4])
            out.append(("… profile of one traced start (s)",
                        f"before spawn {profile['launcher_before_spawn_s']:g}; TensorBoard "
                        f"{profile['tensorboard_spawn_to_ready_line_s']:g}; ready line to URL "
                        f"{profile['ready_line_to_dashboard_line_s']:g}",
                        "–", f"slowest imports before the spawn (ms): {slowest}"))
    detect = sections.get("training_detection", {})
    if "launcher" in detect:
        out.append(("Training detected to dashboard request (s)", fmt(detect["launcher"]), "–",
                    verdict(detect)))
    idle = sections.get("idle_cost", {})
    if "launcher_cpu_percent" in idle:
        out.append((f"Idle CPU over {idle['window_s']:g} s, {idle['models']} models "
                    "(% of one core)",
                    f"{idle['launcher_cpu_percent_window']:.3g} (slices: "
                    f"{fmt(idle['launcher_cpu_percent'])})",
                    f"TensorBoard: {idle['tensorboard_cpu_percent_window']:.3g}",
                    met(idle["cpu_target"], idle["meets_cpu_target"])))
        parts = idle.get("breakdown")
        if parts:
            out.append(("… advisor / watcher on folder events (% of one core)",
                        f"{parts['advisor_cpu_percent']:g} / {parts['watcher_cpu_percent']:g}",
                        f"watcher polling (fallback): {parts['watcher_polling_cpu_percent']:g}",
                        f"in-process over {parts['watcher_window_s']:g} s (path taken: "
                        f"{parts['watcher_mode']}); the advisor refreshes only after event "
                        f"files change ({fmt(parts['advisor_refresh_cpu'])} s CPU each)"))
        out.append(("Idle RSS (MB)", fmt(idle["launcher_rss_mb"]),
                    f"TensorBoard: {fmt(idle['tensorboard_rss_mb'])}",
                    met(idle["rss_target"], idle["meets_rss_target"])))
    recovery = sections.get("crash_recovery", {})
    if "launcher" in recovery:
        out.append(("TensorBoard killed to serving again (s)", fmt(recovery["launcher"]), "–",
                    "includes the 1 s first-crash backoff"))
    advisor = sections.get("advisor", {})
    if "read_events_per_s" in advisor:
        out.append((f"Advisor, {advisor['events']:,} events: read",
                    fmt(advisor["read_events_per_s"]), "–", ""))
        out.append(("Advisor: read and analyse", fmt(advisor["read_and_analyse_events_per_s"]),
                    "–", ""))
    accuracy = sections.get("advisor_accuracy", {})
    if "held_out" in accuracy:
        targets = accuracy["targets"]
        for key, label in (("within_6k_noise_up_to_1", "Advisor: turned runs called within 6k "
                            "steps, noise sd <= 1"),
                           ("false_alarms_still_improving", "Advisor: false alarms, runs still "
                            "improving"),
                           ("candidates_on_true_dips", "Advisor: top-five candidates on true "
                            "mel dips")):
            target = targets[key]
            value = target["value"]
            meets = value is not None and (value >= float(target["target"][3:])
                                           if target["target"].startswith(">=")
                                           else value <= float(target["target"][3:]))
            out.append((label, _share_text(value), "–", met(target["target"], meets)))
    images = sections.get("event_files", {})
    if "read_mb_per_s" in images:
        loader = images.get("tensorboard_python_loader_mb_per_s")
        out.append((f"Image-heavy logs ({images['size_mb']:g} MB): read (MB/s)",
                    fmt(images["read_mb_per_s"]),
                    f"TensorBoard's Python loader: {loader:g}" if loader else "–",
                    verdict(images)))
        out.append(("… read and analyse (MB/s) / restart with the read cache (s)",
                    f"{fmt(images['read_and_analyse_mb_per_s'])} / "
                    f"{fmt(images['restart_with_cache_s'])}", "–", ""))
    heavy = sections.get("tensorboard_heavy_logs", {})
    if "launcher" in heavy:
        def marks(run: Mapping[str, Any]) -> str:
            return (f"{run['first_scalars_s']:g} / {run['all_runs_some_scalars_s']:g} / "
                    f"{run['all_loaded_s']:g}; {run['peak_rss_mb']:g} MB")

        out.append((f"TensorBoard, Python loader, {heavy['size_mb']:g} MB of image-heavy logs: "
                    "first scalars / every run / all loaded (s); peak RSS",
                    marks(heavy["launcher"]),
                    f"bare tensorboard: {marks(heavy['bare_tensorboard'])}"
                    if "bare_tensorboard" in heavy else "–",
                    "--load_fast=false, the loader TensorBoard uses on Windows"))
    frozen = sections.get("frozen_binary", {})
    if frozen.get("status") == "measured":
        source = frozen.get("source", "")
        if "ready_s" in frozen and "python_ready_s" in frozen:
            out.append(("Frozen binary: start to dashboard ready (s)", fmt(frozen["ready_s"]),
                        f"python -m launcher: {fmt(frozen['python_ready_s'])}",
                        f"×{frozen['ratio_frozen_to_python']:g} (interleaved runs)"))
            if "unpack_s" in frozen:
                out.append(("… of which one-file unpacking (s)", fmt(frozen["unpack_s"]), "–",
                            f"{frozen['unpack_share']:.0%} of the start"))
        elif "ready_s" in frozen:
            out.append(("Frozen binary: start to dashboard ready (s)", fmt(frozen["ready_s"]),
                        f"python -m launcher: {fmt(start.get('launcher'))}", source))
        if "version_s" in frozen:
            out.append(("Frozen binary: `--version` (s)", fmt(frozen["version_s"]), "–", source))
        if "size_mb" in frozen:
            out.append(("Frozen binary: file size (MB)", f"{frozen['size_mb']:g}", "–", source))
    for name, section in sections.items():
        if section.get("status") in ("not measured", "failed"):
            out.append((name.replace("_", " "), section["status"], "–", section.get("reason", "")))
    return out


def _share_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _steps(value: float | None) -> str:
    return "–" if value is None else f"{value / 1000:.1f}k"


def accuracy_table(section: Mapping[str, Any]) -> list[str]:
    """The advisor's accuracy on the held-out corpus, per noise level, with the chart's."""
    held = section["held_out"]
    lines = ["", f"Advisor accuracy ({section['what']}):", "",
             "| Noise sd per point | Turned runs | Called within 6k steps | Delay median / p90 "
             "| Never called | Chart shows the rise: median delay (never) | Called before the "
             "chart |", "|---|---|---|---|---|---|---|"]
    for noise, row in held["by_noise"].items():
        lines.append(
            f"| {noise} | {row['turned_runs']} | {_share_text(row['within_6k_share'])} | "
            f"{_steps(row['delay_median'])} / {_steps(row['delay_p90'])} | {row['misses']} | "
            f"{_steps(row['chart_delay_median'])} ({row['chart_never_shows']}) | "
            f"{_share_text(row['called_before_chart_share'])} |")
    lines += ["", "| Logging style | Turned runs | Delay median | Never called | Judged on |",
              "|---|---|---|---|---|"]
    for style, row in held["by_style"].items():
        lines.append(f"| {style} | {row['turned_runs']} | {_steps(row['delay_median'])} | "
                     f"{row['misses']} | {', '.join(row['tags'])} |")
    lines += ["", "| Noise sd <= 1, rise over the run after the turn | Turned runs | Called within "
              "6k steps | Delay median | Never called |", "|---|---|---|---|---|"]
    for rise, row in held["by_rise_noise_up_to_1"].items():
        lines.append(f"| {rise} | {row['turned_runs']} | {_share_text(row['within_6k_share'])} "
                     f"| {_steps(row['delay_median'])} | {row['misses']} |")
    lines += ["",
              f"- False alarms (an `overtraining` call at any 2k-step cut): runs still improving "
              f"{_share_text(held['false_alarms_still_improving_share'])} of "
              f"{held['still_improving_runs']}, long plateaus "
              f"{_share_text(held['false_alarms_plateau_share'])} of {held['plateau_runs']}, "
              f"turned runs before their turn {_share_text(held['false_alarms_before_turn_share'])}"
              f" of {held['turned_runs']}. The chart rule sees a lasting rise on "
              f"{_share_text(held['chart_false_rise_share'])} of the runs that never turn.",
              f"- Lowest point: median {_steps(held['onset_error_median'])} steps from the true "
              "turn when called.",
              f"- Top-five candidates on a true mel dip: "
              f"{_share_text(held['candidates_on_true_dips_share'])} of "
              f"{held['candidates_listed']}."]
    calibration = section.get("calibration")
    if calibration:
        low = next(iter(calibration["by_noise"].values()))
        lines.append(
            f"- Calibration split ({calibration['runs']} runs, where the thresholds were chosen): "
            f"within 6k at noise <= 1 {_share_text(low['within_6k_share'])}, false alarms on "
            f"runs still improving {_share_text(calibration['false_alarms_still_improving_share'])}"
            f", candidates on true dips "
            f"{_share_text(calibration['candidates_on_true_dips_share'])}.")
    return lines


def load_note(results: Mapping[str, Any]) -> str:
    start = results["machine"].get("load_average_at_start")
    end = results.get("load_average_at_end")
    if not start or not end:
        return ""
    return f" Load average (1 min): {start[0]:g} at the start, {end[0]:g} at the end."


def render_markdown(results: Mapping[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"Benchmarks ({results['mode']} run, {results['date']}): {machine['platform']}, "
        f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM, "
        f"Python {machine['python']}. {results['note']}{load_note(results)}",
        "",
        "Each figure: median (min–max) of the runs; ratios are of medians from the same run.",
        "",
        "| Measure | Launcher | Compared with | Ratio / target |",
        "|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(cell(text) for text in row)} |" for row in rows(results)]
    measured = [(name, section["what"]) for name, section in results["sections"].items()
                if section.get("status") == "measured" and "what" in section]
    if measured:
        lines += ["", "How each was measured:", ""]
        lines += [f"- {name.replace('_', ' ')}: {what}." for name, what in measured]
    setup = results["sections"].get("cold_setup", {})
    if "tensorboard_wheels_mb" in setup:
        sources = setup["pip_sources"]
        local = [s for s in sources if s.startswith(("file:", "/"))]
        where = (f"pip on this machine also reads local mirrors ({', '.join(local)}), so the "
                 "cold rows include little or no download time; " if local else "")
        lines += ["", f"Setup: {where}on a home connection a cold cache also downloads "
                  f"{setup['tensorboard_wheels_mb']:g} MB of wheels, on both sides."]
    downgrade = setup.get("batch_downgrades", {})
    if "note" in downgrade:
        lines += ["", f"Batch file downgrades: {downgrade['note']}."]
    accuracy = results["sections"].get("advisor_accuracy", {})
    if "held_out" in accuracy:
        lines += accuracy_table(accuracy)
    return "\n".join(lines) + "\n"
