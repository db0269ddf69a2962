"""Key converters from other libraries' state dicts to mmseg module names."""
import io
import re
from collections import OrderedDict

import torch

from .checkpoint import load_checkpoint_file
from .errors import InputError
from .io import write_bytes_atomic

# Blocks per stage of MobileNetV2 (Sandler et al., CVPR 2018, Table 2), as mmseg builds them.
MOBILENET_V2_BLOCKS = (1, 2, 3, 4, 3, 3, 1)


def mobilenet_v2_torchvision_to_mmseg(state_dict):
    """Rename torchvision MobileNetV2 keys to those of ``mmseg.models.backbones.MobileNetV2``.

    torchvision: ``features.0`` stem, ``features.1..17`` inverted residual blocks, ``features.18``
    (1x1 conv to 1280) and ``classifier``; each block is ``conv.{i}.{0,1}`` (conv, bn) pairs
    followed by a bare linear conv ``conv.{n}`` and its bn ``conv.{n+1}``.
    mmseg: ``conv1`` stem, ``layer{s}.{b}`` blocks, every conv a ConvModule ``conv.{i}.{conv,bn}``.
    mmseg's backbone stops at the 320-channel stage, so ``features.18`` and ``classifier`` have no
    counterpart. Returns (converted state dict, keys left out).
    """
    stage_of = {}
    block = 1
    for stage, count in enumerate(MOBILENET_V2_BLOCKS, 1):
        for index in range(count):
            stage_of[block] = f'layer{stage}.{index}'
            block += 1
    converted, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        match = re.fullmatch(r'features\.(\d+)\.(.+)', key)
        if match is None:
            dropped.append(key)
            continue
        feature, rest = int(match.group(1)), match.group(2)
        if feature == 0:
            module, param = rest.split('.', 1)
            converted[f'conv1.{("conv", "bn")[int(module)]}.{param}'] = value
            continue
        if feature not in stage_of:
            dropped.append(key)
            continue
        pair = re.fullmatch(r'conv\.(\d+)\.([01])\.(.+)', rest)
        if pair:
            index, part, param = pair.groups()
            name = f'conv.{index}.{("conv", "bn")[int(part)]}.{param}'
        else:
            index, param = re.fullmatch(r'conv\.(\d+)\.(.+)', rest).groups()
            index = int(index)
            # the bare linear conv is followed by its bn: both form the last ConvModule
            last = index if param == 'weight' and value.dim() == 4 else index - 1
            name = f'conv.{last}.{"conv" if last == index else "bn"}.{param}'
        converted[f'{stage_of[feature]}.{name}'] = value
    return converted, dropped


# The released ERFNet's non_bottleneck_1d members -> positions in mmseg's NonBottleneck1d
# ``convs_layers``: [conv3x1, relu, conv1x3, bn, relu, conv3x1 (dilated), relu, conv1x3, bn,
# dropout] (the relu modules hold no weights).
ERFNET_NON_BOTTLENECK = dict(conv3x1_1=0, conv1x3_1=2, bn1=3, conv3x1_2=5, conv1x3_2=7, bn2=8)


ESPNETV2_DECODER = ('bu_dec_l1', 'bu_dec_l2', 'bu_dec_l3', 'bu_dec_l4', 'merge_enc_dec_l2',
                    'merge_enc_dec_l3', 'merge_enc_dec_l4', 'bu_br_l2', 'bu_br_l3', 'bu_br_l4')


def erfnet_original_to_mmseg(state_dict):
    """Rename the released ERFNet's keys (Romera et al., ``erfnet_pytorch``: ``encoder.*``,
    ``decoder.*``) to mmseg's ``ERFNet`` backbone plus anomseg's ``ERFNetHead``.

    ``encoder.initial_block`` -> ``backbone.encoder.0``; ``encoder.layers.i`` ->
    ``backbone.encoder.{i+1}``; ``decoder.layers.j`` -> ``backbone.decoder.j``;
    ``decoder.output_conv`` -> ``decode_head.conv_seg``. Downsampler and upsampler blocks keep
    their ``conv`` / ``bn`` names; non-bottleneck blocks map by ``ERFNET_NON_BOTTLENECK``.
    ``encoder.output_conv`` (the classifier of the encoder-only pretraining stage, unused when the
    decoder runs) has no counterpart. Returns (converted state dict, keys left out).
    """
    converted, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        key = key[len('module.'):] if key.startswith('module.') else key  # DataParallel saves
        if key.startswith('encoder.initial_block.'):
            converted['backbone.encoder.0.' + key[len('encoder.initial_block.'):]] = value
            continue
        if key.startswith('decoder.output_conv.'):
            converted['decode_head.conv_seg.' + key[len('decoder.output_conv.'):]] = value
            continue
        match = re.fullmatch(r'(encoder|decoder)\.layers\.(\d+)\.(\w+)\.(\w+)', key)
        if match is None:
            dropped.append(key)
            continue
        part, index, member, param = match.groups()
        index = int(index) + (part == 'encoder')
        if member in ERFNET_NON_BOTTLENECK:
            member = f'convs_layers.{ERFNET_NON_BOTTLENECK[member]}'
        converted[f'backbone.{part}.{index}.{member}.{param}'] = value
    return converted, dropped


