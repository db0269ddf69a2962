"""ONNX export of an anomaly segmentor, and inference with onnxruntime.

``export_onnx`` traces the whole test-time computation at one input size: mmseg's data
preprocessing (BGR to RGB, normalisation, padding), the network, every chosen scorer and the
postprocessing (crop, class prediction). The graph reads a uint8 BGR image (1, 3, H, W), as
OpenCV decodes it, and outputs ``sem_seg`` (H, W) int64 and one (H, W) float32 map per scorer,
named as the scorer. What ``tools/infer.py`` needs to draw (scorers, classes, palette, the
config's score range) travels in the model's metadata (``anomseg``, JSON).

Mask2Former exports as the per-pixel models do: its deformable attention is traced level by level
(``anomseg.ops.deform_attn``) into ONNX ``GridSample`` (opset 16 and later), and MaxQuery gathers
its inlier queries' maps (``NonZero``, ``Gather``) for one maximum instead of the data-dependent
loop it runs in PyTorch. The exporter is PyTorch's TorchScript-based one (``dynamo=False``): the
``torch.export`` one needs onnxscript and does not trace mmseg's data structures.
"""
import json
import os
import os.path as osp

import numpy as np
import torch
from mmseg.structures import SegDataSample

from anomseg.utils.checkpoint import file_sha256
from anomseg.utils.errors import InputError
from anomseg.utils.io import atomic_file
from anomseg.utils.optional import import_optional
from anomseg.version import __version__
from .inferencer import AnomalyInferencer, FrameInference

METADATA_KEY = 'anomseg'


class _TestStep(torch.nn.Module):
    """uint8 BGR image (1, 3, H, W) -> (sem_seg (H, W), map per scorer (H, W))."""

    def __init__(self, model, shape):
        super().__init__()
        self.model, self.shape = model, tuple(shape)

    def forward(self, image):
        sample = SegDataSample(metainfo=dict(ori_shape=self.shape, img_shape=self.shape))
        data = self.model.data_preprocessor(dict(inputs=[image[0]], data_samples=[sample]),
                                            False)
        # sizes as constants: traced from the padded tensor they would become graph values
        (height, width), (pad_h, pad_w) = self.shape, (int(v) for v in data['inputs'].shape[2:])
        padding = [0, pad_w - width, 0, pad_h - height]
        data['data_samples'][0].set_metainfo(dict(pad_shape=(pad_h, pad_w), padding_size=padding,
                                                  img_padding_size=padding))
        out = self.model.predict(data['inputs'], data['data_samples'])[0]
        return (out.pred_sem_seg.data[0],
                *(out.pred_anomaly.get(name)[0] for name in self.model.scorers))


def export_onnx(config, checkpoint, out, shape, scorer=None, opset=17, cfg_options=None):
    """Write ``out`` (atomically): the model of ``config`` + ``checkpoint`` for uint8 BGR
    images of ``shape`` (H, W), with the scorers of ``scorer`` (comma-separated; default the
    config's). Returns the metadata written."""
    onnx = import_optional('onnx', 'the ONNX export')  # torch's exporter needs it too
    height, width = (int(v) for v in shape)
    if height < 1 or width < 1:
        raise InputError(f'--shape must be two positive sizes, got {shape}')
    inferencer = AnomalyInferencer(config, checkpoint, scorer=scorer, cfg_options=cfg_options)
    model = inferencer.model
    meta = dict(version=__version__, config=osp.abspath(config),
                checkpoint=osp.basename(checkpoint), checkpoint_sha256=file_sha256(checkpoint),
                input_shape=[height, width], scorers=list(model.scorers),
                classes=list(inferencer.classes or []), palette=inferencer.palette.tolist(),
                score_range=list(inferencer.config_score_range or []) or None,
                score_range_scorer=inferencer.config_range_scorer,
                stacks_slices=inferencer.stacks_slices)
    image = torch.randint(0, 256, (1, 3, height, width), dtype=torch.uint8)
    with atomic_file(out, suffix='.onnx') as tmp:
        with torch.no_grad():
            torch.onnx.export(_TestStep(model, (height, width)).eval(), (image,), tmp,
                              input_names=['image'],
                              output_names=['sem_seg', *model.scorers], opset_version=opset,
                              dynamo=False)
        graph = onnx.load(tmp)
        decompose_channel_softmax(graph)
        graph.metadata_props.add(key=METADATA_KEY, value=json.dumps(meta))
        onnx.save(graph, tmp)
    return meta


