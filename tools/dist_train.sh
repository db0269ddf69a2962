#!/usr/bin/env bash
# Train with N processes of this node (or several nodes) through torchrun: one per GPU, or, on a
# machine without CUDA, N CPU processes over gloo (anomseg.apis.prepare_cpu_distributed).
#   bash tools/dist_train.sh CONFIG N [train.py options]
# Several nodes: NNODES=2 NODE_RANK=0|1 MASTER_ADDR=host PORT=29500 on each node.
# PYTHON picks the interpreter (default: python3).
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
${PYTHON:-python3} -m torch.distributed.run --nnodes=$NNODES --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR --nproc_per_node=$GPUS --master_port=$PORT \
    $(dirname "$0")/train.py $CONFIG --launcher pytorch ${@:3}
