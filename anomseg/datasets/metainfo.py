from mmseg.registry import DATASETS


def train_metainfo(cfg):
    """The classes and palette a config's model is trained on: its training set's dataset class
    ``METAINFO`` updated by the config's ``metainfo``; {} for a config that trains nothing
    (``train_dataloader = None``, e.g. released weights tested on another dataset)."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    if not dataset.get('type'):
        return {}
    meta = dict(getattr(DATASETS.get(dataset['type']), 'METAINFO', {}))
    meta.update(dataset.get('metainfo') or {})
    return meta
