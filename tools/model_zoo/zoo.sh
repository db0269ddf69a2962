#!/usr/bin/env bash
# A model zoo of docs/model_zoo.md: train (or take the released weights), then test every scorer
# of each model on the real anomaly sets (RoadAnomaly, SMIYC AnomalyTrack val, Fishyscapes
# Static val) and, where the zoo says so, its closed-set accuracy with tools/test.py.
#
#   bash tools/model_zoo/zoo.sh ZOO SEED [MODEL ...]
#
# ZOO: camvid (models trained on CamVid: dlv3p m2f rba rba-plain rpl rpl-plain) or cityscapes
# (the released ERFNet / ESPNetv2 / EfficientViT-Seg-B0 Cityscapes models, erfnet espnetv2
# efficientvit, and the outlier fine-tunings on CamVid: erfnet-rpl erfnet-rpl-plain erfnet-eoe
# erfnet-eoe-plain espnetv2-rpl espnetv2-rpl-plain efficientvit-rpl; the Mask2Former-lite head on
# EfficientViT-B0's encoder, m2f-evit, and its fine-tunings m2f-evit-rba m2f-evit-rba-plain
# m2f-evit-rpl) or emidec (cardiac MRI, docs/medical.md: tested on the config's test patients,
# no anomaly sets); models and sets in checkpoints/ZOO/models.json. Default: every model.
# One folder per model and seed under $ZOO_DIR (work_dirs/zoo for camvid, work_dirs/zoo_ZOO
# otherwise): the training log, checkpoints, bench_<SET>/metrics.json per anomaly set and
# test.log (closed-set test). A finished step is skipped, so the script can be re-run after an
# interruption. A fine-tuned model starts from its base's seed-0 checkpoint (or the released
# file), or from the base of its own seed where the zoo or the model says "base_seed": "same"
# (then the spread over seeds holds the base's too; zoo_models.py base_seed). FROM_BASE=B starts
# every fine-tuning from its base's seed B instead, in the folder NAME/baseB-seedSEED (the base
# seeds' share of the spread).
# SCORERS=a,b tests fewer scorers (e.g. for further seeds). TRAIN_OPTIONS="key=value ..." adds config options to every training (e.g. more data
# workers on a machine with many cores).
set -euo pipefail
ZOO=${1:?usage: zoo.sh ZOO SEED [MODEL ...]}
SEED=${2:?usage: zoo.sh ZOO SEED [MODEL ...]}
shift 2
export ANOMSEG_ZOO=$ZOO
PY=${PYTHON:-.venv/bin/python}
ZOO_MODELS=tools/model_zoo/zoo_models.py  # model definitions: checkpoints/$ZOO/models.json
field() { "$PY" "$ZOO_MODELS" "$1" "$2"; }
MODELS=${*:-$("$PY" "$ZOO_MODELS" models)}
if [ "$ZOO" = camvid ]; then ZOO_DIR=${ZOO_DIR:-work_dirs/zoo}; else ZOO_DIR=${ZOO_DIR:-work_dirs/zoo_$ZOO}; fi
export ANOMSEG_SHARED=${ANOMSEG_SHARED:-../shared}
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 \
    MALLOC_TOP_PAD_=1073741824
declare -A BENCH_ROOT=()
while read -r name folder; do BENCH_ROOT[$name]=$ANOMSEG_SHARED/$folder; done \
    < <("$PY" "$ZOO_MODELS" benchmarks)
MIOU_BY_TEST=$("$PY" "$ZOO_MODELS" miou_by_test)
PSEUDO=data/pseudo_labels/camvid-train_efficientvit-b0  # the *camvid-pseudo* configs' labels

work_dir() {  # MODEL SEED
    local prefix=''
    [ -n "${FROM_BASE:-}" ] && [ -n "$(field "$1" base)" ] && prefix="base$FROM_BASE-"
    echo "$ZOO_DIR/$(field "$1" name)/${prefix}seed$2"
}

