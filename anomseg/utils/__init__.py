from .checkpoint import (TRUST_ENV, UntrustedCheckpointError, compact_checkpoint, file_sha256,
                         load_checkpoint_file, register_safe_loader)
from .errors import InputError
from .io import (atomic_output_dir, check_new_output_dir, check_output_writable, check_outside,
                 write_bytes_atomic, write_hdf5_atomic,
                 write_image_atomic, write_json_atomic, write_npy_atomic)
from .weight_conversion import (convert_checkpoint_file, efficientvit_seg_to_mmseg,
                                erfnet_original_to_mmseg, espnetv2_edgenets_to_mmseg,
                                mobilenet_v2_torchvision_to_mmseg)
from .paths import shared_root

__all__ = [
    'InputError',
    'atomic_output_dir', 'check_new_output_dir', 'check_output_writable', 'check_outside',
    'TRUST_ENV', 'UntrustedCheckpointError', 'compact_checkpoint', 'convert_checkpoint_file',
    'file_sha256', 'load_checkpoint_file', 'register_safe_loader', 'efficientvit_seg_to_mmseg',
    'erfnet_original_to_mmseg',
    'espnetv2_edgenets_to_mmseg', 'mobilenet_v2_torchvision_to_mmseg', 'shared_root',
    'write_bytes_atomic', 'write_hdf5_atomic', 'write_image_atomic', 'write_json_atomic',
    'write_npy_atomic'
]
