"""Built-in plugin ``mt-bench``: MT-Bench (Zheng et al. 2023) as an ordinary plugin.

It registers, through the public hooks only, the dataset ``mt-bench`` (80 two-turn questions, files
pinned in ``registry/sources/mt-bench.yaml``), its eight categories (``mt-bench-writing`` ...,
namespaced because BELLE owns ``math``) and the judge ``mt-bench-single`` (FastChat's single-answer
GPT-4 judge, 1..10). The harness core has no MT-Bench code: multi-turn samples, per-turn judging
and declared scales are generic. Nothing heavy is imported here.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.specs import CategorySpec, DatasetSpec, JudgeSpec

from .mt_bench_data import CATEGORIES, NEED_REF_CATS, category_id

DESCRIPTIONS = {
    "writing": "MT-Bench writing",
    "roleplay": "MT-Bench roleplay",
    "reasoning": "MT-Bench reasoning (reference)",
    "math": "MT-Bench math (reference)",
    "coding": "MT-Bench coding (reference)",
    "extraction": "MT-Bench extraction",
    "stem": "MT-Bench STEM knowledge",
    "humanities": "MT-Bench humanities",
}


@hookimpl
def harness_register_datasets(register) -> None:
    register(
        DatasetSpec(
            name="mt-bench",
            factory="harness_plugins.mt_bench_data:MTBenchDataset",
            description="MT-Bench: 80 two-turn questions in 8 categories (Zheng et al. 2023), pinned by sha256",
            takes=("data_dir", "mirror"),
            role="eval",
            language="en",
            # MANIFEST section 7: LMSYS leaderboard post of 2023-06-22, GPT-4 judge, mean over both turns
            published={
                "GPT-4": 8.99,
                "GPT-3.5-turbo": 7.94,
                "Vicuna-13B": 6.39,
                "Vicuna-7B": 6.00,
                "Alpaca-13B": 4.53,
            },
            published_judge="mt-bench-single",
            published_source="LMSYS leaderboard post of 2023-06-22 (GPT-4 single-answer judge, "
            "mean over both turns of MT-Bench's 80 questions)",
            # FastChat llm_judge/common.py temperature_config and gen_model_answer.py (max_new_token 1024)
            # fastchat/llm_judge/show_result.py (single): the mean score over every judged (question, turn)
            # row once unrated rows (-1) are dropped, not the mean of the eight category means
            headline="pooled",
            published_protocol="FastChat's gen_model_answer: temperature by category (writing, roleplay 0.7; "
            "stem, humanities 0.1; extraction, math, coding, reasoning 0 = greedy), "
            "at most 1,024 new tokens per turn",
        )
    )


@hookimpl
def harness_register_categories(register) -> None:
    for category in CATEGORIES:
        register(
            CategorySpec(
                name=category_id(category),
                display_name=category,
                description=DESCRIPTIONS[category],
                # the judge's prompt is chosen by mt-bench-single from FastChat's judge_prompts.jsonl
                prompt=f"MT-Bench {category}: judged with FastChat's "
                + ("single-math-v1 prompts" if category in NEED_REF_CATS else "single-v1 prompts"),
                gold_shown=category in NEED_REF_CATS,
                group=category_id(category),
            )
        )


@hookimpl
def harness_register_judges(register) -> None:
    register(
        JudgeSpec(
            name="mt-bench-single",
            factory="harness_plugins.mt_bench_judge:MTBenchSingleJudge",
            description="FastChat's MT-Bench single-answer judge (GPT-4, temperature 0, [[rating]] 1..10, per turn)",
            options={"name": "mt-bench-single"},
            takes=("judge", "data_dir", "mirror"),
            scale=(1.0, 10.0),
            judge_kind="pointwise",
        )
    )
    register(
        JudgeSpec(
            name="mt-bench-pair",
            factory="harness_plugins.mt_bench_judge:MTBenchPairJudge",
            description="FastChat's MT-Bench pairwise judge (GPT-4, both orders, flipped verdict = tie); "
            "harness compare --judge",
            options={"name": "mt-bench-pair"},
            takes=("judge", "data_dir", "mirror"),
            judge_kind="pairwise",
        )
    )
