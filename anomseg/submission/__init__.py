from .common import zip_folder_atomic
from .fishyscapes import (fishyscapes_inputs, validate_fishyscapes_output,
                          write_fishyscapes_frame)
from .oodis import (OODIS_BENCHMARKS, validate_oodis_folder, write_oodis_frame,
                    write_oodis_submission)
from .smiyc import (SMIYC_SPLITS, smiyc_frame_path, validate_smiyc_submission,
                    write_smiyc_submission)

__all__ = ['OODIS_BENCHMARKS', 'SMIYC_SPLITS', 'fishyscapes_inputs', 'smiyc_frame_path',
           'validate_fishyscapes_output', 'validate_oodis_folder', 'validate_smiyc_submission',
           'write_fishyscapes_frame', 'write_oodis_frame', 'write_oodis_submission',
           'write_smiyc_submission', 'zip_folder_atomic']
