"""Fine-tune part of a model: everything outside the named submodules is frozen."""
from anomseg.utils.errors import InputError


def freeze_except(model, trainable):
    """Set ``requires_grad=False`` on every parameter whose name starts with none of the
    ``trainable`` prefixes (e.g. ``['decode_head.cls_embed', 'decode_head.mask_embed']``). Returns
    the names of the submodules that hold no trainable parameter, which ``train()`` keeps in eval
    mode so their normalisation statistics and dropout stay as in inference."""
    prefixes = tuple(p.rstrip('.') for p in trainable)
    names = [n for n, _ in model.named_parameters()]
    unknown = [p for p in prefixes
               if not any(n == p or n.startswith(p + '.') for n in names)]
    if unknown:
        raise InputError(f'trainable prefixes {unknown} match no parameter of '
                         f'{type(model).__name__}')

    def is_trainable(name):
        return any(name == p or name.startswith(p + '.') for p in prefixes)

    for name, param in model.named_parameters():
        if not is_trainable(name):
            param.requires_grad_(False)
    frozen = []
    for name, module in model.named_modules():
        if not name:
            continue
        params = [n for n, _ in module.named_parameters(prefix=name)]
        inside_trainable = is_trainable(name)
        holds_trainable = any(is_trainable(n) for n in params)
        if not inside_trainable and not holds_trainable:
            frozen.append(name)
    return [n for n in frozen if not any(n.startswith(f + '.') for f in frozen)]
