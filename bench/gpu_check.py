"""The GPU measurements in one run: generation and SFT throughput, MFU, and the environment.

``bench/gpu_check.sh`` runs this on one H100/H200 in at most 8 minutes, with no network: the
models are LLaMA-shaped configs with random weights and the shared LLaMA tokenizer
(``../shared/data/tokenizers/llama_tokenizer.model``), the prompts are BELLE's eval questions and
the SFT data is the shared ShareGPT file. It prints one table:

* generation tokens/s of a 7B LLaMA shape on 256 BELLE questions, 256 new tokens each (greedy,
  fixed length): the harness's ``hf`` generator one prompt at a time (on the first
  ``--single-questions``: the rate per token is what counts, and 256 x 256 tokens one at a time
  would take half an hour), the same generator batched, and vLLM (skipped, saying why, without it);
* DeepSpeed bf16 SFT tokens/s and MFU of a 1B and a 7B LLaMA shape at max length 2048 through the
  harness's own trainer (ZeRO-2; for 7B, ZeRO-3 with CPU offload when ZeRO-2 does not fit), with
  the MFU arithmetic: ``6 x N x tokens/s / peak``, the peak being the data-sheet dense bf16 figure
  (:mod:`harness.training.metrics`) or, for a device without one (a CPU), a measured matmul rate;
* the environment: GPU, torch, CUDA, transformers, DeepSpeed, vLLM versions.

Every measurement runs in its own process (``--part``), so GPU memory is free for the next one and
a failure (out of memory, a missing package) becomes a row of the table instead of the end of the
run; a part that would overrun the time budget is skipped and says so. ``--dry-run`` runs the same
parts with tiny shapes on CPU (fp32; a few minutes, most of it six interpreters importing torch,
transformers and DeepSpeed): what CI runs, so the script is known to work before a GPU is at hand.

    bench/gpu_check.sh [--dry-run] [--json results.json] [--budget-s 470]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()

# LLaMA shapes (vocab 32,000: the shared LLaMA tokenizer). 1B is TinyLlama-1.1B's shape.
SHAPES: dict[str, dict[str, int]] = {
    "7b": dict(
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=32,
    ),
    "1b": dict(
        hidden_size=2048,
        intermediate_size=5632,
        num_hidden_layers=22,
        num_attention_heads=32,
        num_key_value_heads=4,
    ),
}
DRY_SHAPES: dict[str, dict[str, int]] = {
    "7b": dict(
        hidden_size=64,
        intermediate_size=176,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
    ),
    "1b": dict(
        hidden_size=32,
        intermediate_size=88,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
    ),
}
VOCAB = 32000


@dataclass(frozen=True)
class Plan:
    """Sizes of one run: the real ones, or the dry run's tiny ones."""

    dry_run: bool
    n_questions: int = 256
    max_new_tokens: int = 256
    single_questions: int = 4
    batch_size: int = 128
    max_length: int = 2048
    train_steps: int = 6
    max_samples: int = 200
    budget_s: float = 470.0

    @classmethod
    def make(cls, args: argparse.Namespace) -> Plan:
        if args.dry_run:
            base = dict(
                n_questions=8,
                max_new_tokens=8,
                single_questions=2,
                batch_size=4,
                max_length=64,
                train_steps=3,
                max_samples=16,
                budget_s=840.0,
            )
        else:
            base = {}
        given = {
            k: v
            for k, v in vars(args).items()
            if k in cls.__dataclass_fields__ and k != "dry_run" and v is not None
        }
        return cls(dry_run=args.dry_run, **{**base, **given})


def n_params(shape: dict[str, int], vocab: int = VOCAB) -> int:
    """Parameters of a LLaMA (untied embeddings, GQA, RMSNorm) -- to size ZeRO before loading."""
    h, f, layers = shape["hidden_size"], shape["intermediate_size"], shape["num_hidden_layers"]
    kv = h * shape["num_key_value_heads"] // shape["num_attention_heads"]
    per_layer = 2 * h * h + 2 * h * kv + 3 * h * f + 2 * h
    return 2 * vocab * h + layers * per_layer + h


