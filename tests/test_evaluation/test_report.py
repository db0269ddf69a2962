import json
import os.path as osp

import cv2
import numpy as np

from anomseg.evaluation.functional import ScoreCounts, curves
from anomseg.evaluation.metrics import AnomalyMetric
from anomseg.evaluation.report import ReportFrames, curve_summary
from anomseg.visualization.report_page import best_scorers, render_report


def test_count_quantiles_follow_the_pixels():
    scores = np.repeat([0.1, 0.2, 0.5, 0.9], [10, 30, 50, 10])
    counts = ScoreCounts().update(scores, np.zeros(100, np.uint8))
    assert curve_summary(counts, (0.01, 0.10, 0.11, 0.40, 0.41, 0.99))['quantiles'] == \
        [0.1, 0.1, 0.2, 0.2, 0.5, 0.9]


def test_histograms_are_numpys_of_the_labelled_pixels():
    rng = np.random.default_rng(7)
    scores = np.round(rng.random((20, 30)), 2)
    scores[1, 1] = scores.max()  # a tie at the top edge: the last bin is closed
    labels = (rng.random((20, 30)) < 0.2).astype(np.uint8)
    labels[0, :5] = 255
    y, s = labels[labels != 255], scores[labels != 255]
    for bins in (1, 7, 100):
        edges, inlier, anomaly = curve_summary(ScoreCounts().update(scores, labels),
                                               bins=bins)['histogram']
        assert np.array_equal(edges, np.linspace(s.min(), s.max(), bins + 1))
        assert np.array_equal(inlier, np.histogram(s[y == 0], edges)[0])
        assert np.array_equal(anomaly, np.histogram(s[y == 1], edges)[0])
    edges, inlier, anomaly = curve_summary(ScoreCounts().update(np.full(9, 0.5), np.zeros(
        9, np.uint8)), bins=4)['histogram']  # one score: a unit range from it
    assert edges[0] == 0.5 and edges[-1] == 1.5 and inlier.tolist() == [9, 0, 0, 0]


def brute_force_gallery(rows, size):
    """Worst and best stems by (AP, stem) over frames with anomaly pixels, all sorted at once."""
    ranked = sorted((ap, stem) for stem, n, ap in rows if n)
    worst = [stem for _, stem in ranked[:size]]
    return worst, [stem for _, stem in ranked[::-1][:size] if stem not in worst]


def test_gallery_ranks_frames_with_anomalies_by_ap():
    rows = [('a', 5, 0.9), ('b', 0, float('nan')), ('c', 3, 0.1), ('d', 7, 0.5)]
    for size, expected in ((2, (['c', 'd'], ['a'])), (1, (['c'], ['a']))):
        kept = ReportFrames('m', gallery_size=size, tile_width=8)
        for stem, n, ap in rows:
            kept.add(stem, None, np.zeros((4, 4), np.uint8), np.zeros((4, 4)),
                     dict(anomaly_pixels=n, AP=ap))
        assert kept.gallery() == expected


def test_streamed_gallery_is_the_one_of_all_frames_and_holds_few_frames():
    rng = np.random.default_rng(5)
    for trial in range(30):
        n, size = int(rng.integers(1, 40)), int(rng.integers(1, 5))
        rows = [(f's{i:02d}', int(rng.integers(0, 3)), float(np.round(rng.random(), 1)))
                for i in rng.permutation(n)]                   # tied APs: stems decide
        parts = [ReportFrames('m', max_panels=10, gallery_size=size, tile_width=8)
                 for _ in range(2)]                            # two processes, merged
        for i, (stem, pixels, ap) in enumerate(rows):
            labels = np.full((6, 10), pixels and 1, np.uint8)
            parts[i % 2].add(stem, None, labels, np.full((6, 10), ap),
                             dict(anomaly_pixels=pixels, AP=ap))
            assert len(parts[i % 2].full) <= 2 * size
            assert len(parts[i % 2].small) <= 10
        kept = parts[0].merge(parts[1])
        assert kept.gallery() == brute_force_gallery(rows, size), trial
        drawn = kept.panels()
        worst, best = kept.gallery()
        if n <= 10:
            assert set(drawn) == {stem for stem, _, _ in rows}
        else:
            assert set(drawn) == set(worst + best)
        for stem in worst + best:                              # the gallery at full size
            image, labels, scores, note = drawn[stem]
            assert labels.shape == (6, 10) and note == ''


