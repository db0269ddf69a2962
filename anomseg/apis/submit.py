"""Turn a model into each benchmark server's submission: inference over the split's images, then
the writers of ``anomseg.submission``, which validate before they report success."""
from PIL import Image

from anomseg.datasets.benchmarks import frame_id
from anomseg.evaluation.functional import instances_from_queries, instances_from_scores
from anomseg.submission import (fishyscapes_inputs, validate_fishyscapes_output,
                                write_fishyscapes_frame, write_oodis_submission,
                                write_smiyc_submission)
from .frames import open_frames


def _image_shapes(source):
    """{frame id: (H, W)} of the images of ``source``, from their headers."""
    shapes = {}
    for path in open_frames(source).paths:
        with Image.open(path) as im:
            shapes[frame_id(path)] = (im.height, im.width)
    return shapes


def _scored_frames(inferencer, source, scorer):
    """(frame id, scorer's map, class map, image shape, the model's full result) of every image
    of ``source``."""
    src = open_frames(source)
    if src.is_video:
        raise ValueError(f'{source}: benchmark submissions read image folders, not videos')
    for path, (_, image) in zip(src.paths, src.frames()):
        result = inferencer([image])[0]
        yield (frame_id(path), result['scores'][scorer], result['sem_seg'], image.shape[:2],
               result)


def submit_smiyc(inferencer, images, out_dir, method, split, scorer=None):
    """SMIYC: score every image of ``images`` with ``scorer`` (default: the model's first),
    write, validate and zip. Returns the zip's path."""
    scorer = scorer or inferencer.scorers[0]
    frames = ((fid, scores) for fid, scores, *_ in _scored_frames(inferencer, images, scorer))
    return write_smiyc_submission(frames, out_dir, method, split,
                                  expected_shapes=_image_shapes(images))


def submit_oodis(inferencer, folders, out_dir, threshold=None, scorer=None, description=None,
                 label=1, instances='components'):
    """OoDIS: ``folders`` {benchmark: image folder}. ``instances='components'``: the connected
    components of ``scorer``'s map above ``threshold``, each as confident as its mean score;
    'queries': each non-empty query mask of a mask transformer (an inferencer made with
    ``query_masks=True``), as confident as the mean of ``scorer`` inside it. Returns the zip's
    path."""
    scorer = scorer or inferencer.scorers[0]

    def frames(source):
        for fid, scores, _, _, result in _scored_frames(inferencer, source, scorer):
            if instances == 'queries':
                masks, conf = instances_from_queries(result['query_masks'], scores)
                yield fid, masks, conf
            else:
                ids, conf = instances_from_scores(scores, threshold)
                yield fid, ids, conf

    return write_oodis_submission({name: frames(src) for name, src in folders.items()},
                                  out_dir, description=description, label=label)


def run_fishyscapes(inferencer, input_dir='/input', output_dir='/output', scorer=None):
    """The Fishyscapes container's job: for each ``input_dir/DDDD.png`` write
    ``output_dir/DDDD_anomaly.npy`` and ``DDDD_segmentation.npy``, then validate them against
    every input. Returns the number of frames."""
    scorer = scorer or inferencer.scorers[0]
    shapes = {}
    for path in fishyscapes_inputs(input_dir):
        fid, scores, sem_seg, shape, _ = next(_scored_frames(inferencer, path, scorer))
        write_fishyscapes_frame(output_dir, fid, scores, sem_seg)
        shapes[fid] = shape
    validate_fishyscapes_output(input_dir, output_dir, shapes)
    return len(shapes)
