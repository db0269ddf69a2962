"""Report figures of an evaluation: precision-recall and ROC curves, and histograms of the scores
of inlier and anomaly pixels, drawn with matplotlib's Agg backend and written atomically."""
import io

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from anomseg.utils.io import write_bytes_atomic  # noqa: E402

MAX_POINTS = 2000


def _thin(*arrays):
    """At most MAX_POINTS evenly spaced points of each curve (the drawing, not the metrics)."""
    n = len(arrays[0])
    if n <= MAX_POINTS:
        return arrays
    idx = np.unique(np.linspace(0, n - 1, MAX_POINTS).astype(int))
    return tuple(a[idx] for a in arrays)


def _save(fig, path):
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    plt.close(fig)
    write_bytes_atomic(path, buf.getvalue())


def plot_curves(curve, metrics, path, title):
    """PR (left) and ROC (right) of one scorer: ``curve`` from ``functional.curves``,
    ``metrics`` from ``curve_metrics`` for the legend."""
    fig, (pr, roc) = plt.subplots(1, 2, figsize=(10, 4.2))
    recall, precision, fpr = _thin(curve['recall'], curve['precision'], curve['fpr'])
    pr.plot(np.concatenate([[0], recall]), np.concatenate([[1], precision]), lw=1.5)
    pr.axhline(curve['n_pos'] / max(curve['n_pos'] + curve['n_neg'], 1), ls=':', c='grey',
               label='chance')
    pr.set(xlabel='recall', ylabel='precision', xlim=(0, 1), ylim=(0, 1.02),
           title=f'PR: AP {100 * metrics["AP"]:.2f}%')
    pr.legend(loc='upper right')
    roc.plot(np.concatenate([[0], fpr]), np.concatenate([[0], recall]), lw=1.5)
    roc.plot([0, 1], [0, 1], ls=':', c='grey')
    roc.axhline(0.95, ls='--', c='tab:red', lw=0.8, label='TPR 95%')
    roc.set(xlabel='false positive rate', ylabel='true positive rate', xlim=(0, 1),
            ylim=(0, 1.02), title=f'ROC: AUROC {100 * metrics["AUROC"]:.2f}%, '
                                 f'FPR95 {100 * metrics["FPR95"]:.2f}%')
    roc.legend(loc='lower right')
    fig.suptitle(title)
    _save(fig, path)


def plot_histograms(edges, inlier, anomaly, path, title):
    """Score histograms of inlier and anomaly pixels, each normalised to its own total."""
    fig, ax = plt.subplots(figsize=(6, 4))
    centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    for counts, label, colour in ((inlier, 'inlier', 'tab:blue'),
                                  (anomaly, 'anomaly', 'tab:red')):
        total = counts.sum()
        if total:
            ax.bar(centres, counts / total, width=width, alpha=0.55, color=colour,
                   label=f'{label} ({total:,} px)')
    ax.set(xlabel='anomaly score', ylabel='fraction of pixels', title=title)
    ax.legend()
    _save(fig, path)
