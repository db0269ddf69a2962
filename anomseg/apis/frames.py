"""Frames to run a model on: an image, a folder, a glob pattern, or a video file.

``open_frames(source)`` checks the source before anything runs (missing, empty, truncated or non-
image files, an unreadable video, an empty folder) and returns a ``FrameSource``: ``name`` (for
output files), ``fps`` and ``count`` (videos: from the container), ``is_video``, and ``frames()``,
which yields (frame name, BGR uint8 image) lazily, so a long video is never held in memory."""
import glob
import os.path as osp
from dataclasses import dataclass, field

import cv2

from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff')
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.m4v')


@dataclass
class FrameSource:
    name: str
    is_video: bool
    count: int
    fps: float = 0.0
    paths: list = field(default_factory=list)

    def frames(self):
        if self.is_video:
            capture = cv2.VideoCapture(self.paths[0])
            index = 0
            try:
                while True:
                    ok, frame = capture.read()
                    if not ok:
                        break
                    yield f'{self.name}_{index:06d}', frame
                    index += 1
            finally:
                capture.release()
            return
        for path in self.paths:
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            if image is None:
                raise InputError(f'{path}: not a readable image')
            yield osp.splitext(osp.basename(path))[0], image


def _is_image(path):
    return path.lower().endswith(IMAGE_SUFFIXES)


def open_frames(source):
    """Resolve ``source`` (image, folder, glob or video) into a ``FrameSource``."""
    if osp.isfile(source) and source.lower().endswith(VIDEO_SUFFIXES):
        capture = cv2.VideoCapture(source)
        if not capture.isOpened():
            raise InputError(f'{source}: OpenCV cannot open this video')
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        capture.release()
        if fps <= 0:
            raise InputError(f'{source}: the video reports no frame rate')
        return FrameSource(osp.splitext(osp.basename(source))[0], True, count, fps, [source])
    if osp.isfile(source):
        if not _is_image(source):
            raise InputError(f'{source}: not an image ({", ".join(IMAGE_SUFFIXES)}) or a video '
                             f'({", ".join(VIDEO_SUFFIXES)})')
        paths = [source]
        name = osp.splitext(osp.basename(source))[0]
    elif osp.isdir(source):
        paths = sorted(p for p in glob.glob(osp.join(source, '*')) if _is_image(p))
        name = osp.basename(osp.normpath(source))
        if not paths:
            raise FileNotFoundError(f'{source}: the folder holds no image '
                                    f'({", ".join(IMAGE_SUFFIXES)})')
    else:
        paths = sorted(p for p in glob.glob(source, recursive=True) if _is_image(p))
        name = 'frames'
        if not paths:
            raise FileNotFoundError(f'{source}: no such file or folder, and no image matches it '
                                    f'as a glob pattern')
    for path in paths:  # a damaged file is named before any frame runs
        check_image_file(path)
    stems = [osp.splitext(osp.basename(p))[0] for p in paths]
    if len(set(stems)) != len(stems):
        dup = sorted({s for s in stems if stems.count(s) > 1})
        raise InputError(f'{source}: several images share the name {dup[0]!r}; outputs are named '
                         f'by file name, so names must be unique')
    return FrameSource(name, False, len(paths), 0.0, paths)