def espnetv2_edgenets_to_mmseg(state_dict):
    """Rename the EdgeNets ESPNetv2 segmentation keys (Mehta et al.): ``base_net.*`` (the
    encoder) -> ``backbone.*`` (anomseg's ``ESPNetV2``, same module names), every decoder key ->
    ``decode_head.*`` (``ESPNetV2Head``, same names). Returns (converted, keys left out)."""
    converted, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        key = key[len('module.'):] if key.startswith('module.') else key
        if key.startswith('base_net.'):
            if key.startswith(('base_net.level5', 'base_net.classifier')):
                dropped.append(key)  # the ImageNet stage the segmentation network drops
                continue
            converted['backbone.' + key[len('base_net.'):]] = value
        elif key.split('.', 1)[0] in ESPNETV2_DECODER:
            converted['decode_head.' + key] = value
        else:
            dropped.append(key)
    return converted, dropped


# The released EfficientViT-Seg classifier (``head.output_ops.0.op_list.1.conv``), mmseg's
# ``conv_seg`` in ``EfficientViTSegHead``.
EFFICIENTVIT_CLASSIFIER = 'head.output_ops.0.op_list.1.conv.'


def efficientvit_seg_to_mmseg(state_dict):
    """Rename the released EfficientViT-Seg keys (Cai et al., mit-han-lab/efficientvit):
    ``backbone.*`` -> ``backbone.*`` (anomseg's ``EfficientViT``, same module names), the
    classifier -> ``decode_head.conv_seg.*``, every other ``head.*`` -> ``decode_head.*``
    (``EfficientViTSegHead``, same names). Returns (converted, keys left out)."""
    converted, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        key = key[len('module.'):] if key.startswith('module.') else key
        if key.startswith(EFFICIENTVIT_CLASSIFIER):
            converted['decode_head.conv_seg.' + key[len(EFFICIENTVIT_CLASSIFIER):]] = value
        elif key.startswith('backbone.'):
            converted[key] = value
        elif key.startswith('head.'):
            converted['decode_head.' + key[len('head.'):]] = value
        else:
            dropped.append(key)
    return converted, dropped


def convert_checkpoint_file(src, dst, convert, expected, dataset_meta=None):
    """Read the state dict in ``src``, rename its keys with ``convert`` (a function returning
    (converted, left out)) and write ``{'state_dict': converted}`` to ``dst`` atomically, with
    ``meta.dataset_meta`` (the classes and palette ``mmseg.apis.init_model`` reads) for a whole
    segmentation model. ``expected`` says which keys ``src`` should hold, for the error when none
    converts. Returns (number of tensors written, keys left out)."""
    state = load_checkpoint_file(src, map_location='cpu')
    converted, dropped = convert(state.get('state_dict', state))
    if not converted:
        raise InputError(f'{src} holds no {expected}')
    buf = io.BytesIO()
    checkpoint = {'state_dict': converted}
    if dataset_meta is not None:
        checkpoint['meta'] = {'dataset_meta': dict(dataset_meta)}
    torch.save(checkpoint, buf)
    write_bytes_atomic(dst, buf.getvalue())
    return len(converted), dropped


def converter_main(doc, convert, expected, src_help, missing_hint='', argv=None,
                   dataset_meta=None):
    """The command line of ``tools/model_converters/*``: ``SRC DST``; errors exit with one line
    naming the file. ``doc`` is the tool's docstring, ``missing_hint`` what to do when SRC is
    absent, ``dataset_meta`` as in ``convert_checkpoint_file``."""
    import argparse
    import sys
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument('src', help=src_help)
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args(argv)
    try:
        count, dropped = convert_checkpoint_file(args.src, args.dst, convert, expected,
                                                 dataset_meta)
    except FileNotFoundError:
        sys.exit(f'error: {args.src} does not exist{missing_hint}')
    except ValueError as err:
        sys.exit(f'error: {err}')
    left = sorted({k.rsplit('.', 1)[0] for k in dropped})
    print(f'{args.dst}: {count} tensors; left out: {", ".join(left) or "none"}')
