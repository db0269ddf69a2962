import os.path as osp

from anomseg.evaluation.metrics import AnomalyMetric
from tests.test_evaluation.test_report import frames_on_disk


def report(root, name, frames, scale=1.0):
    metric = AnomalyMetric(report_dir=str(root / name / 'report'),
                           report_meta=dict(dataset='toy'))
    for path, labels, maps in frames:
        metric.add(osp.splitext(osp.basename(path))[0], labels,
                   {k: v * scale for k, v in maps.items()}, img_path=path)
    return metric.evaluate()


def test_runs_side_by_side_with_deltas_and_refused_across_frame_sets(server, tmp_path):
    frames = frames_on_disk(tmp_path, n=4)
    a = report(tmp_path, 'a', frames)
    b = report(tmp_path, 'b', [(p, l, {'msp': m['energy']}) for p, l, m in frames])
    rc, out, err = server.run('tools/analysis/compare_runs.py', tmp_path / 'a', tmp_path / 'b',
                              '--out', tmp_path / 'cmp')
    assert rc == 0, err[-2000:]
    lines = [line for line in out.splitlines() if line.startswith('| b | msp |')]
    assert len(lines) == 1
    head = next(line for line in out.splitlines() if line.startswith('| run |'))
    keys = [k.strip() for k in head.split('|')[3:-1]]
    cells = dict(zip(keys, [c.strip() for c in lines[0].split('|')[3:-1]]))
    delta = 100 * (b['msp/AP'] - a['msp/AP'])
    assert abs(delta) > 1
    assert cells['AP'] == f'{100 * b["msp/AP"]:.2f} ({delta:+.2f})'
    page = (tmp_path / 'cmp' / 'compare.html').read_text()
    assert 'compare_files/pr.png' in page and osp.isfile(tmp_path / 'cmp' / 'compare_files'
                                                         / 'pr.png')
    report(tmp_path, 'c', frames[:3])
    rc, out, err = server.run('tools/analysis/compare_runs.py', tmp_path / 'a', tmp_path / 'c',
                              '--out', tmp_path / 'cmp2')
    line = err.strip().splitlines()[-1]
    assert rc == 2 and 'different frame sets (4 versus 3 frames, 1 not in both)' in line
    assert not osp.exists(tmp_path / 'cmp2')