# ------------------------------------------------------------------------ parts (own processes)


def shared_tokenizer_model() -> Path:
    from harness.errors import UsageError
    from harness.paths import shared_data_dir

    shared = shared_data_dir()
    path = shared / "tokenizers" / "llama_tokenizer.model" if shared else None
    if path is None or not path.is_file():
        raise UsageError(
            "the shared LLaMA tokenizer (../shared/data/tokenizers/llama_tokenizer.model) is missing",
            hint="Put the shared data beside the repository (see ../shared/data/MANIFEST.md).",
        )
    return path


def part_env(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    import importlib.metadata as md
    import platform

    import torch

    def version(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "not installed"

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda or "none (CPU build)",
        "transformers": version("transformers"),
        "deepspeed": version("deepspeed"),
        "vllm": version("vllm"),
        "gpu": None,
        "gpu_count": 0,
        "gpu_memory_bytes": 0,
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        env.update(
            gpu=props.name, gpu_count=torch.cuda.device_count(), gpu_memory_bytes=int(props.total_memory)
        )
    return env


def part_build(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    """A LLaMA-shaped HF directory with random weights and the shared LLaMA tokenizer."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    from harness.models.tiny_llama import TOKENIZER_CONFIG

    shape = (DRY_SHAPES if plan.dry_run else SHAPES)[args.shape]
    out = Path(args.model_dir)
    out.mkdir(parents=True, exist_ok=True)
    on_cuda = torch.cuda.is_available()
    dtype = torch.bfloat16 if on_cuda else torch.float32
    config = LlamaConfig(
        vocab_size=VOCAB,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        **shape,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    config.dtype = dtype
    start = time.perf_counter()
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device("cuda" if on_cuda else "cpu"):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=0)
    model.save_pretrained(str(out))
    count = sum(p.numel() for p in model.parameters())
    del model
    (out / "tokenizer.model").write_bytes(shared_tokenizer_model().read_bytes())
    (out / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2), encoding="utf-8")
    (out / "special_tokens_map.json").write_text(
        json.dumps({k: TOKENIZER_CONFIG[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")}),
        encoding="utf-8",
    )
    return {
        "n_params": count,
        "seconds": time.perf_counter() - start,
        "dtype": str(dtype).removeprefix("torch."),
    }


def load_questions(n: int) -> list[str]:
    """The first ``n`` BELLE eval questions (a JSON Lines file despite its name)."""
    from harness.paths import shared_data_dir

    shared = shared_data_dir()
    path = shared / "belle" / "eval_set.json" if shared else None
    if path is None or not path.is_file():
        from harness.errors import UsageError

        raise UsageError("BELLE's eval set (../shared/data/belle/eval_set.json) is missing")
    with path.open(encoding="utf-8") as fh:
        questions = [json.loads(line)["question"] for line in fh if line.strip()]
    return questions[:n]


def part_generate_hf(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    """The harness's ``hf`` generator: each prompt alone (its ``run_batch`` with one prompt), then
    batched (its ``generate``), on one loaded model; greedy, exactly ``max_new_tokens`` each."""
    import torch

    from harness.generation.hf import HFGenerator
    from harness.manager import get_registry
    from harness.protocols import EvalSample

    model = get_registry().create("model", f"hf:{args.model_dir}")
    questions = load_questions(plan.n_questions)
    samples = [EvalSample(id=f"q{i}", question=q, category="bench") for i, q in enumerate(questions)]
    generator = HFGenerator(
        batch_size=plan.batch_size,
        max_new_tokens=plan.max_new_tokens,
        min_new_tokens=plan.max_new_tokens,
        greedy=True,
    )
    hf_model, tokenizer = generator.load(model)
    items = generator.prepare(model, tokenizer, samples)

    def sync() -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    with generator.cpu_threads(hf_model):
        warm = generator.prepare(model, tokenizer, samples[:2])
        generator.run_batch(hf_model, tokenizer, warm, model_name=model.name)  # kernels, allocator
        sync()
        start, single_tokens = time.perf_counter(), 0
        for item in items[: plan.single_questions]:
            (result,) = generator.run_batch(hf_model, tokenizer, [item], model_name=model.name)
            single_tokens += result.n_new_tokens or 0
        sync()
        single_s = time.perf_counter() - start
    results: list[Any] = []
    start = time.perf_counter()
    generator.generate(model, samples, on_result=results.append)
    sync()
    batched_s = time.perf_counter() - start
    batched_tokens = sum(g.n_new_tokens or 0 for g in results)
    return {
        "device": str(hf_model.device),
        "dtype": str(hf_model.dtype).removeprefix("torch."),
        "single": {
            "prompts": min(plan.single_questions, len(items)),
            "tokens": single_tokens,
            "seconds": single_s,
        },
        "batched": {
            "prompts": len(results),
            "tokens": batched_tokens,
            "seconds": batched_s,
            "batch_size": plan.batch_size,
        },
    }


def part_generate_vllm(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    from harness.generation.vllm import VLLMGenerator, vllm_unavailable
    from harness.manager import get_registry
    from harness.protocols import EvalSample

    reason = vllm_unavailable()
    if reason:
        return {"skipped": reason}
    model = get_registry().create("model", f"hf:{args.model_dir}")
    questions = load_questions(plan.n_questions)
    samples = [EvalSample(id=f"q{i}", question=q, category="bench") for i, q in enumerate(questions)]
    generator = VLLMGenerator(
        batch_size=max(plan.n_questions, 1),
        max_new_tokens=plan.max_new_tokens,
        min_new_tokens=plan.max_new_tokens,
        greedy=True,
    )
    start = time.perf_counter()
    generator.generate(model, samples[:2], on_result=lambda g: None)  # engine start, CUDA graphs
    startup_s = time.perf_counter() - start
    results: list[Any] = []
    start = time.perf_counter()
    generator.generate(model, samples, on_result=results.append)
    seconds = time.perf_counter() - start
    return {
        "prompts": len(results),
        "tokens": sum(g.n_new_tokens or 0 for g in results),
        "seconds": seconds,
        "startup_seconds": startup_s,
    }


def measured_peak_flops(dtype_name: str) -> float:
    """FLOP/s of a large matmul on this device: the peak used where no data-sheet figure exists."""
    import torch

    cuda = torch.cuda.is_available()
    n = 8192 if cuda else 512
    dtype = getattr(torch, dtype_name)
    a = torch.randn(n, n, dtype=dtype, device="cuda" if cuda else "cpu")
    b = torch.randn(n, n, dtype=dtype, device=a.device)
    for _ in range(2):
        a @ b
    if cuda:
        torch.cuda.synchronize()
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.3:
        a @ b
        reps += 1
    if cuda:
        torch.cuda.synchronize()
    return 2.0 * n**3 * reps / (time.perf_counter() - start)


def part_train(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    """SFT through the harness's DeepSpeed trainer (what ``harness train`` runs); no checkpoint or
    model export (``save_outputs=False``), so only training is timed."""
    import torch

    from harness.paths import shared_data_dir
    from harness.training.metrics import peak_flops, read_log
    from harness.training.trainer import DeepSpeedTrainer

    built = part_build(args, plan) if not (Path(args.model_dir) / "config.json").is_file() else None
    on_cuda = torch.cuda.is_available()
    micro, accum = args.micro, args.accum
    out = (
        Path(args.model_dir).parent
        / f"train-{args.shape}-zero{args.zero}{'-offload' if args.offload else ''}"
    )
    shared = shared_data_dir()
    DeepSpeedTrainer().train(
        model=f"hf:{args.model_dir}",
        out=str(out),
        data="sharegpt",
        data_dir=str(shared) if shared else None,
        max_samples=plan.max_samples,
        max_steps=plan.train_steps,
        lr=1e-5,
        warmup_ratio=0.0,
        max_length=plan.max_length,
        global_batch_size=micro * accum,
        micro_batch_size=micro,
        zero_stage=args.zero,
        offload=args.offload,
        gradient_checkpointing=args.gradient_checkpointing,
        progress=False,
        save_outputs=False,
    )
    log = read_log(out)
    config = json.loads((out / "train_config.json").read_text(encoding="utf-8"))
    steady = log[2:] if len(log) > 3 else log[1:] or log
    tokens_per_s = statistics.median(r["tokens_per_s"] for r in steady)
    logged_mfu = [r["mfu"] for r in steady if "mfu" in r]
    device_name = torch.cuda.get_device_name(0) if on_cuda else None
    peak = peak_flops(device_name)
    if peak is not None:
        peak_source = (
            "HARNESS_PEAK_TFLOPS"
            if os.environ.get("HARNESS_PEAK_TFLOPS")
            else f"data-sheet dense bf16 peak of {device_name} (harness.training.metrics)"
        )
    else:
        dtype_name = "bfloat16" if config["precision"] == "bf16" else "float32"
        peak = measured_peak_flops(dtype_name)
        peak_source = f"measured {dtype_name} matmul rate on {device_name or 'this CPU'} (no data-sheet peak)"
    n = int(config["n_params"])
    return {
        "n_params": n,
        "tokens_per_s": tokens_per_s,
        "peak_flops": peak,
        "peak_source": peak_source,
        "mfu_6n": 6.0 * n * tokens_per_s / peak,
        "mfu_logged": statistics.median(logged_mfu) if logged_mfu else None,
        "precision": config["precision"],
        "zero_stage": config["deepspeed_config"]["zero_optimization"]["stage"],
        "offload": args.offload,
        "micro_batch": micro,
        "grad_accum": accum,
        "steps": len(log),
        "steps_timed": len(steady),
        "max_length": plan.max_length,
        "n_samples": config["n_samples"],
        "built": built,
    }


def part_prebuild(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    """Compile DeepSpeed's CPU Adam (what ``--offload`` uses) into torch's extension cache."""
    from deepspeed.accelerator import get_accelerator

    start = time.perf_counter()
    get_accelerator().create_op_builder("CPUAdamBuilder").load()
    return {"seconds": time.perf_counter() - start}


PARTS = {
    "env": part_env,
    "prebuild": part_prebuild,
    "build": part_build,
    "generate-hf": part_generate_hf,
    "generate-vllm": part_generate_vllm,
    "train": part_train,
}


def run_part(args: argparse.Namespace) -> int:
    from harness.errors import HarnessError

    plan = Plan.make(args)
    try:
        result = PARTS[args.part](args, plan)
    except HarnessError as exc:
        result = {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - reported as the row's reason; the log has the traceback
        import traceback

        traceback.print_exc()
        oom = "out of memory" in str(exc).lower() or type(exc).__name__ == "OutOfMemoryError"
        result = {
            "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}",
            "oom": oom,
        }
    Path(args.result).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


# ------------------------------------------------------------------------------- the driver


class Driver:
    """Runs the parts one after another within the time budget and collects their results."""

    def __init__(self, plan: Plan, work: Path, passthrough: list[str]) -> None:
        self.plan, self.work, self.passthrough = plan, work, passthrough
        self.deadline = time.monotonic() + plan.budget_s
        self.logs: dict[str, Path] = {}

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def background(self, label: str, part: str) -> subprocess.Popen:
        """Start a part that needs no GPU alongside the others (its result is not read)."""
        log = (self.work / f"{label}.log").open("w", encoding="utf-8")
        cmd = [sys.executable, str(HERE), "--part", part, "--result", str(self.work / f"{label}.json")]
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    def part(
        self, label: str, part: str, *, minimum_s: float, cap_s: float, **options: Any
    ) -> dict[str, Any]:
        left = self.remaining()
        if left < minimum_s:
            return {
                "error": f"skipped: {left:.0f}s of the {self.plan.budget_s:.0f}s budget left, needs ~{minimum_s:.0f}s"
            }
        result_path = self.work / f"{label}.json"
        log_path = self.work / f"{label}.log"
        self.logs[label] = log_path
        cmd = [sys.executable, str(HERE), "--part", part, "--result", str(result_path), *self.passthrough]
        for key, value in options.items():
            flag = f"--{key.replace('_', '-')}"
            if value is True:
                cmd.append(flag)
            elif value not in (None, False):
                cmd += [flag, str(value)]
        # The dry run only proves the parts run (on a busy CI machine): no caps but the budget.
        timeout = left if self.plan.dry_run else min(cap_s, left)
        start = time.monotonic()
        print(
            f"[{time.strftime('%H:%M:%S')}] {label} (up to {timeout:.0f}s) ...", file=sys.stderr, flush=True
        )
        env = dict(os.environ)
        if self.plan.dry_run:
            env["CUDA_VISIBLE_DEVICES"] = ""  # the dry run is the CPU path, GPU or not
        try:
            with log_path.open("w", encoding="utf-8") as log:
                proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f}s (log: {log_path})"}
        finally:
            print(f"    {label}: {time.monotonic() - start:.0f}s", file=sys.stderr, flush=True)
        if not result_path.is_file():
            tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
            return {"error": f"exit {proc.returncode}: {tail[0][:200]} (log: {log_path})"}
        return json.loads(result_path.read_text(encoding="utf-8"))


def fmt_rate(value: float) -> str:
    return f"{value:,.1f}"


def sci(value: float) -> str:
    """2.071e6 rather than 2.071e+06: the MFU arithmetic fits in 80 columns."""
    return f"{value:.3e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def flops(value: float) -> str:
    return f"{value / 1e12:,.1f} TFLOP/s" if value >= 1e11 else f"{value / 1e9:,.2f} GFLOP/s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny shapes on CPU, fp32 (what CI runs)")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure here")
    parser.add_argument("--budget-s", type=float, default=None, help="time budget of the whole run [470]")
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="keep models and logs here (default: a temp dir, removed)"
    )
    parser.add_argument("--n-questions", type=int, default=None)
    parser.add_argument("--max-new-tokens", type=int, default=None)
    parser.add_argument("--single-questions", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--train-steps", type=int, default=None)
    # internal: one part in this process
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--shape", choices=sorted(SHAPES), help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--zero", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--offload", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gradient-checkpointing", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--micro", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--accum", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        return run_part(args)

    plan = Plan.make(args)
    passthrough = ["--dry-run"] if plan.dry_run else []
    for key in ("n_questions", "max_new_tokens", "single_questions", "batch_size", "train_steps"):
        if getattr(args, key) is not None:
            passthrough += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    import signal

    # timeout(1) sends SIGTERM: end like Ctrl-C, so the temporary models (13 GB for 7B) are removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    keep = args.work_dir is not None
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="gpu_check-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        figures = measure(Driver(plan, work, passthrough))
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(plan, figures)
    if args.json:
        args.json.write_text(
            json.dumps({"plan": asdict(plan), **figures}, indent=2, default=str) + "\n", encoding="utf-8"
        )
    # A ZeRO-2 attempt that did not fit is a finding, not a failure, when ZeRO-3 then ran.
    failed = [k for k, v in figures.items() if k != "sft_7b_zero2" and isinstance(v, dict) and "error" in v]
    return 1 if failed else 0


def measure(driver: Driver) -> dict[str, Any]:
    dry = driver.plan.dry_run
    figures: dict[str, Any] = {}
    figures["env"] = env = driver.part("env", "env", minimum_s=5, cap_s=120)
    # ZeRO-2 keeps, per parameter, bf16 weights and gradients, fp32 master weights, Adam's two fp32
    # moments, an fp32 gradient partition at step time and the optimizer's temporaries: ~24 bytes,
    # plus activations and workspace. On one GPU, ZeRO-3 saves memory only by offloading to CPU.
    need = 24 * n_params(SHAPES["7b"]) + 12 * 2**30
    memory = env.get("gpu_memory_bytes", 0) or 0
    zero2 = dry or memory >= need
    prebuild = None
    if not zero2:  # the offload path needs DeepSpeed's CPU Adam: compile it while the GPU works
        prebuild = driver.background("prebuild-cpu-adam", "prebuild")
    model7 = driver.work / "llama-7b-shaped"
    figures["build_7b"] = driver.part(
        "build-7b", "build", minimum_s=20, cap_s=240, shape="7b", model_dir=model7
    )
    if "error" in figures["build_7b"]:
        figures["generate_hf"] = figures["generate_vllm"] = figures["sft_7b"] = {
            "error": "no 7B model (build failed)"
        }
    else:
        figures["generate_hf"] = driver.part(
            "generate-hf", "generate-hf", minimum_s=30, cap_s=200, model_dir=model7
        )
        figures["generate_vllm"] = driver.part(
            "generate-vllm", "generate-vllm", minimum_s=30, cap_s=200, model_dir=model7
        )
    model1 = driver.work / "llama-1b-shaped"
    figures["sft_1b"] = driver.part(
        "sft-1b-zero2",
        "train",
        minimum_s=30,
        cap_s=180,
        shape="1b",
        model_dir=model1,
        zero=2,
        micro=2 if dry else 4,
        accum=2,
    )
    if "error" not in figures["build_7b"]:
        if zero2:
            figures["sft_7b"] = driver.part(
                "sft-7b-zero2",
                "train",
                minimum_s=60,
                cap_s=260,
                shape="7b",
                model_dir=model7,
                zero=2,
                micro=2,
                accum=2,
                gradient_checkpointing=True,
            )
        else:
            figures["sft_7b"] = {
                "skipped": f"does not fit: needs ~{need / 2**30:.0f} GiB, the GPU has "
                f"{memory / 2**30:.0f} GiB"
            }
        if not dry and ("error" in figures["sft_7b"] or "skipped" in figures["sft_7b"]):
            figures["sft_7b_zero2"] = figures["sft_7b"]
            if prebuild is not None:  # CPU Adam, compiled in the background meanwhile
                try:
                    prebuild.wait(timeout=max(1.0, driver.remaining() - 90))
                except subprocess.TimeoutExpired:
                    prebuild.kill()
            figures["sft_7b"] = driver.part(
                "sft-7b-zero3-offload",
                "train",
                minimum_s=90,
                cap_s=400,
                shape="7b",
                model_dir=model7,
                zero=3,
                offload=True,
                micro=8,
                accum=1,
                gradient_checkpointing=True,
            )
    return figures


def print_table(plan: Plan, figures: dict[str, Any], width: int = 80) -> None:
    """One table, readable at 80 columns: a long note wraps under its own column."""
    import textwrap

    env = figures.get("env", {})
    dry = " (DRY RUN: tiny shapes on CPU, fp32; not a measurement)" if plan.dry_run else ""
    print(f"harness GPU check{dry}")
    if "error" in env:
        print(f"environment: {env['error']}")
    else:
        gpu = (
            f"{env['gpu']} x{env['gpu_count']}, {env['gpu_memory_bytes'] / 2**30:.0f} GiB"
            if env["gpu"]
            else "none"
        )
        print(f"GPU: {gpu}; CUDA {env['cuda']}")
        print(
            f"versions: torch {env['torch']}, transformers {env['transformers']}, DeepSpeed {env['deepspeed']},"
        )
        print(f"  vLLM {env['vllm']}, python {env['python']}")
    s7, s1 = ("7B-dry", "1B-dry") if plan.dry_run else ("7B", "1B")
    rows: list[tuple[str, str, str, str]] = []
    base_rate = None
    gen = figures.get("generate_hf", {})
    workload = f"{plan.n_questions} BELLE q x {plan.max_new_tokens} tokens"
    if "error" in gen:
        rows.append((f"{s7} gen: HF one-at-a-time", "failed", "-", gen["error"]))
        rows.append((f"{s7} gen: HF batched", "failed", "-", gen["error"]))
    else:
        single, batched = gen["single"], gen["batched"]
        base_rate = single["tokens"] / single["seconds"]
        rows.append(
            (
                f"{s7} gen: HF one-at-a-time",
                fmt_rate(base_rate),
                "1.0x",
                f"first {single['prompts']} of the {plan.n_questions} q, {gen['dtype']}",
            )
        )
        rate = batched["tokens"] / batched["seconds"]
        rows.append(
            (
                f"{s7} gen: HF batched ({batched['batch_size']})",
                fmt_rate(rate),
                f"{rate / base_rate:.1f}x",
                f"{workload}, {batched['seconds']:.1f}s",
            )
        )
    vllm = figures.get("generate_vllm", {})
    if "skipped" in vllm:
        rows.append((f"{s7} gen: vLLM", "skipped", "-", vllm["skipped"]))
    elif "error" in vllm:
        rows.append((f"{s7} gen: vLLM", "failed", "-", vllm["error"]))
    else:
        rate = vllm["tokens"] / vllm["seconds"]
        ratio = f"{rate / base_rate:.1f}x" if base_rate else "-"
        rows.append(
            (
                f"{s7} gen: vLLM",
                fmt_rate(rate),
                ratio,
                f"{workload}, {vllm['seconds']:.1f}s (+{vllm['startup_seconds']:.0f}s start)",
            )
        )
    attempted = {
        "sft_1b": "ZeRO-2",
        "sft_7b_zero2": "ZeRO-2",
        "sft_7b": "ZeRO-3+offload" if "sft_7b_zero2" in figures else "ZeRO-2",
    }
    mfu_lines = []
    for key, shape in (("sft_1b", s1), ("sft_7b_zero2", s7), ("sft_7b", s7)):
        sft = figures.get(key)
        if sft is None:
            continue
        if "skipped" in sft or "error" in sft:
            value = "skipped" if "skipped" in sft else "failed"
            rows.append((f"{shape} SFT {attempted[key]}", value, "-", sft.get("skipped") or sft["error"]))
            continue
        zero = f"ZeRO-{sft['zero_stage']}{'+offload' if sft['offload'] else ''}"
        label = f"{shape} SFT {sft['precision']} {zero}"
        rows.append(
            (
                label,
                fmt_rate(sft["tokens_per_s"]),
                f"{100 * sft['mfu_6n']:.1f}%",
                f"len<={sft['max_length']}, {sft['micro_batch']}x{sft['grad_accum']} seq/step, "
                f"{sft['steps_timed']} of {sft['steps']} steps timed",
            )
        )
        mfu_lines.append(f"  {label}: 6 x N x tokens/s / peak")
        mfu_lines.append(
            f"    = 6 x {sci(sft['n_params'])} x {sft['tokens_per_s']:,.1f} / {sci(sft['peak_flops'])}"
            f" = {100 * sft['mfu_6n']:.2f}%"
        )
        if sft["mfu_logged"]:
            mfu_lines.append(
                f"    (trainer's log, attention included, 6N + 12 L h s: {100 * sft['mfu_logged']:.2f}%)"
            )
        mfu_lines.append(f"    peak: {flops(sft['peak_flops'])}, {sft['peak_source']}")
    label_w = max(len(r[0]) for r in rows)
    head = f"{'measurement':<{label_w}}  {'tokens/s':>9}  {'x / MFU':>7}  "
    note_w = max(20, width - len(head))
    print(head + "notes")
    for label, value, ratio, note in rows:
        lines = textwrap.wrap(note, note_w) or [""]
        print(f"{label:<{label_w}}  {value:>9}  {ratio:>7}  {lines[0]}")
        for more in lines[1:]:
            print(" " * len(head) + more)
    for line in mfu_lines:
        print(textwrap.fill(line, width, subsequent_indent="      "))
    print("generation: greedy, each answer exactly the max new tokens (random weights);")
    print("  x = tokens/s over HF one-at-a-time. SFT: real tokens only (no padding).")


if __name__ == "__main__":
    sys.exit(main())
