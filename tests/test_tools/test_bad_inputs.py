"""The bad-input matrix: every entry point a user runs, fed each kind of damaged input.

Expected of every error cell: exit code 2, the last stderr line ``PROG: error: ...`` naming the
file or folder at fault, no traceback, no output left behind (training and testing may leave their
log folder and config dump, never a checkpoint, metrics or report), and the input tree byte-
identical (hashed before and after). The one success cell (paths with spaces and non-ASCII
characters) must run to the end. Each entry point runs as its own process (``tests.forkserver``).
With ANOMSEG_RELIABILITY_LOG set, each cell appends its outcome there;
``tools/misc/reliability_doc.py`` runs this module so and writes docs/reliability.md from it.
"""
import glob
import hashlib
import json
import os
import os.path as osp
import re
import shutil
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO
from tests.reliability import record
from tests.test_tools.test_train_test import FAST, SYNTHROAD_CFG, synthroad_options

ENTRIES = ('train.py', 'test.py', 'test.py --benchmark', 'infer.py', 'eval_scores.py',
           'submit.py smiyc', 'submit.py oodis', 'anomaly_benchmarks.py', 'cityscapes.py',
           'emidec.py convert', 'emidec.py split', 'msd.py', 'ood_bank.py coco',
           'ood_bank.py ade20k', 'synthroad.py')
CASES = ('corrupt image', 'truncated image', 'zero-byte file', 'unsupported extension',
         'image/label size mismatch', 'label values outside the spec', 'damaged score file',
         'scores NaN or inf', 'scores of wrong shape', 'scores of wrong dtype',
         'missing input folder', 'empty input folder', 'output inside the input',
         'output not writable', 'spaces and non-ASCII in paths', 'undecodable video')
OK_CASE = 'spaces and non-ASCII in paths'
# what a run that fails inside the runner may not leave (its log folder and config dump may stay)
RESULTS = re.compile(r'(\.pth$|(^|/)metrics\.json$|(^|/)last_checkpoint$|(^|/)report/)')


@dataclass
class Setup:
    """One entry point's valid inputs under a cell's folder. ``argv`` holds OUT where the output
    path goes; ``folder`` is the input folder the folder cases replace in ``argv``; the other
    fields name the files the damage cases hit (None: the case does not apply)."""
    argv: list
    out: str
    inputs: list
    folder: str = None
    image: str = None
    label: str = None
    label_bad: int = None           # a label value outside the entry's spec
    scores: str = None
    unsupported: object = None      # callable(setup) -> the name the error must mention
    video: bool = False
    logs: bool = False              # a run that fails inside the runner keeps its log folder
    extra: dict = field(default_factory=dict)


def write_png(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), array)


def write_gif(path, shape=(64, 128)):
    Image.fromarray(np.zeros(shape, np.uint8)).save(path, format='GIF')


def road_anomaly(dst, synthroad):
    """The SynthRoad anomaly frames in RoadAnomaly's official layout (JPEG, labels 0 / 2)."""
    names = []
    for img in sorted(glob.glob(osp.join(synthroad, 'anomaly', 'images', '*.png'))):
        stem = osp.splitext(osp.basename(img))[0]
        label = cv2.imread(osp.join(synthroad, 'anomaly', 'labels_masks',
                                    f'{stem}_labels_semantic.png'), cv2.IMREAD_UNCHANGED)
        write_png(osp.join(dst, 'frames', f'{stem}.jpg'), cv2.imread(img))
        write_png(osp.join(dst, 'frames', f'{stem}.labels', 'labels_semantic.png'),
                  np.where(label == 1, 2, 0).astype(np.uint8))
        names.append(f'{stem}.jpg')
    with open(osp.join(dst, 'frame_list.json'), 'w') as fh:
        json.dump(names, fh)
    return dst


def config_as_txt(setup):
    path = osp.join(osp.dirname(setup.inputs[0]), 'config.txt')
    shutil.copyfile(osp.join(REPO, SYNTHROAD_CFG), path)
    setup.argv[setup.argv.index(SYNTHROAD_CFG)] = path
    return 'config.txt'


