import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

from anomseg.evaluation.metrics import AnomalyMetric
from anomseg.utils.errors import InputError


def sample(scores, labels, stem):
    return dict(img_path=f'/data/{stem}.png',
                gt_anomaly=dict(data=torch.from_numpy(labels)[None]),
                pred_anomaly=dict(scorers=['a', 'b'], data=torch.from_numpy(scores)[None],
                                  a=torch.from_numpy(scores)[None],
                                  b=torch.from_numpy(-scores)[None]))


def test_metric_per_scorer_and_saved_maps(tmp_path):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(4):
        labels = rng.choice(np.array([0, 1, 255], np.uint8), (16, 20), p=[0.7, 0.25, 0.05])
        scores = (rng.random((16, 20)) + 0.5 * (labels == 1)).astype(np.float32)
        frames.append((scores, labels))
    metric = AnomalyMetric(output_dir=str(tmp_path))
    metric.dataset_meta = {}
    for i, (s, y) in enumerate(frames):
        metric.process({}, [sample(s, y, f'f{i}')])
    out = metric.evaluate(len(frames))
    s = np.concatenate([f[0][f[1] != 255] for f in frames])
    y = np.concatenate([f[1][f[1] != 255] for f in frames])
    assert out['a/AP'] == pytest.approx(average_precision_score(y, s))
    assert out['a/AUROC'] == pytest.approx(roc_auc_score(y, s))
    assert out['b/AUROC'] == pytest.approx(roc_auc_score(y, -s))
    assert set(out) == {f'{n}/{m}' for n in 'ab' for m in ('AP', 'AUROC', 'FPR95',
                                                           'FPR95_interp')}
    assert np.array_equal(np.load(tmp_path / 'a' / 'f2.npy'), frames[2][0])


def test_missing_ground_truth_is_explained():
    metric = AnomalyMetric()
    bad = sample(np.zeros((2, 2), np.float32), np.zeros((2, 2), np.uint8), 'x')
    del bad['gt_anomaly']
    with pytest.raises(InputError, match='LoadAnomalyAnnotations'):
        metric.process({}, [bad])


def test_smiyc_and_component_modes_equal_the_functional_core():
    from anomseg.evaluation.functional import (component_metrics, frame_bins, frame_components,
                                               merge_frame_bins, smiyc_curve_metrics)
    rng = np.random.default_rng(1)
    frames = []
    for _ in range(3):
        labels = np.zeros((40, 60), np.uint8)
        labels[5:15, 5:25] = 1
        labels[30:, :] = 255
        scores = np.clip(rng.random((40, 60)) * 0.6 + 0.4 * (labels == 1), 0, 1)
        frames.append((scores.astype(np.float32), labels))
    metric = AnomalyMetric(components=(20, 5), smiyc_uniform=True)
    for i, (s, y) in enumerate(frames):
        metric.add(f'f{i}', y, {'a': s})
    out = metric.evaluate()
    pixel = smiyc_curve_metrics(*merge_frame_bins([frame_bins(s, y) for s, y in frames]))
    assert out['a/AP_smiyc'] == pixel['AP'] and out['a/FPR95_smiyc'] == pixel['FPR95']
    uni = smiyc_curve_metrics(*merge_frame_bins(
        [frame_bins(s, y, strategy='uniform') for s, y in frames], 'uniform'))
    assert out['a/AP_smiyc_uni'] == uni['AP']
    comp = component_metrics([frame_components(s, y, pixel['best_F1_threshold'], 20, 5)
                              for s, y in frames])
    assert out['a/sIoU_gt'] == comp['sIoU_gt'] and out['a/mean_F1'] == comp['mean_F1']
    # the frames kept for the component pass are gone afterwards, and the metric starts afresh
    assert metric._spill is None and metric._frames == []


