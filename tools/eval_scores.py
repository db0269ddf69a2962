"""Evaluate any method's saved anomaly scores on a benchmark, without a model.

    python tools/eval_scores.py --dataset AnomalyTrack --data-root DIR --scores DIR \
        --out results.json

One map per frame in --scores: FRAME_ID.npy (float, H x W) or the SMIYC submission's
FRAME_ID.hdf5; FRAME_ID is the image file's stem. Writes AP, AUROC, FPR95 (exact, as the
Fishyscapes/bdlb evaluator), AP_smiyc, FPR95_smiyc (the SMIYC evaluator's percentile bins) and the
component metrics sIoU_gt, PPV, mean_F1 (SMIYC, at the best-F1 threshold) and, where the
benchmark has instance labels, OoDIS instance AP_inst / AP50_inst, among others.
Scores may have any real range (probabilities, max logit, energy, RbA's [-K, 0]). SMIYC's
procedures bin [0, 1]: with --unit-map auto (the default) a scorer whose first frame lies in
[0, 1] is binned as it is (the official numbers), any other through u = 1/2 + arctan(s) / pi,
as tools/test.py does; thresholds are reported as scores. The exact metrics read the raw scores.
Also writes the run's report (report.html: metrics, curves, a gallery of the worst and best
frames, the per-frame table) to OUT_report/ (--report-dir, --no-report).
"""
import argparse
import json
import os.path as osp

from mmseg.utils import register_all_modules

from anomseg.apis import add_benchmark_arguments, benchmark_options
from anomseg.apis.evaluate_scores import evaluate
from anomseg.utils import check_output_writable, check_outside, write_json_atomic
from anomseg.utils.cli import add_debug_argument, cli


@cli('eval_scores.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_benchmark_arguments(parser)
    parser.add_argument('--scores', required=True, help='folder of FRAME_ID.npy / .hdf5 maps')
    parser.add_argument('--out', required=True, help='JSON file to write')
    parser.add_argument('--report-dir', help='folder for report.html (default: beside --out, '
                        'OUT_report)')
    parser.add_argument('--no-report', action='store_true', help='skip the report')
    parser.add_argument('--unit-map', choices=('auto', 'none', 'arctan'), default='auto',
                        help='what the SMIYC-binned and component metrics read: auto (default), '
                             'the scores as they are (none), or 1/2 + arctan(s) / pi')
    args = add_debug_argument(parser).parse_args(argv)
    register_all_modules(init_default_scope=True)
    report = None if args.no_report else (args.report_dir or
                                          osp.splitext(args.out)[0] + '_report')
    for what, path in (('results file', args.out), ('report folder', report)):
        if path:
            check_outside([args.scores, args.data_root, args.laf_root], path, what)
            check_output_writable(osp.dirname(osp.abspath(path)), what)
    results = evaluate(
        args.dataset, args.data_root, args.scores,
        unit_map=None if args.unit_map == 'none' else args.unit_map, report_dir=report,
        **benchmark_options(args))
    results = dict(dataset=args.dataset, **results)
    write_json_atomic(args.out, results)
    print(json.dumps(results, indent=1))
    print(f'written: {args.out}')
    if report:
        print(f'report: {osp.join(report, "report.html")}')


if __name__ == '__main__':
    main()
