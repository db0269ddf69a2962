"""Apply the tools' command-line options to a config, the way mmseg's tools do, plus anomseg's
own (``--scorer``, ``--show-dir`` for heatmaps), so scripts and the CLIs share one behaviour."""
import logging
import os
import os.path as osp

from mmengine.config import Config
from mmengine.logging import print_log

from anomseg.datasets.benchmarks import ANOMALY_BENCHMARKS, benchmark_dataset
from anomseg.datasets.transforms.loading import LABEL_LOADERS
from anomseg.models.scorers import build_scorers
from anomseg.utils.checkpoint import TRUST_ENV, file_sha256
from anomseg.utils.cli import ConfigOptions, add_debug_argument
from anomseg.utils.errors import InputError


def add_runner_arguments(parser):
    """The options tools/train.py and tools/test.py share (mmseg's, plus --trust-checkpoint)."""
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='unpickle checkpoints in full (only for files whose origin you '
                        'trust; see anomseg.utils.checkpoint)')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions,
                        help='override settings of the config, key=value (mmengine syntax)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--no-prescan', action='store_true',
                        help='skip checking every image and label file from its header before '
                        'the run (a large dataset on slow storage); each file is still checked '
                        'when it is read')
    return add_debug_argument(parser)


def dataset_roots(cfg, keys=('train_dataloader', 'val_dataloader', 'test_dataloader')):
    """Every ``data_root`` under the dataloaders ``keys`` of the config (wrapped datasets too)."""
    roots = []

    def visit(node):
        if isinstance(node, dict):
            if isinstance(node.get('data_root'), str) and node['data_root']:
                roots.append(node['data_root'])
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                visit(item)

    for key in keys:
        visit(cfg.get(key))
    return roots


def apply_runner_arguments(args):
    """Export what the shared options set for the process: LOCAL_RANK, checkpoint trust."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'


def add_benchmark_arguments(parser, root_flag='--data-root',
                            root_help='the benchmark in its official layout'):
    """The options of the tools that read a benchmark: --dataset, its root (``args.data_root``)
    and --laf-root; ``benchmark_options(args)`` turns them into dataset options."""
    parser.add_argument('--dataset', required=True, choices=list(ANOMALY_BENCHMARKS))
    parser.add_argument(root_flag, required=True, dest='data_root', help=root_help)
    parser.add_argument('--laf-root', help='FishyscapesLAF: the LostAndFound download (images)')
    return parser


def benchmark_options(args):
    return dict(laf_root=args.laf_root) if args.laf_root else {}


def apply_benchmark(cfg, name, data_root, **options):
    """Test on an anomaly benchmark (in its official layout or the validation bundle's,
    ``benchmark_dataset``) instead of the config's test set:
    the config's test pipeline with ``LoadAnomalyAnnotations`` and ``PackAnomalySegInputs`` in
    place of mmseg's label loading and packing, and an ``AnomalyMetric`` with the benchmark's
    component filters (``unit_map='arctan'``, so scorers of any range get component metrics).
    ``options`` reach the dataset (``laf_root``)."""
    dataset = benchmark_dataset(name, data_root, **options)
    components = ANOMALY_BENCHMARKS[name][1]
    swap = dict.fromkeys(LABEL_LOADERS, 'LoadAnomalyAnnotations')
    swap.update(PackSegInputs='PackAnomalySegInputs')
    pipeline = [dict(type=swap[step['type']]) if step['type'] in swap else step
                for step in cfg.test_dataloader.dataset.pipeline]
    if not any(step['type'] == 'LoadAnomalyAnnotations' for step in pipeline):
        raise InputError(f'{cfg.filename}: the test pipeline loads no labels (LoadAnnotations) to '
                         'replace with LoadAnomalyAnnotations')
    cfg.test_dataloader.dataset = dict(dataset, pipeline=pipeline)
    cfg.test_dataloader.batch_size = 1
    cfg.test_evaluator = dict(type='AnomalyMetric', components=components, unit_map='arctan')
    return cfg


PROTOCOLS = ('default', 'published')


def apply_published_protocol(cfg, scale=(1024, 512)):
    """The protocol of the evaluation code behind the published ERFNet anomaly table (the
    ``evalAnomaly.py`` lineage of erfnet_pytorch): image and labels resized to ``scale`` (W, H)
    with PIL (bilinear / nearest) and evaluated there, frames without anomaly pixels left out,
    and softmax over every output channel (a head with a trained void channel keeps it: set
    ``use_void_channel``). Call after ``apply_benchmark``. anomseg's default protocol instead
    scores every frame, resizes the maps back to the labels' full resolution and uses the class
    channels only."""
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFileChecked'),
        dict(type='LoadAnomalyAnnotations', with_instances=False),  # pixel metrics only
        dict(type='Resize', scale=tuple(scale), keep_ratio=False, backend='pillow'),
        dict(type='EvaluateAtResizedShape'),
        dict(type='PackAnomalySegInputs'),
    ]
    cfg.test_evaluator['anomalous_frames_only'] = True
    # a config may say otherwise for its model (`published_protocol = dict(use_void_channel=...)`)
    use_void = cfg.get('published_protocol', {}).get('use_void_channel', True)
    if cfg.model.decode_head.get('void_channel'):
        cfg.model.decode_head.use_void_channel = use_void
    return cfg


CONFIG_SUFFIXES = ('.py', '.json', '.yaml', '.yml')


def load_config(path, cfg_options=None, launcher='none', work_dir=None):
    """Config from file, ``--cfg-options`` merged, work_dir: CLI > config > work_dirs/NAME.
    A config is Python code and runs as such: only load configs whose origin you trust."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path} does not exist')
    if not path.endswith(CONFIG_SUFFIXES):
        raise InputError(f'{path}: a config is a {", ".join(CONFIG_SUFFIXES)} file')
    try:
        cfg = Config.fromfile(path)
    except (SyntaxError, ImportError, NameError, TypeError, AttributeError) as err:
        raise InputError(f'{path}: not a loadable config ({type(err).__name__}: {err})'
                         ) from None
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def prepare_cpu_distributed(cfg):
    """Make ``--launcher pytorch`` (torchrun, ``tools/dist_*.sh``) work without CUDA.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and wraps the model in DDP with
    ``device_ids=[LOCAL_RANK]``; both fail on a machine without CUDA. Here, on such a machine,
    the process group is initialised with gloo from torchrun's environment (so mmengine finds it
    initialised and skips its own set-up) and DDP gets ``device_ids=None``, as torch requires for
    CPU modules. At exit the processes meet at a barrier and the group is destroyed, so that no
    process tears its connections down while another still uses them (gloo may otherwise abort a
    process as the interpreter shuts down). With CUDA, or without a launcher, nothing changes.
    Returns True when it acted.
    """
    import atexit
    import datetime

    import torch
    import torch.distributed as dist
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not dist.is_initialized():
        timeout = dist_cfg.get('timeout')
        dist.init_process_group(
            'gloo', **({} if timeout is None else
                       dict(timeout=datetime.timedelta(seconds=timeout))))
        atexit.register(_close_process_group)
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def _close_process_group():
    import datetime

    import torch.distributed as dist
    if not dist.is_initialized():
        return
    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=60))
    except RuntimeError:
        pass  # a process died: nothing to wait for
    dist.destroy_process_group()