def test_unit_map_gives_scorers_of_any_range_the_same_component_metrics():
    """Energy-like scores (outside [0, 1]) with unit_map='arctan' get the metrics that the same
    frames mapped into [0, 1] by hand with another increasing function (a logistic) get, and
    the best-F1 threshold back in score units."""
    rng = np.random.default_rng(4)
    frames = []
    for _ in range(3):
        labels = np.zeros((40, 60), np.uint8)
        labels[5:15, 5:25] = 1
        labels[30:, :] = 255
        scores = rng.normal(size=(40, 60)) * 4 + 6 * (labels == 1) - 3
        frames.append((scores.astype(np.float32), labels))
    raw = AnomalyMetric(components=(20, 5), unit_map='arctan')
    by_hand = AnomalyMetric(components=(20, 5))
    with pytest.raises(ValueError, match='SMIYC binning needs'):
        AnomalyMetric(components=(20, 5)).add('f', frames[0][1], {'a': frames[0][0]})
    for i, (s, y) in enumerate(frames):
        raw.add(f'f{i}', y, {'a': s})
        by_hand.add(f'f{i}', y, {'a': 1 / (1 + np.exp(-s.astype(np.float64) / 8))})
    out, ref = raw.evaluate(), by_hand.evaluate()
    for key in ('AP', 'AUROC', 'FPR95'):  # exact metrics read the raw scores either way
        assert out[f'a/{key}'] == pytest.approx(ref[f'a/{key}'], abs=1e-12), key
    # merged frames order their interpolated bin edges, which another map may order otherwise
    for key in ('AP_smiyc', 'FPR95_smiyc', 'best_F1_smiyc', 'sIoU_gt', 'sIoU_pred', 'PPV',
                'mean_F1'):
        assert out[f'a/{key}'] == pytest.approx(ref[f'a/{key}'], abs=1e-3), key
    logistic_threshold = ref['a/best_F1_threshold']
    assert out['a/best_F1_threshold'] == pytest.approx(
        8 * np.log(logistic_threshold / (1 - logistic_threshold)), rel=1e-6)
    with pytest.raises(InputError, match='unit_map'):
        AnomalyMetric(unit_map='sigmoid')


def test_unknown_component_filter():
    with pytest.raises(InputError, match='AnomalyTrack'):
        AnomalyMetric(components='Nope')


def test_instance_ap_on_frames_with_instance_ground_truth():
    from anomseg.evaluation.functional import (frame_instance_stats, instance_ap,
                                               instances_from_scores)
    labels = np.zeros((30, 40), np.uint8)
    labels[2:10, 2:12] = 1
    labels[15:25, 20:35] = 1
    instances = np.zeros((30, 40), np.int32)
    instances[2:10, 2:12] = 1000
    instances[15:25, 20:35] = 1001
    scores = np.full((30, 40), 0.1, np.float32)
    scores[2:10, 2:12] = 0.9
    scores[16:25, 20:30] = 0.8                   # covers 90 of 150 px of the second: IoU .6
    metric = AnomalyMetric(components=(1, 1))
    metric.add('a', labels, {'s': scores}, instances)
    metric.add('b', labels, {'s': scores})       # no instance labels: not in the instance AP
    out = metric.evaluate()
    t = out['s/best_F1_threshold']
    ids, conf = instances_from_scores(scores, t)
    expected = instance_ap([frame_instance_stats(instances, labels == 255, ids, conf)])
    assert out['s/AP_inst'] == expected['AP'] and out['s/AP50_inst'] == expected['AP50']
    # the best-F1 threshold is the lower edge 0.8 and binarising is strict (score > 0.8), as in
    # the official component evaluation: only the first instance is predicted. At t = 0.5:
    # one TP (0.9), one FN -> P [1, 1], R [.5, 0] -> AP 0.5
    assert t == pytest.approx(0.8, abs=1e-6)
    assert out['s/AP50_inst'] == pytest.approx(0.5)


