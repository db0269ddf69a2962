"""Test (and evaluate) a segmentor checkpoint, like mmseg's tools/test.py.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--scorer msp,energy]
        [--show-dir DIR] [--out DIR] [--tta] [--report-dir DIR | --no-report]
        [--benchmark NAME --benchmark-root DIR [--instances components|queries]]
        [--data-root DIR] [--cfg-options k=v ...] [--debug]

Prints the metrics table of every scorer and writes them to WORK_DIR/metrics.json. On anomaly
test sets it also writes the evaluation report, WORK_DIR/report/report.html (metrics with their
definitions, PR/ROC curves, score histograms, worst and best frames, the per-frame table), and a
per-frame CSV per scorer (worst frames first). ``--benchmark RoadAnomaly --benchmark-root
DIR`` tests on a benchmark in its official layout instead of the config's test set, with pixel,
component and (where labelled) instance metrics for every scorer. ``--data-root DIR`` tests on
another folder of the config's test-set layout (e.g. other patients): every sample in it, with
the config's pipeline and metrics.

Before the run, every image and label file of the test set is checked from its header and the
outputs must be writable and outside the data; a bad input stops the run with one line naming
it (exit code 2; --debug for the traceback). Output folders this run created are removed when
it fails, so that none is left half-filled.
"""
import argparse
import os.path as osp
import shutil

from mmengine.runner import Runner

from anomseg.apis import (PROTOCOLS, add_runner_arguments, apply_benchmark, apply_data_root,
                          apply_published_protocol, apply_runner_arguments,
                          apply_test_options, benchmark_options, dataset_roots, load_config,
                          prepare_cpu_distributed)
from anomseg.apis.model_index import add_model_arguments, resolve_model_arguments
from anomseg.datasets.benchmarks import ANOMALY_BENCHMARKS
from anomseg.datasets.checks import check_dataset_files
from anomseg.utils import write_json_atomic
from anomseg.utils import check_output_writable, check_outside
from anomseg.utils.cli import cli
from anomseg.utils.errors import InputError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor')
    add_model_arguments(parser)
    parser.add_argument('--work-dir', help='the dir to save logs and metrics.json')
    parser.add_argument('--out', help='folder for raw outputs: per-frame anomaly maps '
                        '(OUT/SCORER/FRAME.npy) and class predictions')
    parser.add_argument('--show-dir', help='folder for heatmap panels, one PNG per frame')
    parser.add_argument('--scorer', help='comma-separated anomaly scorers, all computed in one '
                        'forward pass (default: model.test_cfg.scorer of the config)')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation')
    parser.add_argument('--report-dir', help='folder for PR/ROC curves, score histograms and '
                        'the per-frame CSV of each scorer (default: WORK_DIR/report)')
    parser.add_argument('--no-report', action='store_true', help='skip that report')
    parser.add_argument('--data-root', help='test on this folder (the layout of the config\'s '
                        'test set) instead, all of it (a split file of the config is dropped)')
    parser.add_argument('--benchmark', choices=list(ANOMALY_BENCHMARKS),
                        help='test on this anomaly benchmark instead of the config\'s test set')
    parser.add_argument('--benchmark-root', help='the benchmark in its official layout')
    parser.add_argument('--laf-root', help='FishyscapesLAF: the LostAndFound download (images)')
    parser.add_argument('--instances', choices=('components', 'queries'), default='components',
                        help='OoDIS instances: the components above the best-F1 threshold '
                        '(AP_inst, always), or also those of a mask transformer\'s queries '
                        '(AP_inst_queries: each non-empty query mask, as confident as its mean '
                        'anomaly score)')
    parser.add_argument('--protocol', choices=PROTOCOLS, default='default',
                        help='with --benchmark: "published" evaluates as the published ERFNet '
                        'anomaly table does (1024x512, frames with anomalies only, every output '
                        'channel); see apply_published_protocol')
    return add_runner_arguments(parser).parse_args(argv)


@cli('test.py')
def main(argv=None):
    args = resolve_model_arguments(parse_args(argv))
    if bool(args.benchmark) != bool(args.benchmark_root):
        raise InputError('--benchmark and --benchmark-root go together')
    if args.protocol != 'default' and not args.benchmark:
        raise InputError('--protocol needs --benchmark')
    if args.data_root and args.benchmark:
        raise InputError('--data-root and --benchmark exclude each other')
    apply_runner_arguments(args)
    cfg = load_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    if args.data_root:
        apply_data_root(cfg, args.data_root)
    if args.benchmark:
        apply_benchmark(cfg, args.benchmark, args.benchmark_root, **benchmark_options(args))
        if args.protocol == 'published':
            apply_published_protocol(cfg)
    report = None if args.no_report else (args.report_dir or osp.join(cfg.work_dir, 'report'))
    apply_test_options(cfg, args.checkpoint, show_dir=args.show_dir, out=args.out,
                       scorer=args.scorer, tta=args.tta, report_dir=report,
                       instances=args.instances)
    inputs = dataset_roots(cfg, ('test_dataloader',)) + [args.laf_root]
    outputs = dict(work_dir=cfg.work_dir, show_dir=args.show_dir, out=args.out, report=report)
    for what, path in outputs.items():
        if path:
            check_outside(inputs, path, what.replace('_', ' '))
            check_output_writable(path, what.replace('_', ' '))
    if not args.no_prescan:
        check_dataset_files(cfg.test_dataloader.dataset, 'test set')
    created = [p for p in (args.show_dir, args.out, report) if p and not osp.exists(p)]
    try:
        prepare_cpu_distributed(cfg)
        runner = Runner.from_cfg(cfg)
        metrics = runner.test()
    except BaseException:
        for path in created:  # never a folder that existed before this run
            shutil.rmtree(path, ignore_errors=True)
        raise
    if runner.rank == 0:
        path = osp.join(cfg.work_dir, 'metrics.json')
        write_json_atomic(path, {k: float(v) for k, v in metrics.items()})
        print(f'metrics: {path}')
        if args.show_dir:
            print(f'heatmaps: {args.show_dir}')
        if args.out:
            print(f'raw outputs: {args.out}')
        if report and osp.isdir(report):
            print(f'report (curves, histograms, per-frame CSV): {report}')
    return metrics


if __name__ == '__main__':
    main()