checkpoint() { "$PY" "$ZOO_MODELS" checkpoint "$1"; }  # the CamVid-val pick of a training

train() {  # MODEL SEED
    local dir base released extra=()
    dir=$(work_dir "$1" "$2")
    [ -f "$dir/trained" ] && return
    mkdir -p "$dir"
    released=$(field "$1" checkpoint)
    if [ -n "$released" ]; then  # released weights: nothing to train
        echo "$released" > "$dir/last_checkpoint"
        touch "$dir/trained"
        return
    fi
    base=$(field "$1" base)
    if [ -n "$base" ]; then
        # the fine-tuning configs paste objects from this bank (built in seconds, no download)
        [ -f data/ood_bank/skimage/index.json ] || "$PY" data_prep/ood_bank.py skimage \
            --out data/ood_bank/skimage --num-objects 300
        local base_seed
        base_seed=${FROM_BASE:-$("$PY" "$ZOO_MODELS" base_seed "$1" "$2")}
        train "$base" "$base_seed"
        extra=("load_from=$(checkpoint "$(work_dir "$base" "$base_seed")")")
    fi
    if [[ "$(field "$1" config)" == *camvid-pseudo* ]]; then  # CamVid labelled by EfficientViT-B0
        [ -f "$PSEUDO/pseudo_labels.json" ] || "$PY" data_prep/pseudo_labels.py \
            configs/efficientvit/efficientvit_b0_released_camvid-1024x2048.py \
            checkpoints/cityscapes/efficientvit.pth "$ANOMSEG_SHARED/data/CamVid/train" \
            --labels "$ANOMSEG_SHARED/data/CamVid/trainannot" --label-map camvid_to_cityscapes \
            --void 11 --out "$PSEUDO"
    fi
    echo "[$(date +%T)] train $1 seed $2 -> $dir"
    /usr/bin/time -f 'wall %e s' "$PY" tools/train.py "$(field "$1" config)" --work-dir "$dir" \
        --cfg-options "randomness.seed=$2" ${TRAIN_OPTIONS:-} "${extra[@]}" >"$dir/train.log" 2>&1
    tail -n 1 "$dir/train.log"
    touch "$dir/trained"
}

evaluate() {  # MODEL SEED
    local dir set
    dir=$(work_dir "$1" "$2")
    for set in "${!BENCH_ROOT[@]}"; do
        [ -f "$dir/bench_$set/metrics.json" ] && continue
        echo "[$(date +%T)] test $1 seed $2 on $set"
        /usr/bin/time -f 'wall %e s' "$PY" tools/test.py "$(field "$1" config)" "$(checkpoint "$dir")" \
            --work-dir "$dir/bench_$set" --benchmark "$set" --benchmark-root "${BENCH_ROOT[$set]}" \
            --no-report ${SCORERS:+--scorer "$SCORERS"} >"$dir/bench_$set.log" 2>&1
        tail -n 1 "$dir/bench_$set.log"
    done
    # closed-set accuracy; a model that keeps its base's segmentation (RPL) reports the base's
    if [ -n "$MIOU_BY_TEST" ] && [ -z "$(field "$1" segmentation_of_base)" ] && \
            ! grep -qs 'mIoU:' "$dir/test.log"; then
        echo "[$(date +%T)] closed-set test of $1 seed $2"
        /usr/bin/time -f 'wall %e s' "$PY" tools/test.py "$(field "$1" config)" "$(checkpoint "$dir")" \
            --work-dir "$dir/test" >"$dir/test.log" 2>&1
        grep -o 'mIoU: [0-9.]*' "$dir/test.log" | tail -n 1
    fi
}

for model in $MODELS; do
    field "$model" config >/dev/null
done
for model in $MODELS; do
    train "$model" "$SEED"
    evaluate "$model" "$SEED"
done
