"""ONNX export of the zoo's models, run by onnxruntime, against PyTorch on real frames."""
import glob
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from anomseg.apis import AnomalyInferencer
from tests.conftest import REPO, require_shared

pytest.importorskip('onnxruntime')

SHAPE = (352, 640)  # RoadAnomaly's 720x1280 halved, padded to a multiple of 32 by the models


def zoo_models():
    for zoo in ('cityscapes', 'camvid', 'emidec'):
        with open(osp.join(REPO, 'checkpoints', zoo, 'models.json')) as fh:
            models = json.load(fh)['models']
        for name, entry in models.items():
            if entry.get('published', True):
                yield zoo, name, entry['config']


ZOO = list(zoo_models())
FAST = {('cityscapes', 'erfnet'), ('camvid', 'm2f')}


def real_frames(count=2, shape=SHAPE):
    paths = sorted(glob.glob(osp.join(require_shared('data', 'RoadAnomaly_jpg', 'frames'),
                                      '*.jpg')))[:count]
    return [cv2.resize(cv2.imread(p), shape[::-1], interpolation=cv2.INTER_AREA) for p in paths]


def zoo_frames(zoo):
    """(frames, network shape) a zoo's models are compared on: real frames of their own domain,
    since out of it (a cardiac MRI model on a road photograph) classes are near ties that float
    rounding may flip. EMIDEC: two 256x256 MRI slices; the driving zoos: RoadAnomaly frames."""
    if zoo != 'emidec':
        return real_frames(), SHAPE
    paths = sorted(glob.glob(osp.join(require_shared('data', 'medical', 'emidec', 'val'),
                                      '*.png')))[:2]
    return [cv2.imread(p, cv2.IMREAD_COLOR) for p in paths], (256, 256)


def pytorch_at(config, checkpoint, shape):
    """tools/infer.py's PyTorch path with the network at ``shape`` (no resizing)."""
    inferencer = AnomalyInferencer(config, checkpoint)
    for step in inferencer.pipeline.transforms:
        if type(step).__name__ == 'Resize':
            step.scale, step.scale_factor = shape[::-1], None
    return inferencer


