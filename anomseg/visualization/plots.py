"""Report figures of an evaluation: precision-recall and ROC curves of several scorers or runs,
and histograms of the scores of inlier and anomaly pixels, drawn on ``matplotlib.figure.Figure``
(rendered by Agg when saved, without pyplot: the process's matplotlib backend stays as it is) and
written atomically."""
import io

import numpy as np
from matplotlib.figure import Figure

from anomseg.utils.io import write_bytes_atomic


def _save(fig, path):
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    write_bytes_atomic(path, buf.getvalue())


def plot_curves_overlay(named_curves, metrics, pr_path, roc_path, title=''):
    """One PR plot and one ROC plot with a curve per run or scorer. ``named_curves``: {name:
    the ``curve`` of ``anomseg.evaluation.report.curve_summary``}; ``metrics``: {name: {'AP':
    .., 'AUROC': .., 'FPR95': ..}} for the legends."""
    fig = Figure(figsize=(6.4, 4.8))
    pr = fig.subplots()
    for name, c in named_curves.items():
        pr.plot([0] + c['recall'], [1] + c['precision'], lw=1.5,
                label=f'{name} (AP {100 * metrics[name]["AP"]:.2f})')
    if named_curves:
        pr.axhline(next(iter(named_curves.values()))['positive_rate'], ls=':', c='grey',
                   label='chance')
    pr.set(xlabel='recall', ylabel='precision', xlim=(0, 1), ylim=(0, 1.02),
           title=f'{title}precision-recall (anomaly pixels)')
    pr.legend(loc='upper right', fontsize=8)
    _save(fig, pr_path)
    fig = Figure(figsize=(6.4, 4.8))
    roc = fig.subplots()
    for name, c in named_curves.items():
        roc.plot([0] + c['fpr'], [0] + c['recall'], lw=1.5,
                 label=f'{name} (AUROC {100 * metrics[name]["AUROC"]:.2f}, FPR95 '
                       f'{100 * metrics[name]["FPR95"]:.2f})')
    roc.plot([0, 1], [0, 1], ls=':', c='grey')
    roc.axhline(0.95, ls='--', c='tab:red', lw=0.8, label='TPR 95%')
    roc.set(xlabel='false positive rate', ylabel='true positive rate', xlim=(0, 1),
            ylim=(0, 1.02), title=f'{title}ROC')
    roc.legend(loc='lower right', fontsize=8)
    _save(fig, roc_path)


def plot_histogram_grid(named_histograms, path):
    """Inlier versus anomaly score histograms, one panel per scorer: ``named_histograms``
    {scorer: (edges, inlier counts, anomaly counts)}, each normalised to its own total."""
    n = max(len(named_histograms), 1)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, (name, (edges, inlier, anomaly)) in zip(axes.flat, named_histograms.items()):
        centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
        for counts, label, colour in ((inlier, 'inlier', 'tab:blue'),
                                      (anomaly, 'anomaly', 'tab:red')):
            if counts.sum():
                ax.bar(centres, counts / counts.sum(), width=width, alpha=0.55, color=colour,
                       label=f'{label} ({int(counts.sum()):,} px)')
        ax.set(xlabel=f'{name} score (high = anomaly)', ylabel='fraction of pixels', title=name)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(named_histograms):]:
        ax.axis('off')
    fig.tight_layout()
    _save(fig, path)