def decompose_channel_softmax(model):
    """Rewrite, in place, every Softmax, LogSoftmax and ReduceLogSumExp over one axis that is
    not the last as max-subtracted elementwise operations and reductions over that axis:

        m = max_c x,   e = exp(x - m),   s = sum_c e
        softmax = e / s,   log_softmax = (x - m) - log s,   logsumexp = m + log s

    (the formulas PyTorch computes). onnxruntime's CPU kernels for these operators are slow
    away from the last axis, and the scorers run them over the classes of full-size maps
    (``tools/benchmark/onnx_speed.py --profile`` times each operator). Returns how many were
    rewritten."""
    from onnx import TensorProto, helper
    opset = next((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), 17)
    graph = model.graph
    nodes, count = [], 0
    for node in graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type in ('Softmax', 'LogSoftmax'):
            axes = [attrs.get('axis', -1)]
        elif node.op_type == 'ReduceLogSumExp' and len(node.input) == 1 and \
                len(attrs.get('axes', [])) == 1:
            axes = list(attrs['axes'])
        else:
            nodes.append(node)
            continue
        if axes[0] == -1:
            nodes.append(node)
            continue
        keep = attrs.get('keepdims', 1) if node.op_type == 'ReduceLogSumExp' else 1
        name = f'{node.name or node.output[0]}_decomposed'
        axes_name = f'{name}_axes'
        graph.initializer.append(helper.make_tensor(axes_name, TensorProto.INT64, [1], axes))
        x, y = node.input[0], node.output[0]
        reduce_max = (helper.make_node('ReduceMax', [x, axes_name], [f'{name}_m'], keepdims=1)
                      if opset >= 18 else
                      helper.make_node('ReduceMax', [x], [f'{name}_m'], axes=axes, keepdims=1))
        parts = [reduce_max,
                 helper.make_node('Sub', [x, f'{name}_m'], [f'{name}_d']),
                 helper.make_node('Exp', [f'{name}_d'], [f'{name}_e']),
                 helper.make_node('ReduceSum', [f'{name}_e', axes_name], [f'{name}_s'],
                                  keepdims=1)]
        if node.op_type == 'Softmax':
            parts.append(helper.make_node('Div', [f'{name}_e', f'{name}_s'], [y]))
        else:
            parts.append(helper.make_node('Log', [f'{name}_s'], [f'{name}_l']))
            if node.op_type == 'LogSoftmax':
                parts.append(helper.make_node('Sub', [f'{name}_d', f'{name}_l'], [y]))
            elif keep:
                parts.append(helper.make_node('Add', [f'{name}_m', f'{name}_l'], [y]))
            else:
                parts += [helper.make_node('Add', [f'{name}_m', f'{name}_l'], [f'{name}_k']),
                          helper.make_node('Squeeze', [f'{name}_k', axes_name], [y])]
        nodes += parts
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    return count


QUANTIZED_OPS = ('Conv', 'MatMul', 'Gemm')


def outside_the_network(graph, op_types=QUANTIZED_OPS):
    """Names of the ``op_types`` nodes of an exported graph that no module of the network holds.
    The exporter names a module's nodes by its path (``/decode_head/.../MatMul``), and the nodes
    of the segmentor's own code and of the scorers (EAM's vote of the queries' masks, a
    ``MatMul``) at the top (``/MatMul``)."""
    return [node.name for node in graph.node
            if node.op_type in op_types and node.name.count('/') < 2]


