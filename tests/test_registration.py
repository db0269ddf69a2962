import subprocess
import sys

from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS

import anomseg  # noqa: F401
from anomseg.registry import SCORERS

EXPECTED = {
    MODELS: ['AnomalyEncoderDecoder', 'AnomalySegTTAModel', 'AnomalyMask2FormerHead'],
    DATASETS: ['SynthRoadDataset', 'CamVidDataset', 'SMIYCDataset', 'RoadAnomalyDataset',
               'FishyscapesDataset'],
    TRANSFORMS: ['LoadAnomalyAnnotations', 'PackAnomalySegInputs'],
    METRICS: ['AnomalyMetric'],
    HOOKS: ['AnomalyVisualizationHook'],
    SCORERS: ['msp', 'max_logit', 'entropy', 'energy', 'rba', 'maxquery', 'mask2anomaly', 'eam',
              'uno'],
}


def test_everything_is_registered_in_mmseg_registries():
    for registry, names in EXPECTED.items():
        for name in names:
            assert registry.get(name) is not None, f'{name} not in {registry.name}'
            assert registry.get(name).__module__.startswith('anomseg.'), name


def test_config_custom_imports_register_in_a_fresh_process(tmp_path):
    """What a config's custom_imports does, in a process that never imported anomseg: the base
    configs' imports register the modules and apply ``anomseg.runtime`` (the checkpoint loader)."""
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("default_scope = 'mmseg'\n"
                   "custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], "
                   "allow_failed_imports=False)\n")
    code = ('from mmengine.config import Config\n'
            'from mmseg.registry import DATASETS\n'
            'from mmseg.utils import register_all_modules\n'
            f'cfg = Config.fromfile({str(cfg)!r})\n'
            'register_all_modules(False)\n'
            "assert DATASETS.get('SynthRoadDataset') is not None\n"
            'from mmengine.runner import CheckpointLoader\n'
            'from anomseg.utils import load_checkpoint_file\n'
            "assert CheckpointLoader._get_checkpoint_loader('a.pth') is load_checkpoint_file\n")
    subprocess.run([sys.executable, '-c', code], check=True)
