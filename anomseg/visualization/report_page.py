"""The HTML of an evaluation report: one self-contained page (inline style and script, no
network) drawn from the run's ``report.json``; images sit beside it and load lazily."""
import html
import math

# What each metric key means, as the page explains it (fractions shown in percent).
METRIC_DEFINITIONS = {
    'AP': 'Average precision of the anomaly class over all non-void pixels of all frames, exact '
          '(the step sum of the Fishyscapes / bdlb evaluator and sklearn).',
    'AUROC': 'Area under the ROC curve over all non-void pixels, exact (trapezoids).',
    'FPR95': 'False positive rate at the first threshold whose true positive rate reaches 95%, '
             'exact (the Fishyscapes / bdlb definition).',
    'FPR95_interp': 'False positive rate at a true positive rate of 95%, interpolated between '
                    'the two neighbouring thresholds (the evalAnomaly.py lineage).',
    'AP_smiyc': 'Average precision as the SegmentMeIfYouCan evaluator computes it: per-frame '
                'percentile bins (768) of the scores, merged over frames.',
    'AUROC_smiyc': 'AUROC from the SegmentMeIfYouCan percentile bins.',
    'FPR95_smiyc': 'FPR at 95% TPR from the SegmentMeIfYouCan percentile bins.',
    'best_F1_smiyc': 'Best pixel F1 over the thresholds of the SegmentMeIfYouCan curve.',
    'best_F1_threshold': 'The score at that best F1 (in the scorer\'s own units); the component '
                         'and instance metrics threshold there.',
    'sIoU_gt': 'SMIYC component metric: mean over ground-truth components of their sIoU with '
               'the predicted components (at the best-F1 threshold, SMIYC size filters).',
    'sIoU_pred': 'SMIYC component metric: mean over predicted components of their sIoU with '
                 'the ground truth.',
    'PPV': 'SMIYC component precision: mean over predicted components of the fraction of their '
           'pixels that are anomalies.',
    'mean_F1': 'SMIYC component F1 averaged over sIoU thresholds 0.25 to 0.75.',
    'F1_25': 'Component F1 at sIoU threshold 0.25.', 'F1_50': 'Component F1 at sIoU 0.5.',
    'F1_75': 'Component F1 at sIoU 0.75.',
    'AP_inst': 'OoDIS instance AP (COCO-style, IoU 0.5:0.95) of the components above the '
               'best-F1 threshold, each as confident as its mean score.',
    'AP50_inst': 'OoDIS instance AP at IoU 0.5.',
    'AP_inst_queries': 'OoDIS instance AP of a mask transformer\'s queries: each non-empty '
                       'query mask (sigmoid > 0.5) is an instance, as confident as the mean '
                       'anomaly score inside it.',
    'AP50_inst_queries': 'The same at IoU 0.5.',
    'mIoU': 'Closed-set mean IoU over the model\'s classes (mmseg\'s IoUMetric).',
    'mDice': 'Closed-set mean Dice over the model\'s classes.',
}
LOWER_IS_BETTER = ('FPR95', 'FPR95_interp', 'FPR95_smiyc')
NOT_RANKED = ('best_F1_threshold',)

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1500px;padding:0 16px;
color:#222}h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
td.best{font-weight:bold;background:#e4f5e4}table.sortable th{cursor:pointer}
table.sortable th[data-order=asc]::after{content:" \\25B2"}
table.sortable th[data-order=desc]::after{content:" \\25BC"}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:bold}
dd{margin:0}figure{margin:10px 0}img{box-sizing:border-box}
figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:13px;color:#444}.plots img{max-width:48%;margin-right:1%}
.identity td{text-align:left}:target{outline:3px solid #e6a100}
"""

SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var asc = th.dataset.order !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { delete h.dataset.order; });
    th.dataset.order = asc ? 'asc' : 'desc';
    var key = function (row) {
      var cell = row.cells[col], v = cell.dataset.value;
      if (v === undefined) { return cell.textContent.trim(); }
      return v === '' ? null : parseFloat(v);
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null || y === null) { return (x === null) - (y === null); }
      var d = (typeof x === 'number') ? x - y : String(x).localeCompare(String(y));
      return asc ? d : -d;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _percent(value):
    return '–' if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f'{100 * value:.2f}'


def _number_cell(value, shown, best=False):
    bad = value is None or (isinstance(value, float) and math.isnan(value))
    data = '' if bad else repr(float(value))
    return f'<td data-value="{data}"{" class=best" if best else ""}>{_e(shown)}</td>'


def best_scorers(metrics, key):
    """The scorers with the best value of ``key`` (ties all marked), or [] if not ranked."""
    if key in NOT_RANKED:
        return []
    values = {s: v[key] for s, v in metrics.items()
              if isinstance(v.get(key), (int, float)) and not math.isnan(v[key])}
    if len(values) < 2:
        return []
    best = (min if key in LOWER_IS_BETTER else max)(values.values())
    return [s for s, v in values.items() if v == best]


def metrics_table(metrics, table_id='metrics-table'):
    """Scorers as rows, metrics as columns (percent, thresholds as scores), the best of each
    column marked."""
    keys = [k for k in next(iter(metrics.values()), {})]
    rows = [f'<table id="{table_id}" class="sortable"><thead><tr><th>scorer</th>' + ''.join(
        f'<th title="{_e(METRIC_DEFINITIONS.get(k, k))}">{_e(k)}</th>' for k in keys) +
        '</tr></thead><tbody>']
    best = {k: best_scorers(metrics, k) for k in keys}
    for scorer, values in metrics.items():
        cells = ''.join(_number_cell(values.get(k), f'{values[k]:.4g}' if k in NOT_RANKED
                                     else _percent(values.get(k)), scorer in best[k])
                        for k in keys)
        rows.append(f'<tr data-scorer="{_e(scorer)}"><td>{_e(scorer)}</td>{cells}</tr>')
    return '\n'.join(rows) + '</tbody></table>'


def definitions(keys):
    items = ''.join(f'<dt>{_e(k)}</dt><dd>{_e(METRIC_DEFINITIONS[k])}</dd>' for k in keys
                    if k in METRIC_DEFINITIONS)
    return f'<dl>{items}</dl>'


def _figure(frame, anchor, gallery):
    scorer = gallery['scorer']
    stats = frame['scorers'].get(scorer, {})
    caption = (f'{_e(frame["stem"])}: {scorer} AP {_percent(stats.get("AP"))}%, FPR95 '
               f'{_percent(stats.get("FPR95"))}%, {frame["anomaly_pixels"]:,} anomaly and '
               f'{frame["inlier_pixels"]:,} inlier pixels')
    return (f'<figure id="{_e(anchor)}"><img loading="lazy" src="{_e(frame["panel"])}" '
            f'alt="{_e(frame["stem"])}"><figcaption>{caption}</figcaption></figure>')


def render_report(report):
    """The page for a ``report.json`` dict (see ``anomseg.evaluation.report``)."""
    ident, metrics, gallery = report['identity'], report['metrics'], report['gallery']
    frames = report['frames']
    by_stem = {f['stem']: f for f in frames}
    title = f'anomseg report: {ident.get("dataset", "")}'
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}'
             f'</title><style>{STYLE}</style></head><body><h1>{_e(title)}</h1>']
    parts.append('<h2 id="run">Run</h2><table class="identity">' + ''.join(
        f'<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in ident.items()) + '</table>')
    keys = list(next(iter(metrics.values()), {}))
    parts.append('<h2 id="metrics">Metrics</h2><p>Percent, except thresholds (scores). The '
                 'best value of each column is marked; hover a column for its definition.</p>'
                 '<div style="overflow-x:auto">' + metrics_table(metrics) + '</div>' +
                 definitions(keys))
    figs = report['figures']
    parts.append('<h2 id="curves">Curves and score histograms</h2><div class="plots">' +
                 ''.join(f'<img loading="lazy" src="{_e(figs[k])}" alt="{k}">'
                         for k in ('pr', 'roc') if k in figs) + '</div>' +
                 (f'<img loading="lazy" src="{_e(figs["hist"])}" alt="histograms">'
                  if 'hist' in figs else ''))
    scorer = gallery['scorer']
    parts.append(f'<h2 id="gallery">Gallery: worst and best frames by {_e(scorer)} AP</h2><p>'
                 f'Heatmaps on a fixed colour range [{gallery["score_range"][0]:.4g}, '
                 f'{gallery["score_range"][1]:.4g}] ({_e(gallery["score_range_source"])}); '
                 f'components at {scorer} &ge; {gallery["threshold"]:.4g} '
                 f'({_e(gallery["threshold_source"])}): predicted pixels green where they are '
                 'anomalies and red where not, anomaly pixels left out blue; the title counts '
                 'components (true positive: touching the ground truth).</p>')
    for name in ('worst', 'best'):
        parts.append(f'<h3>{name.capitalize()}</h3>')
        parts += [_figure(by_stem[s], f'{name}-{s}', gallery) for s in gallery[name]
                  if by_stem[s].get('panel')]
    scorers = list(metrics)
    head = ('<th>frame</th><th>anomaly px</th><th>inlier px</th>' +
            ''.join(f'<th>{_e(s)} AP</th><th>{_e(s)} FPR95</th>' for s in scorers))
    rows = []
    for f in frames:
        name = (f'<a href="#frame-{_e(f["stem"])}">{_e(f["stem"])}</a>' if f.get('panel')
                else _e(f['stem']))
        cells = ''.join(_number_cell(f['scorers'].get(s, {}).get(m), _percent(
            f['scorers'].get(s, {}).get(m))) for s in scorers for m in ('AP', 'FPR95'))
        rows.append(f'<tr><td>{name}</td>{_number_cell(f["anomaly_pixels"], f["anomaly_pixels"])}'
                    f'{_number_cell(f["inlier_pixels"], f["inlier_pixels"])}{cells}</tr>')
    parts.append(f'<h2 id="frames">Frames ({len(frames)})</h2><p>Click a column to sort; a '
                 'frame name opens its panel.</p><table id="frames-table" class="sortable">'
                 f'<thead><tr>{head}</tr></thead><tbody>' + '\n'.join(rows) + '</tbody></table>')
    panelled = [f for f in frames if f.get('panel')]
    parts.append(f'<h2 id="panels">Every frame ({len(panelled)} panels)</h2>')
    parts += [_figure(f, f'frame-{f["stem"]}', gallery) for f in panelled]
    parts.append(f'<script>{SCRIPT}</script></body></html>')
    return '\n'.join(parts)