def apply_train_options(cfg, amp=False, resume=False):
    """``--amp`` and ``--resume``. The atomic checkpoint backend and ``RandomStateHook`` are the
    base configs' own (``configs/_base_/``), so every way of running a config gets them."""
    if amp:
        if cfg.optim_wrapper.type == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.', logger='current',
                      level=logging.WARNING)
        elif cfg.optim_wrapper.type != 'OptimWrapper':
            raise InputError('--amp needs optim_wrapper.type OptimWrapper, got '
                             f'{cfg.optim_wrapper.type}')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.resume = resume
    return cfg


def apply_data_root(cfg, data_root):
    """Test on every sample of another folder in the layout of the config's test set: its
    ``data_root`` replaced, a split file (``split_file``, ``ann_file``) dropped."""
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'--data-root {data_root} is not a folder')
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = data_root
    if dataset.get('split_file'):
        dataset.split_file = None
    if dataset.get('ann_file'):
        dataset.ann_file = ''  # mmseg: no split list, every file of the folder
    return cfg


MASK_HEADS = ('AnomalyMask2FormerHead',)


def require_mask_head(cfg, what='instances from queries'):
    """Refuse (InputError) ``what`` reads a model's queries for a model without a
    mask-transformer head."""
    head = cfg.model.get('decode_head', {}).get('type')
    if head not in MASK_HEADS:
        raise InputError(f'{getattr(cfg, "filename", "the config")}: {what} need a '
                         f'mask-transformer head ({", ".join(MASK_HEADS)}), not {head}')


def run_identity(cfg, checkpoint):
    """What a test run was, for its report: config, checkpoint and its SHA-256, test set."""
    dataset = cfg.test_dataloader.dataset
    return dict(config=osp.abspath(cfg.filename) if getattr(cfg, 'filename', None) else None,
                checkpoint=osp.abspath(checkpoint), checkpoint_sha256=file_sha256(checkpoint),
                dataset=dataset.get('type'), data_root=dataset.get('data_root'))


def apply_test_options(cfg, checkpoint, show_dir=None, out=None, scorer=None, tta=False,
                       report_dir=None, instances='components'):
    """Checkpoint to load, heatmap folder, folder for raw outputs, scorers, test-time aug, and
    the folder of AnomalyMetric's report; ``instances='queries'``: a mask transformer also gives
    its queries' masks, and the metrics add OoDIS instances from queries."""
    if instances == 'queries':
        require_mask_head(cfg)
        cfg.model.test_cfg.query_masks = True
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    cfg.load_from = checkpoint
    hook = cfg.get('default_hooks', {}).get('visualization')
    config_range = None
    if hook is not None and hook.get('score_range') and not hook.get('score_range_scorer'):
        # the config's colour range belongs to the config's first scorer
        hook['score_range_scorer'] = next(iter(build_scorers(cfg.model.test_cfg.scorer)))
    if hook is not None and hook.get('score_range'):
        config_range = [*hook['score_range'], hook['score_range_scorer']]
    if scorer:
        cfg.model.test_cfg.scorer = [s.strip() for s in scorer.split(',') if s.strip()]
    if show_dir:
        if 'visualization' not in cfg.default_hooks:
            raise InputError('--show-dir needs default_hooks.visualization in the config')
        cfg.default_hooks.visualization.update(draw=True, out_dir=show_dir)
    if tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
        else [cfg.test_evaluator]
    for evaluator in evaluators:
        if out is not None:
            evaluator['output_dir'] = out
        if report_dir is not None and evaluator.get('type') == 'AnomalyMetric':
            dataset = cfg.test_dataloader.dataset.get('type', 'test')
            name = dataset.replace('Dataset', '') or 'test'
            if evaluator.get('prefix'):  # several metrics (e.g. regions) share the folder
                name = f'{name}_{evaluator["prefix"]}'
            evaluator.update(report_dir=report_dir, report_name=name,
                             report_meta=run_identity(cfg, checkpoint),
                             report_score_range=config_range)
    return cfg