def quantize_onnx(model_path, out, calibration_images, per_channel=True):
    """Write ``out`` (atomically): the ONNX model at ``model_path`` with its convolutions and
    matrix products in int8 (onnxruntime's static quantisation, QDQ format: int8 weights per
    output channel, uint8 activations whose ranges are the minimum and maximum seen on
    ``calibration_images``: BGR uint8 frames, scaled to the model's input size). The data
    preprocessing, the scorers and the postprocessing stay in float. Calibrate on inlier
    frames (e.g. CamVid train), never on an anomaly set. Returns the metadata written."""
    import cv2
    onnx = import_optional('onnx', 'the int8 export')
    from onnxruntime import quantization as q
    meta = OnnxInferencer(model_path).meta
    if meta.get('quantized'):
        raise InputError(f'{model_path}: already quantised ({meta["quantized"]})')
    height, width = meta['input_shape']
    frames = [cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
              if image.shape[:2] != (height, width) else image for image in calibration_images]
    if not frames:
        raise InputError('no calibration frames')

    class Frames(q.CalibrationDataReader):
        def __init__(self):
            self.left = iter(frames)

        def get_next(self):
            image = next(self.left, None)
            return None if image is None else dict(
                image=np.ascontiguousarray(image.transpose(2, 0, 1)[None]))

    meta = dict(meta, quantized=f'int8 static QDQ, {len(frames)} calibration frames, '
                f'{"per-channel" if per_channel else "per-tensor"} weights',
                float_model_sha256=file_sha256(model_path))
    with atomic_file(out, suffix='.onnx') as tmp:
        q.quantize_static(model_path, tmp, Frames(), quant_format=q.QuantFormat.QDQ,
                          op_types_to_quantize=list(QUANTIZED_OPS),
                          nodes_to_exclude=outside_the_network(onnx.load(model_path).graph),
                          per_channel=per_channel, activation_type=q.QuantType.QUInt8,
                          weight_type=q.QuantType.QInt8,
                          calibrate_method=q.CalibrationMethod.MinMax)
        graph = onnx.load(tmp)
        del graph.metadata_props[:]
        graph.metadata_props.add(key=METADATA_KEY, value=json.dumps(meta))
        onnx.save(graph, tmp)
    return meta


def session_options(ort, threads=None):
    """onnxruntime's session settings for these graphs on CPU: every graph optimisation
    (constant folding of the preprocessing included: the input size is fixed), one intra-op
    thread per core unless ``threads``, sequential execution (the graph is a chain), and
    memory patterns (fixed shapes reuse one arena plan)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_mem_pattern = True
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    return options


class OnnxInferencer(FrameInference):
    """An exported model run by onnxruntime, with ``AnomalyInferencer``'s ``run`` and
    ``__call__``. Frames must have the size the model was exported at."""

    def __init__(self, model_path, threads=None):
        ort = import_optional('onnxruntime', 'the onnxruntime backend')
        if not osp.isfile(model_path):
            raise FileNotFoundError(f'{model_path}: no such ONNX model file')
        try:
            self.session = ort.InferenceSession(model_path, session_options(ort, threads),
                                                providers=['CPUExecutionProvider'])
        except Exception as err:  # noqa: BLE001  (onnxruntime raises its own kinds)
            raise InputError(f'{model_path}: not a readable ONNX model '
                             f'({str(err).splitlines()[0]})') from None
        meta = self.session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
        if meta is None:
            raise InputError(f'{model_path}: no {METADATA_KEY!r} metadata: export the model with '
                             'tools/deployment/export_onnx.py')
        self.meta = json.loads(meta)
        self.path = model_path
        self.scorers = self.meta['scorers']
        self.classes = self.meta['classes']
        self.palette = np.array(self.meta['palette'], np.uint8).reshape(-1, 3)
        self.config_score_range = self.meta['score_range']
        self.config_range_scorer = self.meta.get('score_range_scorer')
        self.shape = tuple(self.meta['input_shape'])
        self.stacks_slices = self.meta.get('stacks_slices', False)

    def check_frame(self, name, image):
        if image.shape != self.shape + (3,):
            raise InputError(
                f'{name}: a frame of shape {image.shape} does not fit {self.path}, exported for '
                f'{self.shape[1]}x{self.shape[0]} BGR images: export it at the frames\' size '
                f'(tools/deployment/export_onnx.py ... --shape H W)')

    def infer_batch(self, images):
        results = []
        for i, image in enumerate(images):
            self.check_frame(f'image {i}', image)
            outputs = self.session.run(None, dict(image=np.ascontiguousarray(
                image.transpose(2, 0, 1)[None])))
            results.append(dict(scores=dict(zip(self.scorers, outputs[1:])),
                                sem_seg=outputs[0]))
        return results
