"""Convert a released ESPNetv2 segmentation checkpoint (Mehta et al., EdgeNets model zoo) to
anomseg's mmseg model (``configs/espnetv2/``): ``ESPNetV2`` encoder plus ``ESPNetV2Head``.

    python tools/model_converters/espnetv2_2mmseg.py SRC.pth DST.pth
"""
from mmseg.datasets import CityscapesDataset

from anomseg.utils.weight_conversion import converter_main, espnetv2_edgenets_to_mmseg

if __name__ == '__main__':
    converter_main(__doc__, espnetv2_edgenets_to_mmseg, 'ESPNetv2 keys (base_net.*, bu_dec_l*)',
                   "the EdgeNets state dict ('base_net.*', 'bu_dec_l1.*', ...)",
                   dataset_meta=CityscapesDataset.METAINFO)
