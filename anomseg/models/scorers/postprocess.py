"""Post-processing of anomaly maps, applied after scoring."""
import torch
import torch.nn.functional as F

from anomseg.utils.errors import InputError


def gaussian_smooth(maps, kernel_size=7, sigma=1.0):
    """Blur (N, H, W) maps with a normalised separable Gaussian (reflect padding), as many
    anomaly papers do to suppress speckle: k(d) = exp(-d^2 / (2 sigma^2)) / sum."""
    if kernel_size % 2 != 1 or kernel_size < 1 or sigma <= 0:
        raise InputError(f'kernel_size must be odd and positive and sigma > 0, got '
                         f'{kernel_size}, {sigma}')
    d = torch.arange(kernel_size, dtype=maps.dtype, device=maps.device) - kernel_size // 2
    k = torch.exp(-d**2 / (2 * sigma**2))
    k = k / k.sum()
    x = maps[:, None]
    pad = kernel_size // 2
    x = F.conv2d(F.pad(x, (pad, pad, 0, 0), mode='reflect'), k.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, pad, pad), mode='reflect'), k.view(1, 1, -1, 1))
    return x[:, 0]
