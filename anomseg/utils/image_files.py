"""Checking image files from their first and last bytes, without decoding them: a damaged file is
named before any work starts (decoders report truncation late, or only as a warning)."""
import os

from PIL import Image

from .errors import InputError

# format: (signature at offset 0, marker its last bytes must hold, or None)
SIGNATURES = (
    ('PNG', b'\x89PNG\r\n\x1a\n', b'IEND'),
    ('JPEG', b'\xff\xd8\xff', b'\xff\xd9'),
    ('BMP', b'BM', None),
    ('TIFF', b'II*\x00', None),
    ('TIFF', b'MM\x00*', None),
    ('WEBP', b'RIFF', None),
)
TAIL = 1024  # JPEG writers may append a few bytes after the end-of-image marker


def image_format(head):
    """The format whose signature ``head`` (a file's first bytes) starts with, or None."""
    for name, signature, _ in SIGNATURES:
        if head.startswith(signature) and (name != 'WEBP' or head[8:12] == b'WEBP'):
            return name
    return None


def check_same_size(label_path, label_shape, image_shape, image_path=None):
    """Raise ValueError naming the label when its (H, W) is not its image's."""
    if tuple(label_shape[:2]) != tuple(image_shape[:2]):
        raise InputError(f'{label_path}: label of size {label_shape[1]}x{label_shape[0]} for an '
                         f'image of {image_shape[1]}x{image_shape[0]} ({image_path})')


def check_image_file(path, what='image'):
    """(H, W) of the image at ``path`` from its header. Raises FileNotFoundError for a missing
    file and ValueError naming ``path`` for an empty file, content that is no image format
    OpenCV and Pillow both read (PNG, JPEG, BMP, TIFF, WebP), or a PNG / JPEG / WebP whose end is
    missing (truncated). Only a file without its end marker in its last kilobyte is decoded, to
    tell truncation from data appended after the image."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such {what} file') from None
    if size == 0:
        raise InputError(f'{path}: empty {what} file (0 bytes)')
    with open(path, 'rb') as fh:
        head = fh.read(16)
        fh.seek(max(0, size - TAIL))
        tail = fh.read()
    fmt = image_format(head)
    if fmt is None:
        raise InputError(f'{path}: not a PNG, JPEG, BMP, TIFF or WebP {what} (unrecognised '
                         'content)')
    end = next(marker for name, _, marker in SIGNATURES if name == fmt)
    if fmt == 'WEBP' and int.from_bytes(head[4:8], 'little') + 8 > size:
        raise InputError(f'{path}: truncated {fmt} {what} (its end is missing)')
    # no end marker near the end: truncated, or data appended after the image (phones append
    # motion-photo videos to JPEGs); only decoding the whole image tells them apart
    suspect = end is not None and end not in tail
    try:
        with Image.open(path) as im:
            if suspect:
                im.load()
            return im.height, im.width
    except OSError as err:
        if suspect:
            raise InputError(f'{path}: truncated {fmt} {what} (its end is missing: {err})'
                             ) from None
        raise InputError(f'{path}: not a readable {what} ({type(err).__name__}: {err})'
                         ) from None
    except Exception as err:  # noqa: BLE001  (Pillow raises several kinds on bad headers)
        raise InputError(f'{path}: not a readable {what} ({type(err).__name__}: {err})'
                         ) from None
