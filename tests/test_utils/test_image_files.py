import struct
import zlib

import cv2
import numpy as np
import pytest

from anomseg.utils.image_files import check_image_file


def png_chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data +
            struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def bomb_png(path, side):
    """A valid 1-bit PNG of side x side black pixels: a few kB on disk, side**2 bytes once
    decoded to 8 bits."""
    row = b'\x00' + b'\x00' * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b''.join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack('>IIBBBBB', side, side, 1, 0, 0, 0, 0)
    with open(path, 'wb') as fh:
        fh.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', data) +
                 png_chunk(b'IEND', b''))


@pytest.mark.parametrize('ext', ['.png', '.jpg', '.bmp', '.tif', '.webp'])
def test_whole_images_pass_with_their_size(tmp_path, ext):
    path = str(tmp_path / f'a{ext}')
    assert cv2.imwrite(path, np.full((7, 11, 3), 90, np.uint8))
    assert check_image_file(path) == (7, 11)


def test_damaged_and_crafted_files_are_named(tmp_path):
    path = tmp_path / 'a.jpg'
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 255, (40, 60, 3), np.uint8))
    data = path.read_bytes()
    cases = {'cut.jpg': (data[:len(data) - 50], 'truncated JPEG'),
             'empty.png': (b'', 'empty image file'),
             'text.png': (b'hello, not an image', 'not a PNG, JPEG'),
             'anim.gif': (b'GIF89a' + bytes(40), 'not a PNG, JPEG')}
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=f'{name}: {message}'):
            check_image_file(str(tmp_path / name))
    with pytest.raises(FileNotFoundError, match='nothing.png: no such image file'):
        check_image_file(str(tmp_path / 'nothing.png'))


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    """A 20000 x 20000 PNG of a few kB (400 MB decoded) is refused before any decoding."""
    bomb = tmp_path / 'bomb.png'
    bomb_png(bomb, 20000)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ValueError, match='bomb.png: not a readable image.*DecompressionBomb'):
        check_image_file(str(bomb))


def test_data_appended_after_the_image_is_not_truncation(tmp_path):
    """Phones append a motion-photo video after a JPEG's end marker: a whole image, accepted;
    the same file cut inside the image stays refused."""
    path = tmp_path / 'phone.jpg'
    cv2.imwrite(str(path), np.random.default_rng(0).integers(0, 255, (40, 60, 3), np.uint8))
    whole = path.read_bytes()
    path.write_bytes(whole + b'\x00\x00\x00\x18ftypmp42' + bytes(8000))
    assert check_image_file(str(path)) == (40, 60)
    png = tmp_path / 'extra.png'
    cv2.imwrite(str(png), np.zeros((5, 7), np.uint8))
    png.write_bytes(png.read_bytes() + bytes(3000))
    assert check_image_file(str(png)) == (5, 7)
    path.write_bytes(whole[:len(whole) * 2 // 3])
    with pytest.raises(ValueError, match='phone.jpg: truncated JPEG image'):
        check_image_file(str(path))
