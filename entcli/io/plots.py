"""Figures with matplotlib (the ``plot`` extra), imported only when asked: a simulation's four panels, drift bars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError, MissingExtraError

FORMATS = (".png", ".svg", ".pdf")


def check_plot_target(path: str) -> None:
    """Fail early (before any computing) on a file type we cannot write or a missing matplotlib."""
    if not path.lower().endswith(FORMATS):
        raise InputError(f"--plot {path}: unknown image type", f"end the file name in {', '.join(FORMATS)}")
    import importlib.util

    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a broken or stubbed-out module entry
        found = False
    if not found:
        raise MissingExtraError("matplotlib", "plot", "--plot")


def plot_history(
    path: str,
    steps: NDArray[np.intp],
    p: NDArray[np.float64],
    entropy: NDArray[np.float64],
    z: NDArray[np.float64],
    names: Sequence[str],
    title: str,
    unit: str,
    max_entropy: float,
) -> None:
    """Write class probabilities, entropy, max probability and logits against the step (one run)."""
    plt = _pyplot(path)
    fig = history_figure(plt, steps, p, entropy, z, names, title, unit, max_entropy)
    _save(plt, fig, path)


#: Legends list at most this many classes (the lines of the others are drawn, unnamed).
LEGEND_CLASSES = 12


def class_colors(k: int) -> list[Any]:
    """A distinct colour per class: tab10 up to 10 classes, tab20 up to 20, else evenly along viridis. None of
    them is black, which marks the entropy and the max probability."""
    import matplotlib

    if k <= 10:
        return [matplotlib.colormaps["tab10"](j) for j in range(k)]
    if k <= 20:
        return [matplotlib.colormaps["tab20"](j) for j in range(k)]
    return [matplotlib.colormaps["viridis"](x) for x in np.linspace(0.0, 0.9, k)]


def history_figure(plt: Any, steps: NDArray[np.intp], p: NDArray[np.float64], entropy: NDArray[np.float64],
                   z: NDArray[np.float64], names: Sequence[str], title: str, unit: str, max_entropy: float) -> Any:
    """The four panels of a simulation, each with a legend; classes named by ``names`` (the input's outcome
    names, else p1..pK), one colour each in both class panels."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True, constrained_layout=True)
    (ax_p, ax_h), (ax_max, ax_z) = axes
    k = p.shape[1]
    colors = class_colors(k)
    for j, name in enumerate(names):
        label = name if j < LEGEND_CLASSES else "_nolegend_"
        ax_p.plot(steps, p[:, j], marker=".", label=label, color=colors[j])
        ax_z.plot(steps, z[:, j], marker=".", label=label, color=colors[j])
    more = f" (+{k - LEGEND_CLASSES} more)" if k > LEGEND_CLASSES else ""
    ax_p.set(title="class probabilities p" + more, ylabel="p", ylim=(-0.02, 1.02))
    ax_z.set(title="logits z" + more, ylabel="z", xlabel="step")
    ax_h.plot(steps, entropy, marker=".", color="black", label="H(p)")
    ax_h.axhline(max_entropy, ls="--", color="grey", lw=0.8, label=f"log K (K = {k})")
    ax_h.axhline(0.0, color="grey", lw=0.5)
    ax_h.set(title=f"entropy H(p) ({unit})", ylabel=unit)
    top = p.argmax(axis=1)
    ax_max.plot(steps, p.max(axis=1), color="black", lw=1, label="max p")
    for j in np.unique(top).tolist():  # each point in the colour of the class that holds the max
        ax_max.plot(steps[top == j], p.max(axis=1)[top == j], ls="none", marker="o", ms=4, color=colors[j],
                    label=f"argmax = {names[j]}")
    ax_max.set(title="max probability", ylabel="max p", xlabel="step", ylim=(0, 1.02))
    from matplotlib.ticker import MaxNLocator

    for ax in axes.ravel():
        ax.legend(loc="best", fontsize="small")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return fig


def _pyplot(path: str) -> Any:
    check_plot_target(path)
    import warnings

    # Axis arithmetic on extreme values (±1e308) warns inside matplotlib; a value it cannot lay out is an error.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="matplotlib")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("matplotlib", "plot", "--plot") from None
    return plt


def _save(plt: Any, fig: Any, path: str) -> None:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            fig.savefig(path, dpi=120)
    except OSError as e:
        raise InputError(f"--plot {path}: cannot write ({e.strerror})", "check the directory") from None
    except (ValueError, OverflowError) as e:  # axis limits matplotlib cannot lay out (e.g. values near ±1e308)
        raise InputError(f"--plot {path}: cannot draw these values ({e})",
                         "the values are too large to plot; the table and -o csv still give them") from None
    finally:
        plt.close(fig)


def plot_drift(path: str, panels: Sequence[tuple[str, Sequence[str], NDArray[np.float64], NDArray[np.float64]]],
               title: str) -> None:
    """Side-by-side bars of the baseline and current proportions, one panel per (column, labels, p, q)."""
    plt = _pyplot(path)
    n = len(panels)
    fig, axes = plt.subplots(n, 1, figsize=(9, 2.6 * n + 0.6), squeeze=False, constrained_layout=True)
    for ax, (column, labels, p, q) in zip(axes[:, 0], panels, strict=True):
        x = np.arange(len(labels))
        ax.bar(x - 0.2, p, width=0.4, label="baseline (-p)", color="tab:blue")
        ax.bar(x + 0.2, q, width=0.4, label="current (-q)", color="tab:orange")
        ax.set_xticks(x, labels, rotation=30 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center",
                      fontsize="small")
        ax.set(title=column, ylabel="proportion")
        ax.legend(loc="best", fontsize="small")
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(title)
    _save(plt, fig, path)


def plot_reliability(path: str, before: Any, after: Any, temperature: float) -> None:
    """The reliability diagram of Guo et al. (2017): accuracy per confidence bin against the diagonal, before
    (T = 1) and after temperature scaling, with the ECE in each title."""
    plt = _pyplot(path)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True, constrained_layout=True)
    for ax, r, name in zip(axes, (before, after), ("before (T = 1)", f"after (T = {temperature:.4g})"), strict=True):
        bins = len(r.bin_count)
        centers = (np.arange(bins) + 0.5) / bins
        seen = r.bin_count > 0
        ax.bar(centers[seen], r.bin_accuracy[seen], width=1 / bins, edgecolor="black", color="tab:blue",
               label="accuracy")
        ax.bar(centers[seen], (r.bin_confidence - r.bin_accuracy)[seen], bottom=r.bin_accuracy[seen],
               width=1 / bins, color="tab:red", alpha=0.3, edgecolor="tab:red", label="gap to confidence")
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
        ax.set(title=f"{name}: ECE = {r.ece:.4f}", xlabel="confidence", xlim=(0, 1), ylim=(0, 1))
        ax.legend(loc="upper left", fontsize="small")
    axes[0].set(ylabel="accuracy")
    fig.suptitle("Reliability diagram")
    _save(plt, fig, path)
