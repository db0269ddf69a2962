import os
import os.path as osp

from mmseg.registry import DATASETS

from anomseg.utils.errors import InputError
from .anomaly_frames import ListedAnomalyDataset

BUNDLE_IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.webp')
BUNDLE_LAYOUT = ('the validation bundle: images/N.{png,jpg,webp} with labels_masks/N.png '
                 '(or N_labels_semantic.png)')


def is_bundle_layout(root):
    """``images/`` and ``labels_masks/`` side by side, each with at least one file."""
    return all(osp.isdir(osp.join(root, d)) and os.listdir(osp.join(root, d))
               for d in ('images', 'labels_masks'))


@DATASETS.register_module()
class AnomalyBundleDataset(ListedAnomalyDataset):
    """The anomaly validation bundle that many course projects and papers distribute
    (``Validation_Dataset/{RoadAnomaly21, RoadObsticle21, FS_LostFound_full, fs_static,
    RoadAnomaly}``): ``images/N.{png,jpg,jpeg,webp}`` beside ``labels_masks/N.png`` (SMIYC's
    ``N_labels_semantic.png`` names are accepted too). Labels are 0 inlier, 1 anomaly, 255 void
    after ``anomaly_label_map`` (e.g. ``{2: 1}`` for RoadAnomaly, whose anomaly id is 2 in the
    official files). A label without its image is an error naming it, before any frame is read;
    an image without its label is listed with the label it should have (``labels_masks/N.png``),
    so that the loading step names it beside every other bad file."""

    def __init__(self, anomaly_label_map=None, **kwargs):
        self.anomaly_label_map = dict(anomaly_label_map or {})
        super().__init__(**kwargs)

    def load_data_list(self):
        root = self.data_root
        if not is_bundle_layout(root):
            raise FileNotFoundError(f'{root}: not {BUNDLE_LAYOUT}')
        images, others = {}, []
        for name in sorted(os.listdir(osp.join(root, 'images'))):
            stem, ext = osp.splitext(name)
            if ext.lower() not in BUNDLE_IMAGE_SUFFIXES:
                others.append(name)
            elif stem in images:
                raise InputError(f'{osp.join(root, "images")}: two images of frame {stem!r} '
                                 f'({osp.basename(images[stem])}, {name})')
            else:
                images[stem] = osp.join(root, 'images', name)
        labels = {}
        for name in sorted(os.listdir(osp.join(root, 'labels_masks'))):
            stem, ext = osp.splitext(name)
            if ext.lower() != '.png' or stem.endswith(('_instanceIds', '_labels_color')):
                continue
            labels[stem[:-len('_labels_semantic')] if stem.endswith('_labels_semantic')
                   else stem] = osp.join(root, 'labels_masks', name)
        orphans = sorted(set(labels) - set(images))
        if orphans or not images:
            raise FileNotFoundError(
                f'{root}: {len(images)} images ({", ".join(BUNDLE_IMAGE_SUFFIXES)}), '
                f'{len(labels)} labels; labels without image: {orphans[:3]}'
                + (f', other files in images/: {others[:3]}' if others else ''))
        expected = osp.join(root, 'labels_masks', '{}.png')
        return [self.frame_info(images[stem], labels.get(stem, expected.format(stem)),
                                anomaly_label_map=self.anomaly_label_map)
                for stem in sorted(images)]
