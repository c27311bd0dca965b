"""A Chinese rubric judge: per-category dimensions, reference shown, dict reply, scale 1-10."""

from harness import JudgeSpec, PointwiseLLMJudge, dict_key, hookimpl, system, user

DIMENSIONS = {
    "open_qa": ["事实正确性", "满足用户需求"],
    "generation": ["创造性", "语言流畅度", "满足用户需求"],
}
DEFAULT = ["事实正确性", "满足用户需求", "逻辑连贯性"]


class RubricJudge(PointwiseLLMJudge):
    name = "rubric"
    model = "gpt-4o-mini"  # the default judge model; --judge-model overrides it
    scale = (1, 10)  # a score outside it is unscored with the reason, never clipped
    reader = dict_key("综合得分")  # the number under this key in the last {...} that has it

    def messages(self, item):
        dims = DIMENSIONS.get(item.category, DEFAULT)
        reference = f"[参考答案]\n{item.reference}\n" if item.reference else ""
        example = "{" + "".join(f"'{d}': 7, " for d in dims) + "'综合得分': 7}"
        return [
            system("你是一个公正、严格的评审，请根据评分维度给模型回答打分（1到10分）。"),
            user(
                f"[问题]\n{item.question}\n{reference}[模型回答]\n{item.answer}\n\n"
                f"请从以下维度逐一评分：{'、'.join(dims)}。最后一行只输出一个字典，"
                f"包含每个维度的分数和综合得分，例如：\n{example}"
            ),
        ]


@hookimpl
def harness_register_judges(register):
    register(
        JudgeSpec(
            name="rubric",
            factory="rubric_judge:RubricJudge",
            scale=(1.0, 10.0),
            description="Per-category rubric (1-10), reads 综合得分 from the reply's dict",
        )
    )
