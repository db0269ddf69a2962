import glob
import os.path as osp

from mmseg.registry import DATASETS

from anomseg.utils.errors import InputError
from .anomaly_frames import ListedAnomalyDataset

IMAGE_SUFFIXES = ('.png', '.webp', '.jpg')

# LostAndFound labelIds: 0 unlabelled (void), 1 free road (inlier), 2..200 obstacles (anomaly);
# SegmentMeIfYouCan counts only the road as inlier, everything else unlabelled is void.
LAF_ANOMALY_LABEL_MAP = {i: 255 if i == 0 or i > 200 else (0 if i == 1 else 1) for i in range(256)}


def find_laf_frames(laf_root, split):
    """{frame id: image path} of ``leftImg8bit/{split}/*/*_leftImg8bit.{png,webp,jpg}``."""
    frames = {}
    for suffix in IMAGE_SUFFIXES:
        for path in glob.glob(osp.join(laf_root, 'leftImg8bit', split, '*',
                                       f'*_leftImg8bit{suffix}')):
            frames.setdefault(osp.basename(path)[:-len('_leftImg8bit') - len(suffix)], path)
    return frames


@DATASETS.register_module()
class LostAndFoundDataset(ListedAnomalyDataset):
    """LostAndFound (Pinggera et al., IROS 2016) in its official layout, as SegmentMeIfYouCan
    evaluates it: ``leftImg8bit/{split}/{scene}/{id}_leftImg8bit.png`` with
    ``gtCoarse/{split}/{scene}/{id}_gtCoarse_labelIds.png``.

    Frames are sorted by id; those whose labels are empty (SMIYC's list of positions in the full
    split) are dropped, and with ``no_known=True`` (LostAndFound-NoKnown) also the scenes that
    show known classes (children, bicycles): 1043 test frames remain.
    """
    SPLIT_SIZES = dict(train=1036, test=1203)
    EMPTY_LABEL_POSITIONS = dict(
        train=(44, 67, 88, 109, 131, 614),
        test=(17, 37, 55, 72, 91, 110, 129, 153, 174, 197, 218, 353, 490, 618, 686, 792, 793))
    KNOWN_OBJECT_PREFIXES = ('15_Rechbergstr_Deckenpfronn', '01_Hanns_Klemm_Str_45_000006',
                             '01_Hanns_Klemm_Str_45_000007', '10_Schlossberg_9_000004')

    def __init__(self, data_root, split='test', no_known=True, **kwargs):
        if split not in self.SPLIT_SIZES:
            raise InputError(f'split must be one of {list(self.SPLIT_SIZES)}, got {split!r}')
        self.split, self.no_known = split, no_known
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self):
        frames = find_laf_frames(self.data_root, self.split)
        expected = self.SPLIT_SIZES[self.split]
        if len(frames) != expected:
            raise FileNotFoundError(
                f'{osp.join(self.data_root, "leftImg8bit", self.split)}: found {len(frames)} '
                f'frames, LostAndFound {self.split} has {expected} (the official exclusions '
                'refer to positions in the complete split)')
        ids = sorted(frames)
        empty = set(self.EMPTY_LABEL_POSITIONS[self.split])
        ids = [fid for i, fid in enumerate(ids) if i not in empty]
        if self.no_known:
            ids = [fid for fid in ids if not fid.startswith(self.KNOWN_OBJECT_PREFIXES)]
        data_list, missing = [], []
        for fid in ids:
            scene = osp.basename(osp.dirname(frames[fid]))
            label = osp.join(self.data_root, 'gtCoarse', self.split, scene,
                             f'{fid}_gtCoarse_labelIds.png')
            if not osp.isfile(label):
                missing.append(label)
            data_list.append(self.frame_info(frames[fid], label,
                                             anomaly_label_map=LAF_ANOMALY_LABEL_MAP))
        if missing:
            raise FileNotFoundError(f'{len(missing)} label files are missing, e.g. {missing[:3]}')
        return data_list


@DATASETS.register_module()
class FishyscapesLAFDataset(ListedAnomalyDataset):
    """Fishyscapes Lost & Found (Blum et al., IJCV 2021): its labels ``data_root/{id}_labels.png``
    (0 inlier, 1 anomaly, 255 void) over the LostAndFound images found under ``laf_root``
    (``leftImg8bit/{laf_split}/*/{id}_leftImg8bit.png``)."""

    def __init__(self, data_root, laf_root, laf_split='train', **kwargs):
        self.laf_root, self.laf_split = laf_root, laf_split
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self):
        labels = sorted(glob.glob(osp.join(self.data_root, '*_labels.png')))
        if not labels:
            raise FileNotFoundError(f'{self.data_root}: no *_labels.png (Fishyscapes L&F labels)')
        frames = find_laf_frames(self.laf_root, self.laf_split)
        data_list, missing = [], []
        for label in labels:
            fid = osp.basename(label)[:-len('_labels.png')]
            if fid not in frames:
                missing.append(fid)
            data_list.append(self.frame_info(frames.get(fid), label))
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} Fishyscapes L&F frames have no LostAndFound image under '
                f'{osp.join(self.laf_root, "leftImg8bit", self.laf_split)}, e.g. {missing[:3]}')
        return data_list
