"""Convert a released EfficientViT-Seg checkpoint (Cai et al., mit-han-lab/efficientvit) to
anomseg's mmseg model (``configs/efficientvit/``): ``EfficientViT`` backbone plus
``EfficientViTSegHead``.

    python tools/model_converters/efficientvit2mmseg.py SRC.pt DST.pth
"""
from mmseg.datasets import CityscapesDataset

from anomseg.utils.weight_conversion import converter_main, efficientvit_seg_to_mmseg

if __name__ == '__main__':
    converter_main(__doc__, efficientvit_seg_to_mmseg, 'EfficientViT-Seg keys (backbone.*, head.*)',
                   "the released state dict ('backbone.input_stem.*', 'head.*', ...)",
                   dataset_meta=CityscapesDataset.METAINFO)
