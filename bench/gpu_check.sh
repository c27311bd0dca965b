#!/usr/bin/env bash
# The GPU measurements in one run (at most 8 minutes on one H100/H200, no network): generation
# tokens/s of a 7B LLaMA shape (HF one-at-a-time, HF batched, vLLM), DeepSpeed bf16 SFT tokens/s
# and MFU of 1B and 7B shapes, and the environment, as one table. See bench/gpu_check.py.
#
#   bench/gpu_check.sh             # on the GPU machine
#   bench/gpu_check.sh --dry-run   # tiny shapes on CPU, fp32: proves the script runs (CI)
#   bench/gpu_check.sh --json out.json --work-dir /tmp/gc   # keep figures, models and logs
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
# Nothing may reach the network: models are built from configs, data is ../shared/data.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 LITELLM_LOCAL_MODEL_COST_MAP=True
export VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 TOKENIZERS_PARALLELISM=false
# The driver keeps to a 470 s budget itself (parts that would overrun are skipped and say so);
# this is the backstop for the 8 minutes. The dry run (a busy CPU) has 840 s.
limit=480
for arg in "$@"; do [ "$arg" = "--dry-run" ] && limit=900; done
exec timeout --kill-after=10 "$limit" "$PY" bench/gpu_check.py "$@"