def test_closed_set_miou_beside_when_frames_have_semantic_labels():
    gt = np.array([[0, 0, 1, 1], [2, 2, 255, 1]])
    pred = np.array([[0, 1, 1, 1], [2, 0, 0, 1]])
    s = sample(np.zeros((2, 4), np.float32), np.zeros((2, 4), np.uint8), 'x')
    s['gt_sem_seg'] = dict(data=torch.from_numpy(gt)[None])
    s['pred_sem_seg'] = dict(data=torch.from_numpy(pred)[None])
    metric = AnomalyMetric()
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    metric.process({}, [s])
    out = metric.evaluate()
    # class 0: I 1, U 3; class 1: I 3, U 4; class 2: I 1, U 2 (the void pixel is ignored)
    assert out['mIoU'] == pytest.approx((1 / 3 + 3 / 4 + 1 / 2) / 3)
    # Dice 2I / (|P| + |G|) off the void pixel: class 0: 2/(2+2), class 1: 6/(4+3), class 2: 2/(1+2)
    assert out['mDice'] == pytest.approx((2 / 4 + 6 / 7 + 2 / 3) / 3)
    assert [out[f'Dice.{c}'] for c in 'abc'] == pytest.approx([2 / 4, 6 / 7, 2 / 3])
    assert [out[f'IoU.{c}'] for c in 'abc'] == pytest.approx([1 / 3, 3 / 4, 1 / 2])
    other = AnomalyMetric(semantic=False)
    other.dataset_meta = metric.dataset_meta
    other.process({}, [s])
    assert not any('IoU' in k or 'Dice' in k for k in other.evaluate())


def test_region_of_interest_label_and_prefix_give_a_second_evaluation():
    scores = np.array([[0.9, 0.2, 0.8, 0.1]], np.float32)
    labels = np.array([[1, 0, 0, 0]], np.uint8)
    roi = np.array([[1, 0, 255, 255]], np.uint8)   # only the first two pixels are in the region
    s = sample(scores, labels, 'x')
    s['gt_anomaly_roi'] = dict(data=torch.from_numpy(roi)[None])
    whole, region = AnomalyMetric(prefix='slice'), AnomalyMetric(prefix='heart',
                                                                 gt_key='gt_anomaly_roi')
    for metric in (whole, region):
        metric.process({}, [s])
    out = {**whole.evaluate(), **region.evaluate()}
    # whole frame: the anomaly (0.9) above all three inliers; AP 1 for a, and for b = -scores the
    # anomaly is ranked last: precision 1/4 at recall 1
    assert out['slice/a/AP'] == pytest.approx(1.0) and out['slice/b/AP'] == pytest.approx(0.25)
    # region: one anomaly (0.9) and one inlier (0.2) remain
    assert out['heart/a/AUROC'] == 1.0 and out['heart/b/AP'] == pytest.approx(0.5)
    with pytest.raises(InputError, match='no gt_anomaly_roi'):
        AnomalyMetric(gt_key='gt_anomaly_roi').process({}, [sample(scores, labels, 'y')])


def test_report_page_and_worst_first_csv(tmp_path):
    import csv
    rng = np.random.default_rng(3)
    metric = AnomalyMetric(report_dir=str(tmp_path), report_name='RoadAnomaly')
    aps = {}
    for i in range(4):
        labels = (rng.random((16, 16)) < 0.3).astype(np.uint8)
        if i == 3:
            labels[:] = 0        # a frame without anomalies goes last
        scores = rng.random((16, 16)) + 0.3 * i * labels
        metric.add(f'f{i}', labels, {'msp': scores})
        if labels.any():
            aps[f'f{i}'] = average_precision_score(labels.ravel(), scores.ravel())
    metric.evaluate()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ['RoadAnomaly_msp_frames.csv', 'report.html', 'report.json',
                     'report_files']
    rows = list(csv.DictReader(open(tmp_path / 'RoadAnomaly_msp_frames.csv')))
    assert [r['frame'] for r in rows] == sorted(aps, key=aps.get) + ['f3']
    assert all(np.isclose(float(r['AP']), aps[r['frame']]) for r in rows[:3])


