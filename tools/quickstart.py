"""The training quickstart behind `make quickstart`: render SynthRoad, train Mask2Former-lite (MobileNetV2,
ImageNet init) on its inlier classes, then score every pixel of the anomaly split for "unknown
object" with RbA, max-softmax and the other scorers, all from one forward pass.

Writes to work_dirs/quickstart/: the checkpoint and logs, metrics.json (SynthRoad val mIoU and, for
each scorer, AP / AUROC / FPR95 on the anomaly split) and heatmaps/ (RbA, one panel per frame).
The same steps by hand:

    python data_prep/synthroad.py --out-dir data/synthroad
    python tools/train.py configs/mask2former/mask2former-lite_mnv2_1xb4-600_synthroad-256x256.py \
        --work-dir work_dirs/quickstart
    python tools/test.py configs/mask2former/mask2former-lite_mnv2_1xb4-600_synthroad-256x256.py \
        work_dirs/quickstart/iter_600.pth --work-dir work_dirs/quickstart \
        --show-dir work_dirs/quickstart/heatmaps
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # for data_prep

from mmengine.runner import Runner  # noqa: E402

from anomseg.apis import apply_test_options, load_config  # noqa: E402
from anomseg.utils import write_json_atomic  # noqa: E402
from anomseg.utils.cli import ConfigOptions  # noqa: E402
from data_prep.synthroad import generate  # noqa: E402

CONFIG = 'configs/mask2former/mask2former-lite_mnv2_1xb4-600_synthroad-256x256.py'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/synthroad')
    parser.add_argument('--work-dir', default='work_dirs/quickstart')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions, default={},
                        help='key=value overrides (e.g. train_cfg.max_iters=200)')
    args = parser.parse_args(argv)
    start = time.time()

    print(f'[1/3] SynthRoad in {args.data_root}', flush=True)
    generate(args.data_root)

    print('[2/3] training', flush=True)
    root = {'train_dataloader.dataset.data_root': args.data_root,
            'val_dataloader.dataset.data_root': args.data_root,
            'test_dataloader.dataset.data_root': osp.join(args.data_root, 'anomaly')}
    options = {**root, **args.cfg_options}
    cfg = load_config(CONFIG, options, work_dir=args.work_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    miou = runner.message_hub.get_scalar('val/mIoU').current()
    with open(osp.join(args.work_dir, 'last_checkpoint')) as fh:
        checkpoint = fh.read().strip()

    print('[3/3] anomaly scoring of the anomaly split', flush=True)
    heatmaps = osp.join(args.work_dir, 'heatmaps')
    cfg = load_config(CONFIG, options, work_dir=args.work_dir)
    apply_test_options(cfg, checkpoint, show_dir=heatmaps)
    metrics = Runner.from_cfg(cfg).test()

    result = {'synthroad_val/mIoU': float(miou) / 100,
              **{f'synthroad_anomaly/{k}': float(v) for k, v in metrics.items()},
              'checkpoint': checkpoint, 'wall_time_s': round(time.time() - start, 1)}
    path = osp.join(args.work_dir, 'metrics.json')
    write_json_atomic(path, result)
    print(f'\nSynthRoad val mIoU: {100 * result["synthroad_val/mIoU"]:.1f}%')
    for name in dict.fromkeys(k.split("/")[0] for k in metrics):
        print(f'anomaly split, {name:>9s}: AP {100 * metrics[name + "/AP"]:5.1f}%   '
              f'FPR95 {100 * metrics[name + "/FPR95"]:5.1f}%   '
              f'AUROC {100 * metrics[name + "/AUROC"]:5.1f}%')
    print(f'metrics:  {path}\nheatmaps: {heatmaps}/\ncheckpoint: {checkpoint}\n'
          f'done in {time.time() - start:.0f} s')

if __name__ == '__main__':
    main()