def frames_as_gif(setup):
    """The folder's frames stored as GIF (no reader of ours takes GIF)."""
    for path in glob.glob(osp.join(setup.folder, '*.png')):
        write_gif(osp.splitext(path)[0] + '.gif')
        os.remove(path)
    return setup.folder


def listed_frame_as_gif(setup):
    """RoadAnomaly's frame_list names a GIF frame."""
    ra = setup.folder
    gif = setup.image[:-4] + '.gif'
    write_gif(gif)
    os.remove(setup.image)
    with open(osp.join(ra, 'frame_list.json')) as fh:
        names = json.load(fh)
    with open(osp.join(ra, 'frame_list.json'), 'w') as fh:
        json.dump([osp.basename(gif) if n == osp.basename(setup.image) else n for n in names],
                  fh)
    return osp.basename(gif)


def build(entry, root, assets):
    """The valid inputs of ``entry`` under ``root``."""
    out = osp.join(root, 'outs', 'out')
    sr, ckpt = assets['synthroad'], assets['checkpoint']
    if entry == 'train.py':
        data = shutil.copytree(sr, osp.join(root, 'data'))
        first = 'synthroad_train_000000'
        return Setup(['tools/train.py', SYNTHROAD_CFG, '--work-dir', 'OUT', '--cfg-options',
                      *FAST, *synthroad_options(data)], out, [data], folder=data,
                     image=osp.join(data, 'leftImg8bit', 'train', 'synthroad',
                                    f'{first}_leftImg8bit.png'),
                     label=osp.join(data, 'gtFine', 'train', 'synthroad',
                                    f'{first}_gtFine_labelTrainIds.png'),
                     label_bad=200, unsupported=config_as_txt, logs=True)
    if entry == 'test.py':
        data = shutil.copytree(sr, osp.join(root, 'data'))
        return Setup(['tools/test.py', SYNTHROAD_CFG, ckpt, '--work-dir', 'OUT',
                      '--cfg-options', *FAST, *synthroad_options(data)], out, [data],
                     folder=osp.join(data, 'anomaly'),
                     image=osp.join(data, 'anomaly', 'images', 'anomaly_0000.png'),
                     label=osp.join(data, 'anomaly', 'labels_masks',
                                    'anomaly_0000_labels_semantic.png'),
                     label_bad=7, unsupported=config_as_txt, logs=True)
    if entry in ('test.py --benchmark', 'eval_scores.py', 'anomaly_benchmarks.py'):
        ra = road_anomaly(osp.join(root, 'RoadAnomaly'), sr)
        image = osp.join(ra, 'frames', 'anomaly_0000.jpg')
        label = osp.join(ra, 'frames', 'anomaly_0000.labels', 'labels_semantic.png')
        if entry == 'test.py --benchmark':
            return Setup(['tools/test.py', SYNTHROAD_CFG, ckpt, '--work-dir', 'OUT',
                          '--benchmark', 'RoadAnomaly', '--benchmark-root', ra,
                          '--cfg-options', *FAST], out, [ra], folder=ra, image=image,
                         label=label, label_bad=5, unsupported=listed_frame_as_gif, logs=True)
        if entry == 'anomaly_benchmarks.py':
            return Setup(['data_prep/anomaly_benchmarks.py', '--dataset', 'RoadAnomaly', '--src',
                          ra, '--dst', 'OUT'], out, [ra], folder=ra, image=image, label=label,
                         label_bad=5, unsupported=listed_frame_as_gif)
        scores = osp.join(root, 'scores')
        os.makedirs(scores)
        rng = np.random.default_rng(0)
        for name in json.load(open(osp.join(ra, 'frame_list.json'))):
            np.save(osp.join(scores, name[:-4] + '.npy'),
                    rng.random((64, 128), dtype=np.float32))

        def as_csv(setup):
            for path in glob.glob(osp.join(scores, '*.npy')):
                np.savetxt(path[:-4] + '.csv', np.load(path), delimiter=',')
                os.remove(path)
            return 'scores'

        return Setup(['tools/eval_scores.py', '--dataset', 'RoadAnomaly', '--data-root', ra,
                      '--scores', scores, '--out', 'OUT'], osp.join(out, 'results.json'),
                     [ra, scores], folder=scores, image=label, label=label, label_bad=5,
                     scores=osp.join(scores, 'anomaly_0000.npy'), unsupported=as_csv)
    if entry in ('infer.py', 'submit.py smiyc', 'submit.py oodis'):
        images = shutil.copytree(osp.join(sr, 'anomaly', 'images'), osp.join(root, 'images'))
        image = osp.join(images, 'anomaly_0000.png')
        if entry == 'infer.py':
            def gif_source(setup):
                write_gif(osp.join(root, 'clip.gif'))
                setup.argv[setup.argv.index(images)] = osp.join(root, 'clip.gif')
                return 'clip.gif'
            return Setup(['tools/infer.py', SYNTHROAD_CFG, ckpt, images, '--out-dir', 'OUT'],
                         out, [images], folder=images, image=image, unsupported=gif_source,
                         video=True)
        if entry == 'submit.py smiyc':
            argv = ['tools/submit.py', 'smiyc', SYNTHROAD_CFG, ckpt, '--images', images,
                    '--split', 'AnomalyTrack-all', '--method', 'm', '--out-dir', 'OUT',
                    '--partial']
        else:
            expected = osp.join(root, 'expected.txt')   # the official list's format
            with open(expected, 'w') as fh:
                fh.writelines(f'roadanomaly/anomaly_{i:04d}_instanceIds_pred.txt\n'
                              for i in range(3))
            argv = ['tools/submit.py', 'oodis', SYNTHROAD_CFG, ckpt, '--roadanomaly', images,
                    '--expected-files', expected, '--threshold', '0.5', '--out-dir', 'OUT']
        return Setup(argv, out, [images], folder=images, image=image, unsupported=frames_as_gif)
    if entry == 'cityscapes.py':
        src = osp.join(root, 'cityscapes')
        stem = osp.join('val', 'aachen', 'aachen_000000_000019')
        write_png(osp.join(src, 'leftImg8bit', stem + '_leftImg8bit.png'),
                  np.full((8, 16, 3), 90, np.uint8))
        write_png(osp.join(src, 'gtFine', stem + '_gtFine_labelIds.png'),
                  np.full((8, 16), 7, np.uint8))
        return Setup(['data_prep/cityscapes.py', '--src', src, '--dst', 'OUT'], out, [src],
                     folder=src, image=osp.join(src, 'leftImg8bit', stem + '_leftImg8bit.png'),
                     label=osp.join(src, 'gtFine', stem + '_gtFine_labelIds.png'), label_bad=40)
    if entry in ('emidec.py convert', 'emidec.py split'):
        from data_prep.emidec import convert
        from tests.test_data_prep.test_emidec import make_case
        src = osp.join(root, 'emidec')
        for i in range(3):
            make_case(pathlib_dir(src), f'Case_N{i:03d}', shape=(8, 8, 2), seed=i)
        case = osp.join(src, 'Case_N000')
        if entry == 'emidec.py convert':
            return Setup(['data_prep/emidec.py', 'convert', '--src', src, '--out', 'OUT',
                          '--size', '8'], out, [src], folder=src,
                         image=osp.join(case, 'Images', 'Case_N000.nii.gz'),
                         label=osp.join(case, 'Contours', 'Case_N000.nii.gz'), label_bad=7)
        slices = osp.join(root, 'slices')
        convert(src, slices, size=8)
        return Setup(['data_prep/emidec.py', 'split', '--root', slices, '--out', 'OUT'], out,
                     [slices], folder=slices,
                     image=sorted(glob.glob(osp.join(slices, 'slices', '*.png')))[0],
                     label=sorted(glob.glob(osp.join(slices, 'slicesannot', '*.png')))[0],
                     label_bad=9)
    if entry == 'msd.py':
        import nibabel as nib
        task = osp.join(root, 'Task03_Liver')
        training = []
        for i, case in enumerate(('liver_0', 'liver_1', 'liver_2')):
            rng = np.random.default_rng(i)
            labels = np.zeros((24, 24, 3), np.uint8)
            labels[4:20, 4:20] = 1
            labels[8:12, 8:12] = 2
            for kind, data in (('imagesTr', rng.normal(0, 100, labels.shape).astype(np.float32)),
                               ('labelsTr', labels)):
                os.makedirs(osp.join(task, kind), exist_ok=True)
                nib.save(nib.Nifti1Image(data, np.eye(4)), osp.join(task, kind, case + '.nii.gz'))
            training.append(dict(image=f'./imagesTr/{case}.nii.gz',
                                 label=f'./labelsTr/{case}.nii.gz'))
        with open(osp.join(task, 'dataset.json'), 'w') as fh:
            json.dump(dict(name='Liver', training=training), fh)
        return Setup(['data_prep/msd.py', '--task', task, '--out', 'OUT', '--inlier', '1:1',
                      '--anomaly', '2', '--classes', 'background', 'liver', '--roi', 'all',
                      '--fractions', '0.34', '0.33', '0.33'], out, [task], folder=task,
                     image=osp.join(task, 'imagesTr', 'liver_0.nii.gz'),
                     label=osp.join(task, 'labelsTr', 'liver_0.nii.gz'), label_bad=7)
    if entry == 'ood_bank.py coco':
        from tests.test_data_prep.test_ood_bank import make_coco
        base = pathlib_dir(osp.join(root, 'coco'))
        make_coco(base)
        images, ann = osp.join(base, 'images'), osp.join(base, 'ann.json')

        def listed_as_gif(setup):
            write_gif(osp.join(images, 'b.gif'), (60, 80))
            os.remove(osp.join(images, 'b.png'))
            coco = json.load(open(ann))
            for im in coco['images']:
                im['file_name'] = im['file_name'].replace('b.png', 'b.gif')
            with open(ann, 'w') as fh:
                json.dump(coco, fh)
            return 'b.gif'

        return Setup(['data_prep/ood_bank.py', 'coco', '--out', 'OUT', '--ann', ann,
                      '--images', images, '--min-area', '100'], out, [base], folder=images,
                     image=osp.join(images, 'b.png'), unsupported=listed_as_gif,
                     extra=dict(size_file=osp.join(images, 'b.png')))
    if entry == 'ood_bank.py ade20k':
        ade = osp.join(root, 'ade')
        scene = osp.join(ade, 'images', 'training', 'street')
        seg = np.zeros((40, 50, 3), np.uint8)
        seg[5:25, 5:25, 2], seg[5:25, 5:25, 1], seg[5:25, 5:25, 0] = 10, 300 % 256, 1
        write_png(osp.join(scene, 'x_seg.png'), seg)
        write_png(osp.join(scene, 'x.jpg'), np.full((40, 50, 3), 128, np.uint8))
        return Setup(['data_prep/ood_bank.py', 'ade20k', '--out', 'OUT', '--root', ade,
                      '--classes', '300', '--min-area', '50'], out, [ade], folder=ade,
                     image=osp.join(scene, 'x.jpg'), label=osp.join(scene, 'x_seg.png'))
    assert entry == 'synthroad.py'
    return Setup(['data_prep/synthroad.py', '--out-dir', 'OUT', '--height', '32', '--width',
                  '64', '--num-train', '1', '--num-val', '1', '--num-anomaly', '1',
                  '--num-sequence', '1', '--workers', '1'], out, [])