def test_anomalous_frames_only_leaves_out_frames_without_anomaly_pixels():
    rng = np.random.default_rng(5)
    frames = []
    for i, has_anomaly in enumerate((True, False, True)):
        labels = np.zeros((20, 30), np.uint8)
        if has_anomaly:
            labels[5:10, 5 + i:15 + i] = 1
        labels[:2] = 255
        frames.append((f'f{i}', labels, rng.random((20, 30)).astype(np.float32)))
    only = AnomalyMetric(anomalous_frames_only=True)
    for stem, labels, scores in frames:
        only.add(stem, labels, {'s': scores})
    kept = AnomalyMetric()
    for stem, labels, scores in (frames[0], frames[2]):
        kept.add(stem, labels, {'s': scores})
    every = AnomalyMetric()
    for stem, labels, scores in frames:
        every.add(stem, labels, {'s': scores})
    got, want, all_frames = only.evaluate(), kept.evaluate(), every.evaluate()
    assert got == want and got['s/AP'] != all_frames['s/AP']
    # the reference: sklearn over the pixels of the frames with anomalies, void left out
    labels = np.concatenate([frames[0][1].ravel(), frames[2][1].ravel()])
    scores = np.concatenate([frames[0][2].ravel(), frames[2][2].ravel()])
    keep = labels < 255
    assert got['s/AP'] == pytest.approx(
        average_precision_score(labels[keep] == 1, scores[keep]), abs=1e-12)


def test_auto_unit_map_is_chosen_on_the_first_frame_with_labelled_pixels():
    """An all-void first frame does not decide: wide maps after it are binned through arctan,
    as with unit_map='arctan'; [0, 1] maps stay as they are."""
    import numpy as np

    from anomseg.evaluation.metrics import AnomalyMetric
    rng = np.random.default_rng(0)
    frames = [(np.full((6, 7), 255, np.uint8), rng.random((6, 7)) * 9)]
    for _ in range(3):
        labels = rng.choice([0, 1, 255], (6, 7), p=[0.6, 0.3, 0.1]).astype(np.uint8)
        frames.append((labels, rng.random((6, 7)) * 9 + 2 * (labels == 1)))
    results = {}
    for unit_map in ('auto', 'arctan'):
        metric = AnomalyMetric(smiyc=True, unit_map=unit_map)
        for i, (labels, scores) in enumerate(frames):
            metric.add(str(i), labels, {'s': scores})
        results[unit_map] = metric.evaluate()
    assert results['auto'] == results['arctan']
    narrow = AnomalyMetric(smiyc=True, unit_map='auto')
    plain = AnomalyMetric(smiyc=True, unit_map=None)
    for i, (labels, scores) in enumerate(frames):
        for metric in (narrow, plain):
            metric.add(str(i), labels, {'s': scores / 11})
    assert narrow.evaluate() == plain.evaluate()


def test_instances_from_query_masks_by_hand():
    """One anomaly (instance 1000) and two query masks (plus an empty one, dropped). Ranked below
    a wrong mask, the exact one is found at precision 1/2; cityscapesScripts integrates
    precision over recall with centred differences: precisions (1/2, 0, 1) at recalls (1, 0, 0)
    weigh (1/2, 1/2, 0), so AP = AP50 = 1/4 at every IoU threshold. Ranked first: 1."""
    labels = np.zeros((20, 20), np.uint8)
    labels[2:8, 2:8] = 1
    ids = np.where(labels == 1, 1000, 0).astype(np.int32)
    right = labels == 1
    wrong = np.zeros((20, 20), bool)
    wrong[12:18, 12:18] = True
    for scores_inside, expected in (((0.6, 0.9), 0.25), ((0.9, 0.6), 1.0)):
        scores = np.full((20, 20), 0.1)
        scores[right], scores[wrong] = scores_inside
        metric = AnomalyMetric(components='AnomalyTrack')
        metric.add('f', labels, {'s': scores}, ids,
                   query_masks=np.stack([right, wrong, np.zeros((20, 20), bool)]))
        out = metric.evaluate()
        assert out['s/AP_inst_queries'] == pytest.approx(expected)
        assert out['s/AP50_inst_queries'] == pytest.approx(expected)