def test_best_values_are_marked_per_column():
    metrics = {'a': dict(AP=0.5, FPR95=0.2, best_F1_threshold=0.3),
               'b': dict(AP=0.7, FPR95=0.2, best_F1_threshold=0.9),
               'c': dict(AP=float('nan'), FPR95=0.4, best_F1_threshold=0.1)}
    assert best_scorers(metrics, 'AP') == ['b']
    assert best_scorers(metrics, 'FPR95') == ['a', 'b']         # lower is better, ties both
    assert best_scorers(metrics, 'best_F1_threshold') == []


def frames_on_disk(root, n=5, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        image = rng.integers(0, 255, (48, 64, 3), np.uint8)
        path = str(root / f'f{i}<&>.png')          # names the page must escape
        cv2.imwrite(path, image)
        labels = np.zeros((48, 64), np.uint8)
        if i:
            labels[10:20, 10:10 + 4 * i] = 1
        labels[-3:] = 255
        msp = rng.random((48, 64)) * 0.5 + 0.5 * (labels == 1)
        out.append((path, labels, {'msp': msp.astype(np.float32),
                                   'energy': (-3 * msp + rng.random((48, 64))).astype(
                                       np.float32)}))
    return out


def test_the_report_holds_the_metrics_frames_and_panels(tmp_path):
    metric = AnomalyMetric(report_dir=str(tmp_path / 'report'),
                           report_meta=dict(config='x.py', dataset='toy'))
    for path, labels, maps in frames_on_disk(tmp_path):
        metric.add(osp.splitext(osp.basename(path))[0], labels, maps, img_path=path)
    results = metric.evaluate()
    with open(tmp_path / 'report' / 'report.json') as fh:
        report = json.load(fh)
    assert list(report['metrics']) == ['msp', 'energy']
    for scorer, values in report['metrics'].items():
        for key, value in values.items():
            assert value == results[f'{scorer}/{key}']
    assert report['identity']['config'] == 'x.py' and report['identity']['frames'] == 5
    assert [f['stem'] for f in report['frames']] == [f'f{i}<&>' for i in range(5)]
    assert report['frames'][0]['scorers']['msp']['AP'] is None   # no anomaly pixel: NaN
    gallery = report['gallery']
    assert gallery['scorer'] == 'msp' and len(gallery['worst']) == 4 and gallery['best'] == []
    for f in report['frames']:
        panel = cv2.imread(str(tmp_path / 'report' / f['panel']))
        assert panel is not None and panel.shape[0] > 48
    page = (tmp_path / 'report' / 'report.html').read_text()
    assert page == render_report(report)
    assert 'f1&lt;&amp;&gt;' in page and 'f1<&>' not in page
    assert '<script>' in page and 'http' not in page.replace('http-equiv', '')


def test_streamed_curve_summaries_equal_those_of_the_whole_curve():
    """700,000 distinct scores: the table comes in two pieces of counts.descending(); the
    summary equals the quantiles of the sorted pixels, the whole curve thinned, numpy's
    histograms."""
    rng = np.random.default_rng(2)
    scores = rng.random(700_000)
    labels = (rng.random(700_000) < 0.2 + 0.5 * scores).astype(np.uint8)
    counts = ScoreCounts().update(scores, labels)
    assert len(list(counts.descending())) == 2
    whole = curves(counts)
    ordered = np.sort(scores)
    qs = (0.01, 0.5, 0.99)
    summary = curve_summary(counts, qs, points=1000, bins=50)
    assert summary['quantiles'] == [ordered[int(np.ceil(q * ordered.size)) - 1] for q in qs]
    thin = summary['curve']
    idx = np.unique(np.linspace(0, whole['threshold'].size - 1, 1000).astype(int))
    assert thin['recall'] == whole['recall'][idx].tolist()
    assert thin['precision'] == whole['precision'][idx].tolist()
    assert thin['fpr'] == whole['fpr'][idx].tolist()
    assert thin['positive_rate'] == labels.mean()
    edges, inlier, anomaly = summary['histogram']
    assert np.array_equal(inlier, np.histogram(scores[labels == 0], edges)[0])
    assert np.array_equal(anomaly, np.histogram(scores[labels == 1], edges)[0])