def pathlib_dir(path):
    import pathlib
    os.makedirs(path, exist_ok=True)
    return pathlib.Path(path)


def unwritable_folder(root):
    """A folder this process cannot create anything in: read-only by mode, or, for root (whom
    modes do not stop), a place in /sys, where creating folders is refused."""
    if os.geteuid() != 0:
        folder = osp.join(root, 'read-only')
        os.makedirs(folder)
        os.chmod(folder, 0o500)
        return folder
    try:
        os.rmdir(__import__('tempfile').mkdtemp(dir='/sys'))
    except OSError:
        return '/sys'
    pytest.skip('no unwritable folder on this machine (root, and /sys accepts folders)')


def damage(setup, case, root):
    """Apply ``case`` to ``setup``; returns the text the error must contain, or the reason the
    case does not apply to this entry point (as ``('n/a', reason)``)."""
    if not setup.inputs and case not in ('output not writable', OK_CASE):
        return 'n/a', 'reads no input (renders its data)'
    if case in ('corrupt image', 'truncated image', 'zero-byte file'):
        if setup.image is None:
            return 'n/a', 'reads no image file'
        data = open(setup.image, 'rb').read()
        new = {'corrupt image': b'\x00not an image\x00' * 64,
               'truncated image': data[:len(data) // 2], 'zero-byte file': b''}[case]
        with open(setup.image, 'wb') as fh:
            fh.write(new)
        return osp.basename(setup.image)
    if case == 'unsupported extension':
        if setup.unsupported is None:
            return 'n/a', 'reads fixed file names of the official download'
        return setup.unsupported(setup)
    if case == 'image/label size mismatch':
        if setup.scores:
            np.save(setup.scores, np.zeros((32, 64), np.float32))
            return osp.basename(setup.scores)
        if 'size_file' in setup.extra:     # the image differs from the size its index gives
            write_png(setup.extra['size_file'], np.zeros((30, 40, 3), np.uint8))
            return osp.basename(setup.extra['size_file'])
        if setup.label is None:
            return 'n/a', 'reads no label'
        if setup.label.endswith('.nii.gz'):
            import nibabel as nib
            nib.save(nib.Nifti1Image(np.zeros((5, 5, 2), np.uint8), np.eye(4)), setup.label)
        else:
            img = cv2.imread(setup.label, cv2.IMREAD_UNCHANGED)
            write_png(setup.label, cv2.resize(img, (img.shape[1] // 2 + 1, img.shape[0] // 2),
                                              interpolation=cv2.INTER_NEAREST))
        return osp.basename(setup.label)
    if case == 'label values outside the spec':
        if setup.label_bad is None:
            return 'n/a', 'reads no label values with a fixed spec'
        if setup.label.endswith('.nii.gz'):
            import nibabel as nib
            vol = nib.load(setup.label)
            data = np.asarray(vol.dataobj).copy()
            data[0, 0, 0] = setup.label_bad
            nib.save(nib.Nifti1Image(data, vol.affine), setup.label)
        else:
            img = cv2.imread(setup.label, cv2.IMREAD_UNCHANGED)
            img[0, 0] = setup.label_bad
            write_png(setup.label, img)
        return osp.basename(setup.label)
    if case.startswith('scores') or case == 'damaged score file':
        if setup.scores is None:
            return 'n/a', 'reads no score map'
        base = np.load(setup.scores)
        if case == 'damaged score file':
            data = open(setup.scores, 'rb').read()
            with open(setup.scores, 'wb') as fh:
                fh.write(data[:len(data) // 2])
        elif case == 'scores NaN or inf':
            base[0, 0], base[1, 1] = np.nan, -np.inf
            np.save(setup.scores, base)
        elif case == 'scores of wrong shape':
            np.save(setup.scores, np.stack([base, base]))
        else:
            np.save(setup.scores, base.astype(np.complex64))
        return osp.basename(setup.scores)
    if case in ('missing input folder', 'empty input folder'):
        if setup.folder is None:
            return 'n/a', 'reads no input folder'
        new = osp.join(root, 'elsewhere')
        if case == 'empty input folder':
            os.makedirs(new)
        setup.argv = [a.replace(setup.folder, new) for a in setup.argv]
        setup.inputs = [new] if case == 'empty input folder' else []
        return new
    if case == 'output inside the input':
        if setup.folder is None:
            return 'n/a', 'reads no input folder'
        setup.out = osp.join(setup.folder, osp.basename(setup.out))
        return 'inside'
    if case == 'output not writable':
        setup.out = osp.join(unwritable_folder(root), 'anomseg-out', osp.basename(setup.out))
        return 'anomseg-out'
    if case == 'undecodable video':
        if not setup.video:
            return 'n/a', 'reads no video'
        video = osp.join(root, 'drive.mp4')
        with open(video, 'wb') as fh:
            fh.write(b'\x00\x00\x00\x18ftypmp42' + os.urandom(4096))
        setup.argv[setup.argv.index(setup.folder)] = video
        return 'drive.mp4'
    assert case == OK_CASE
    return None


def tree_digest(paths):
    digest = hashlib.sha256()
    for top in paths:
        for folder, dirs, files in sorted(os.walk(top)):
            dirs.sort()
            for name in sorted(files):
                path = osp.join(folder, name)
                digest.update(osp.relpath(path, top).encode())
                with open(path, 'rb') as fh:
                    digest.update(fh.read())
    return digest.hexdigest()


def leftovers(setup, root):
    """Files the failed run left in the output area, less allowed logs."""
    area = osp.join(root, 'outs')
    found = []
    for folder, _, files in os.walk(area):
        for name in files:
            rel = osp.relpath(osp.join(folder, name), area)
            if not setup.logs or RESULTS.search(rel):
                found.append(rel)
    return found


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('entry', ENTRIES)
def test_bad_input(entry, case, server, assets, tmp_path):
    root = str(tmp_path / ('dir with spaces ünïcödé' if case == OK_CASE else 'cell'))
    os.makedirs(root)
    setup = build(entry, root, assets)
    expected = damage(setup, case, root)
    if isinstance(expected, tuple):
        record(entry, case, f'n/a: {expected[1]}')
        return
    before = tree_digest(setup.inputs)
    argv = [a.replace('OUT', setup.out) if a == 'OUT' else a for a in setup.argv]
    rc, stdout, stderr = server.run(*argv)
    assert tree_digest(setup.inputs) == before, 'the input was modified'
    if case == OK_CASE:
        assert rc == 0, stdout[-2000:] + stderr[-3000:]
        assert osp.exists(setup.out)
        record(entry, case, 'runs')
        return
    lines = stderr.strip().splitlines()
    assert rc == 2 and lines, f'rc {rc}\n{stdout[-2000:]}\n{stderr[-3000:]}'
    prog = setup.argv[0].split('/')[-1]
    assert lines[-1].startswith(f'{prog}: error: '), stderr[-3000:]
    assert 'Traceback' not in stderr, stderr[-3000:]
    assert expected in lines[-1], lines[-1]
    assert not leftovers(setup, root), leftovers(setup, root)
    record(entry, case, 'error: ' + lines[-1].split(': error: ', 1)[1].replace(root, '…'))


def test_reliability_page_is_written_from_these_tests():
    """docs/reliability.md carries the digest of the reliability tests it was generated from
    and a cell for every entry point and case: run tools/misc/reliability_doc.py after changing
    them."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'reliability_doc', osp.join(REPO, 'tools', 'misc', 'reliability_doc.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(osp.join(REPO, 'docs', 'reliability.md'), encoding='utf-8') as fh:
        page = fh.read()
    assert f'Tests digest: `{module.tests_digest()}`' in page, \
        'docs/reliability.md is stale: python tools/misc/reliability_doc.py'
    rows = [line for line in page.splitlines() if line.startswith('| `')]
    assert [row.split('`')[1] for row in rows] == list(ENTRIES)
    assert all(row.count('|') == len(CASES) + 2 and '?' not in row for row in rows)
    assert '## Failing in this run' not in page
