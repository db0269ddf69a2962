from mmengine.dist import all_gather_object, barrier, get_dist_info


def evaluate_gathered(metric, state, spill=None):
    """``metric.compute_metrics`` over the ``state`` of every process (gathered where there are
    several), then the metric reset and its ``spill`` folder closed (after every process is
    done: they may read each other's frames); keys prefixed with ``metric.prefix``."""
    _, world_size = get_dist_info()
    states = all_gather_object(state) if world_size > 1 else [state]
    try:
        metrics = metric.compute_metrics(states)
    finally:
        if world_size > 1:
            barrier()  # other processes may still read this one's frames
        if spill:
            spill.close()
        metric._reset()
    if metric.prefix:
        metrics = {f'{metric.prefix}/{k}': v for k, v in metrics.items()}
    return metrics
