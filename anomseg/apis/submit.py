"""Turn a model into each benchmark server's submission: inference over the split's images, then
the writers of ``anomseg.submission``, which validate before they report success."""
import os
import os.path as osp

from PIL import Image

from anomseg.datasets.benchmarks import frame_id
from anomseg.evaluation.functional import instances_from_queries, instances_from_scores
from anomseg.submission import (expected_stems, fishyscapes_inputs, fishyscapes_output_stem,
                                frame_stem,
                                validate_fishyscapes_output, write_fishyscapes_frame,
                                write_oodis_submission, write_smiyc_submission)
from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file
from .frames import IMAGE_SUFFIXES, open_frames


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
        raise InputError(f'{source}: benchmark submissions read image folders, not videos')
    for path, (_, image) in zip(src.paths, src.frames()):
        result = inferencer([image])[0]
        yield (frame_id(path), result['scores'][scorer], result['sem_seg'], image.shape[:2],
               result)


def submit_smiyc(inferencer, images, out_dir, method, split, scorer=None, partial=False):
    """SMIYC: score every image of ``images`` with ``scorer`` (default: the model's first),
    write, validate and zip. Returns the zip's path."""
    scorer = scorer or inferencer.scorers[0]
    frames = ((fid, scores) for fid, scores, *_ in _scored_frames(inferencer, images, scorer))
    return write_smiyc_submission(frames, out_dir, method, split,
                                  expected_shapes=_image_shapes(images), partial=partial)


def oodis_images(folders, expected_files=None):
    """The image of every expected frame in the benchmark folders as downloaded: {benchmark:
    [(frame stem, image path)]}, searched recursively (LostAndFound's
    ``leftImg8bit/{train,test}/CITY/``, SMIYC's ``images/``); images of other frames (e.g. SMIYC
    validation frames) are left out. Every benchmark of the expected list needs its folder, and
    every expected frame its one image; each image is checked from its header. Raises before
    any model work, naming what is missing."""
    expected = expected_stems(expected_files)
    absent = sorted(set(expected) - set(folders))
    if absent:
        raise InputError('an OoDIS submission holds every benchmark: give '
                         + ', '.join(f'--{b}' for b in absent))
    found = {}
    for benchmark, folder in folders.items():
        if benchmark not in expected:
            raise InputError(f'{benchmark} is not in the expected file list')
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: no such folder ({benchmark})')
        images = {}
        for parent, _, files in sorted(os.walk(folder)):
            for name in sorted(files):
                stem = frame_stem(benchmark, name)
                if name.lower().endswith(IMAGE_SUFFIXES) and stem in expected[benchmark]:
                    path = osp.join(parent, name)
                    if stem in images:
                        raise InputError(f'{path}: a second image of frame {stem} '
                                         f'(first: {images[stem]})')
                    images[stem] = path
        missing = sorted(expected[benchmark] - set(images))
        if missing:
            raise FileNotFoundError(f'{folder}: no image of {len(missing)} of the '
                                    f'{len(expected[benchmark])} {benchmark} frames, e.g. '
                                    + ', '.join(missing[:5]))
        for path in images.values():
            check_image_file(path)
        found[benchmark] = sorted(images.items())
    return found


def submit_oodis(inferencer, images, out_dir, threshold=None, scorer=None, description=None,
                 label=1, instances='components', expected_files=None):
    """OoDIS: ``images`` {benchmark: [(frame stem, image path)]} (``oodis_images``).
    ``instances='components'``: the connected components of ``scorer``'s map above
    ``threshold``, each as confident as its mean score; 'queries': each non-empty query mask of
    a mask transformer (an inferencer made with ``query_masks=True``), as confident as the mean
    of ``scorer`` inside it. Returns the zip's path."""
    scorer = scorer or inferencer.scorers[0]

    def frames(pairs):
        for stem, path in pairs:
            _, scores, _, _, result = next(_scored_frames(inferencer, path, scorer))
            if instances == 'queries':
                masks, conf = instances_from_queries(result['query_masks'], scores)
                yield stem, masks, conf
            else:
                ids, conf = instances_from_scores(scores, threshold)
                yield stem, ids, conf

    return write_oodis_submission({name: frames(pairs) for name, pairs in images.items()},
                                  out_dir, description=description, label=label,
                                  expected_files=expected_files)


def run_fishyscapes(inferencer, input_dir='/input', output_dir='/output', scorer=None):
    """The Fishyscapes container's job: for each ``input_dir/DDDD_*.png`` write
    ``output_dir/DDDD_anomaly.npy`` and ``DDDD_segmentation.npy``, then validate them against
    every input. Returns the number of frames."""
    scorer = scorer or inferencer.scorers[0]
    shapes = {}
    for path in fishyscapes_inputs(input_dir):
        _, scores, sem_seg, shape, _ = next(_scored_frames(inferencer, path, scorer))
        stem = fishyscapes_output_stem(path)
        write_fishyscapes_frame(output_dir, stem, scores, sem_seg)
        shapes[stem] = shape
    validate_fishyscapes_output(input_dir, output_dir, shapes)
    return len(shapes)
