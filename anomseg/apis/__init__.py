from .evaluate_scores import evaluate
from .frames import FrameSource, open_frames
from .inferencer import AnomalyInferencer, FrameInference, optimise_for_cpu
from .model_index import ModelInfo, get_model, read_index, resolve_model
from .onnx_model import OnnxInferencer, export_onnx
from .run_config import (PROTOCOLS, add_benchmark_arguments, add_runner_arguments, apply_benchmark,
                         apply_data_root, apply_published_protocol, apply_runner_arguments,
                         apply_test_options, apply_train_options, benchmark_options,
                         dataset_roots, load_config, prepare_cpu_distributed)
from .submit import oodis_images, run_fishyscapes, submit_oodis, submit_smiyc
from .volume_inference import infer_volumes, volume_paths

__all__ = ['AnomalyInferencer', 'FrameInference', 'OnnxInferencer', 'export_onnx', 'evaluate',
           'ModelInfo', 'get_model', 'read_index', 'resolve_model',
           'optimise_for_cpu', 'FrameSource', 'oodis_images', 'open_frames', 'run_fishyscapes',
           'submit_oodis',
           'submit_smiyc', 'PROTOCOLS', 'add_benchmark_arguments', 'add_runner_arguments',
           'apply_benchmark', 'apply_data_root', 'apply_published_protocol',
           'apply_runner_arguments',
           'apply_test_options', 'apply_train_options', 'benchmark_options', 'dataset_roots',
           'load_config', 'prepare_cpu_distributed', 'infer_volumes', 'volume_paths']
