"""What a mask-classification head's queries do on an anomaly benchmark: which query wins the
anomaly pixels and the inlier pixels, with what class (``anomseg.evaluation.functional.
query_wins``: q*(x) = argmax_q max_k p_qk m_q(x), its class argmax_c p_q*c, no-object included).

    python tools/analysis/query_wins.py CONFIG CKPT --benchmark RoadAnomaly \
        --benchmark-root DIR [--out wins.json] [--top 5]

Each frame goes through the config's test pipeline; the queries' masks are taken to the labels'
size as the head's class scores are (padding cropped, bilinear). Prints, for anomaly and inlier
pixels, the classes whose queries win most of them, the share won by no-object queries, how
many queries win any, and the mean winning claim; writes that and the per-frame counts.
"""
import argparse

import numpy as np
import torch

from anomseg.apis.inferencer import AnomalyInferencer
from anomseg.apis.run_config import load_config, require_mask_head
from anomseg.datasets.benchmarks import ANOMALY_BENCHMARKS, benchmark_frames, build_benchmark
from anomseg.evaluation.functional import query_wins
from anomseg.utils.cli import add_debug_argument, cli
from anomseg.utils.errors import InputError
from anomseg.utils.io import write_json_atomic


def frame_queries(inferencer, image):
    """(class_probs (Q, C), mask_probs (Q, H, W) at the image's size) of one BGR frame."""
    model = inferencer.model
    batch = next(inferencer.preprocess([image]))
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        meta = data['data_samples'][0].metainfo
        _, _, (cls_logits, _, mask_logits) = model.score(data['inputs'], [meta])
        masks = model.to_input_size(mask_logits[:1], meta).sigmoid()
    return cls_logits[0].softmax(-1).numpy(), masks.numpy()


def summary(total, classes, top):
    """The printed and written figures of summed ``query_wins`` counts."""
    pixels = max(total['pixels'], 1)
    names = list(classes) + ['no-object']
    order = np.argsort(-total['by_class'], kind='stable')[:top]
    return dict(pixels=total['pixels'],
                top_classes={names[c]: float(total['by_class'][c] / pixels)
                             for c in order if total['by_class'][c]},
                no_object_share=float(total['by_class'][-1] / pixels),
                winning_queries=int((total['by_query'] > 0).sum()),
                mean_claim=total['claim_sum'] / pixels)


@cli('query_wins.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--benchmark', required=True, choices=sorted(ANOMALY_BENCHMARKS))
    parser.add_argument('--benchmark-root', required=True)
    parser.add_argument('--out', help='write the numbers to this JSON file')
    parser.add_argument('--top', type=int, default=5, help='classes listed (default 5)')
    args = add_debug_argument(parser).parse_args(argv)
    require_mask_head(load_config(args.config), 'query wins')
    dataset, _ = build_benchmark(args.benchmark, args.benchmark_root)
    inferencer = AnomalyInferencer(args.config, args.checkpoint, scorer='msp')
    classes = inferencer.classes or []
    totals, frames = {}, []
    for info, image, labels in benchmark_frames(dataset):
        probs, masks = frame_queries(inferencer, image)
        if masks.shape[1:] != labels.shape:
            raise InputError(f'{info["img_path"]}: image {masks.shape[1:]} and labels '
                             f'{labels.shape} differ in size')
        wins = query_wins(probs, masks, labels, num_known=len(classes) or probs.shape[1] - 1)
        for name, part in wins.items():
            if name not in totals:
                totals[name] = dict(pixels=0, by_query=0, by_class=0, claim_sum=0.0)
            for key, value in part.items():
                totals[name][key] = totals[name][key] + value
        frames.append(dict(frame=info['img_path'], **{
            name: dict(pixels=part['pixels'], by_class=part['by_class'].tolist(),
                       claim_sum=part['claim_sum']) for name, part in wins.items()}))
    if not frames:
        raise InputError(f'{args.benchmark_root}: no frames')
    result = dict(benchmark=args.benchmark, frames=len(frames), classes=list(classes),
                  **{name: summary(total, classes, args.top) for name, total in totals.items()},
                  per_frame=frames)
    for name in ('anomaly', 'inlier'):
        s = result[name]
        tops = ', '.join(f'{c} {100 * v:.1f}%' for c, v in s['top_classes'].items())
        print(f'{args.benchmark} {name} pixels ({s["pixels"]}): won by {tops}; no-object '
              f'{100 * s["no_object_share"]:.1f}%; {s["winning_queries"]} queries win any; '
              f'mean claim {s["mean_claim"]:.3f}')
    if args.out:
        write_json_atomic(args.out, result)


if __name__ == '__main__':
    main()
