"""Convert the released ERFNet checkpoint (Romera et al., ``erfnet_pytorch``) to anomseg's
mmseg model (``configs/erfnet/``): mmseg's ERFNet backbone plus ``ERFNetHead``.

    python tools/model_converters/erfnet2mmseg.py SRC.pth DST.pth

Every tensor of the released network maps to one tensor of the mmseg model; the encoder-only
classifier (``encoder.output_conv``, unused when the decoder runs) is left out and reported.
"""
from mmseg.datasets import CityscapesDataset

from anomseg.utils.weight_conversion import converter_main, erfnet_original_to_mmseg

if __name__ == '__main__':
    converter_main(__doc__, erfnet_original_to_mmseg, 'ERFNet keys (encoder.*, decoder.*)',
                   "the released state dict ('encoder.*', 'decoder.*')",
                   dataset_meta=CityscapesDataset.METAINFO)
