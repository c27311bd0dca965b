"""What the paper's figures mean for a registered model: published for it, or for models fine-tuned from it.

``llama`` and ``llama-ext`` are base models: the paper published no figure for them as they are, only
for the models it fine-tuned from them (the Table 5 rows whose ``base_model`` names them). Evaluating a
base model directly measures something the paper never did, and the run summary says so.
"""

from __future__ import annotations

from harness.paper.table5 import load_table5


def model_note(model: str | None) -> str | None:
    """A line for the run summary about ``model`` and the paper's figures, or ``None``."""
    if not model:
        return None
    from harness.models.hub import builtin_recipes

    recipe = next((r for r in builtin_recipes() if model == r.name or model in r.aliases), None)
    if recipe is None:
        return None
    table = load_table5()
    if recipe.paper_row:
        row = table.row(recipe.paper_row)
        return (
            f"{recipe.name} is the released model of the paper's row {row.label()} (Table 5); "
            f"its published figures are shown beside the measured ones."
        )
    if recipe.stage != "base":
        return None
    rows = [r for r in table.rows if r.base_model == recipe.name]
    fine_tuned = f" ({len(rows)} rows of Table 5, e.g. {rows[0].label()})" if rows else ""
    return (
        f"{recipe.name} is a base model (pre-trained, not instruction-tuned). The paper's figures are for "
        f"models fine-tuned from it{fine_tuned}: run `harness experiment configs/table2/` to train and "
        "evaluate them; these scores are not comparable with the paper's."
    )
