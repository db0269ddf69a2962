import os

import cv2
import numpy as np
import pytest

from anomseg.apis import open_frames


def write_video(path, frames, fps=5):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()


def test_image_folder_glob_and_video(tmp_path):
    rng = np.random.default_rng(0)
    for name in ('b.png', 'a.jpg', 'notes.txt'):
        if name.endswith('txt'):
            (tmp_path / name).write_text('x')
        else:
            cv2.imwrite(str(tmp_path / name), rng.integers(0, 255, (8, 10, 3), np.uint8))
    folder = open_frames(str(tmp_path))
    assert not folder.is_video and folder.count == 2
    assert [n for n, _ in folder.frames()] == ['a', 'b']
    single = open_frames(str(tmp_path / 'b.png'))
    assert single.count == 1 and next(single.frames())[1].shape == (8, 10, 3)
    assert open_frames(str(tmp_path / '*.png')).count == 1
    write_video(tmp_path / 'clip.mp4', [np.full((16, 24, 3), 40 * i, np.uint8) for i in range(4)])
    video = open_frames(str(tmp_path / 'clip.mp4'))
    assert video.is_video and video.count == 4 and video.fps == 5
    names = [n for n, f in video.frames()]
    assert names == [f'clip_{i:06d}' for i in range(4)]


def test_errors_name_the_source(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing_here'):
        open_frames(str(tmp_path / 'nothing_here'))
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(FileNotFoundError, match='holds no image'):
        open_frames(str(tmp_path / 'empty'))
    (tmp_path / 'notes.txt').write_text('x')
    with pytest.raises(ValueError, match='notes.txt'):
        open_frames(str(tmp_path / 'notes.txt'))
    (tmp_path / 'broken.mp4').write_bytes(b'not a video')
    with pytest.raises(ValueError, match='broken.mp4'):
        open_frames(str(tmp_path / 'broken.mp4'))
    for sub in ('x', 'y'):
        os.makedirs(tmp_path / sub)
        cv2.imwrite(str(tmp_path / sub / 'same.png'), np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match='same'):
        open_frames(str(tmp_path / '*' / 'same.png'))
