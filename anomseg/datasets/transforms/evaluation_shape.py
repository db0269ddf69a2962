from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class EvaluateAtResizedShape(BaseTransform):
    """Make the resized frame the one that is scored and evaluated: ``ori_shape`` becomes
    ``img_shape``, so the model returns its maps at the resized size and the metrics compare
    them with labels resized alongside (nearest; load the labels before ``Resize``).

    This is the protocol of evaluation codes that resize image and labels to the network's input
    (e.g. the published ERFNet anomaly table at 1024x512); mmseg's default instead resizes the
    predictions back to the frame's original size.
    """

    def transform(self, results):
        results['ori_shape'] = results['img_shape']
        return results
