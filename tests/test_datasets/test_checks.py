"""check_dataset_files (the tools' pre-scan): a folder without a sample in the dataset's layout is
named with what was looked for, before mmengine's sample list is built."""
import pytest

from anomseg.datasets.checks import check_dataset_files


def test_a_folder_without_samples_is_named_with_the_suffix_looked_for(tiny_synthroad):
    # SMIYC's AnomalyTrack frames are .jpg; SynthRoad's anomaly split holds .png
    cfg = dict(type='SMIYCDataset', data_root=f'{tiny_synthroad}/anomaly', pipeline=[])
    with pytest.raises(FileNotFoundError,
                       match=r'test set: no sample found in .*/anomaly/images \(images \*\.jpg'):
        check_dataset_files(cfg, 'test set')
    assert check_dataset_files(dict(cfg, img_suffix='.png'), 'test set') == 3