def export(config, checkpoint, path, shape=SHAPE):
    run = subprocess.run([sys.executable, 'tools/deployment/export_onnx.py', config, checkpoint,
                          '--shape', *map(str, shape), '--out', str(path)], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize('zoo,name,config', [
    pytest.param(*m, marks=() if m[:2] in FAST else pytest.mark.slow) for m in ZOO],
    ids=[f'{z}-{n}' for z, n, _ in ZOO])
def test_onnx_outputs_equal_pytorch_on_real_frames(zoo, name, config, tmp_path):
    from anomseg.apis.onnx_model import OnnxInferencer
    checkpoint = osp.join(REPO, 'checkpoints', zoo, f'{name}.pth')
    path = tmp_path / 'model.onnx'
    frames, shape = zoo_frames(zoo)
    export(osp.join(REPO, config), checkpoint, path, shape)
    onnx_model = OnnxInferencer(str(path))
    torch_model = pytorch_at(osp.join(REPO, config), checkpoint, shape)
    assert onnx_model.scorers == torch_model.scorers
    for frame in frames:
        got, want = onnx_model([frame])[0], torch_model([frame])[0]
        assert got['sem_seg'].shape == shape
        assert np.mean(got['sem_seg'] == want['sem_seg']) >= 0.999
        for scorer in onnx_model.scorers:
            assert got['scores'][scorer].dtype == np.float32
            # float32 rounding scales with the map's range (MaxQuery subtracts query logits
            # of about 10 on the EfficientViT Mask2Former: differences of 2e-4 there)
            scale = max(1.0, float(np.abs(want['scores'][scorer]).max()))
            assert np.allclose(got['scores'][scorer], want['scores'][scorer], rtol=1e-4,
                               atol=1e-4 * scale), scorer


@pytest.fixture(scope='module')
def small_model(tmp_path_factory):
    path = tmp_path_factory.mktemp('onnx') / 'erfnet.onnx'
    zoo = dict(((z, n), c) for z, n, c in ZOO)
    export(osp.join(REPO, zoo['cityscapes', 'erfnet']),
           osp.join(REPO, 'checkpoints', 'cityscapes', 'erfnet.pth'), path, shape=(128, 256))
    return str(path)


def test_infer_cli_runs_the_onnx_model_and_refuses_other_sizes(small_model, tmp_path):
    frames = tmp_path / 'frames'
    frames.mkdir()
    for i, frame in enumerate(real_frames(2, (128, 256))):
        cv2.imwrite(str(frames / f'f{i}.png'), frame)
    run = subprocess.run([sys.executable, 'tools/infer.py', '--backend', 'onnxruntime',
                          small_model, str(frames), '--out-dir', str(tmp_path / 'out'),
                          '--scores', 'npy', '--scorer', 'max_logit'], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(osp.basename(p) for p in glob.glob(str(tmp_path / 'out' / 'vis' / '*'))) == \
        ['f0.png', 'f1.png']
    assert json.loads(run.stdout[run.stdout.index('{\n'):])['scorer'] == 'max_logit'
    cv2.imwrite(str(frames / 'f2.png'), np.zeros((100, 256, 3), np.uint8))
    run = subprocess.run([sys.executable, 'tools/infer.py', '--backend', 'onnxruntime',
                          small_model, str(frames), '--out-dir', str(tmp_path / 'out2')],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith('infer.py: error: f2: a frame of shape '
                                                          '(100, 256, 3) does not fit')
    assert 'Traceback' not in run.stderr


def test_bad_model_files_get_a_clear_error(small_model, tmp_path):
    import onnx

    from anomseg.apis.onnx_model import OnnxInferencer
    with pytest.raises(FileNotFoundError, match='no such ONNX model'):
        OnnxInferencer(str(tmp_path / 'missing.onnx'))
    (tmp_path / 'bad.onnx').write_bytes(b'not a model')
    with pytest.raises(ValueError, match='bad.onnx: not a readable ONNX model'):
        OnnxInferencer(str(tmp_path / 'bad.onnx'))
    with open(small_model, 'rb') as fh:
        (tmp_path / 'cut.onnx').write_bytes(fh.read()[:5000])
    with pytest.raises(ValueError, match='cut.onnx: not a readable ONNX model'):
        OnnxInferencer(str(tmp_path / 'cut.onnx'))
    graph = onnx.load(small_model)
    del graph.metadata_props[:]
    onnx.save(graph, str(tmp_path / 'foreign.onnx'))
    with pytest.raises(ValueError, match="foreign.onnx: no 'anomseg' metadata"):
        OnnxInferencer(str(tmp_path / 'foreign.onnx'))


@pytest.mark.slow
def test_int8_model_is_quantised_calibrated_and_close_to_float(small_model, tmp_path):
    import onnx

    from anomseg.apis.onnx_model import OnnxInferencer
    camvid = require_shared('data', 'CamVid', 'train')
    out = tmp_path / 'erfnet_int8.onnx'
    run = subprocess.run([sys.executable, 'tools/deployment/quantize_onnx.py', small_model,
                          camvid, '--frames', '4', '--out', str(out)], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    graph = onnx.load(str(out))
    ops = {node.op_type for node in graph.graph.node}
    assert {'QuantizeLinear', 'DequantizeLinear', 'Conv'} <= ops
    int8_weights = [t for t in graph.graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert len(int8_weights) >= 50                  # ERFNet's convolutions, per channel
    int8, fp32 = OnnxInferencer(str(out)), OnnxInferencer(small_model)
    assert int8.meta['quantized'].startswith('int8 static QDQ, 4 calibration frames')
    assert int8.scorers == fp32.scorers
    frame = real_frames(1, (128, 256))[0]
    got, want = int8([frame])[0], fp32([frame])[0]
    assert np.mean(got['sem_seg'] == want['sem_seg']) >= 0.8
    for scorer in fp32.scorers:
        a, b = got['scores'][scorer].ravel(), want['scores'][scorer].ravel()
        assert np.corrcoef(a, b)[0, 1] >= 0.8, scorer
    run = subprocess.run([sys.executable, 'tools/deployment/quantize_onnx.py', str(out),
                          camvid, '--out', str(tmp_path / 'twice.onnx')], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 2 and 'already quantised' in run.stderr


@pytest.mark.parametrize('opset', [17, 18])
def test_channel_softmax_rewrite_computes_what_the_operators_compute(opset):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    from anomseg.apis.onnx_model import decompose_channel_softmax
    shape = [1, 5, 6, 7]
    ops = [('Softmax', dict(axis=1), shape), ('LogSoftmax', dict(axis=1), shape),
           ('Softmax', dict(axis=-1), shape),                 # the last axis: left as it is
           ('ReduceLogSumExp', dict(axes=[1], keepdims=1), [1, 1, 6, 7]),
           ('ReduceLogSumExp', dict(axes=[1], keepdims=0), [1, 6, 7])]
    if opset >= 18:  # ReduceLogSumExp takes its axes as an input from opset 18
        ops = ops[:3]
    nodes = [helper.make_node(op, ['x'], [f'y{i}'], **attrs) for i, (op, attrs, _) in
             enumerate(ops)]
    graph = helper.make_graph(
        nodes, 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(f'y{i}', TensorProto.FLOAT, out)
         for i, (_, _, out) in enumerate(ops)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)])
    x = np.random.default_rng(0).normal(scale=30, size=shape).astype(np.float32)
    want = ort.InferenceSession(model.SerializeToString(),
                                providers=['CPUExecutionProvider']).run(None, {'x': x})
    assert decompose_channel_softmax(model) == len(ops) - 1
    onnx.checker.check_model(model)
    assert {n.op_type for n in model.graph.node} >= {'ReduceMax', 'Exp', 'ReduceSum'}
    assert [n.op_type for n in model.graph.node].count('Softmax') == 1
    got = ort.InferenceSession(model.SerializeToString(),
                               providers=['CPUExecutionProvider']).run(None, {'x': x})
    for a, b in zip(got, want):
        assert a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-5)


def test_only_the_networks_products_are_quantised():
    """The exporter names a module's nodes by its path; the segmentor's own code and the scorers
    sit at the top, and their products (EAM's vote) stay in float."""
    from onnx import helper

    from anomseg.apis.onnx_model import outside_the_network
    nodes = [helper.make_node(op, ['x'], ['y'], name=name) for op, name in [
        ('Conv', '/backbone/layer1/conv/Conv'), ('MatMul', '/decode_head/layers.0/attn/MatMul'),
        ('Gemm', '/decode_head/ffn/Gemm'), ('MatMul', '/MatMul'), ('MatMul', '/MatMul_1'),
        ('Einsum', '/Einsum'), ('Conv', 'Conv_12'), ('Relu', '/Relu')]]
    graph = helper.make_graph(nodes, 'g', [], [])
    assert outside_the_network(graph) == ['/MatMul', '/MatMul_1', 'Conv_12']
