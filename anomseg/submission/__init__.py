from .common import zip_folder_atomic
from .fishyscapes import (fishyscapes_inputs, validate_fishyscapes_output,
                          write_fishyscapes_frame, output_stem as fishyscapes_output_stem)
from .oodis import (OFFICIAL_EXPECTED_FILES, OODIS_BENCHMARKS, expected_stems,
                    format_description, frame_stem, image_id, validate_oodis_zip,
                    write_oodis_frame, write_oodis_submission)
from .smiyc import (SMIYC_SPLIT_FRAMES, SMIYC_SPLITS, check_smiyc_frame_count,
                    smiyc_frame_path, validate_smiyc_submission, write_smiyc_submission)

__all__ = ['OFFICIAL_EXPECTED_FILES', 'OODIS_BENCHMARKS', 'SMIYC_SPLIT_FRAMES', 'SMIYC_SPLITS',
           'check_smiyc_frame_count', 'expected_stems', 'fishyscapes_inputs',
           'fishyscapes_output_stem', 'format_description', 'frame_stem', 'image_id',
           'smiyc_frame_path', 'validate_fishyscapes_output', 'validate_oodis_zip',
           'validate_smiyc_submission', 'write_fishyscapes_frame', 'write_oodis_frame',
           'write_oodis_submission', 'write_smiyc_submission', 'zip_folder_atomic']
