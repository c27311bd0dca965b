"""The kinds of component, in the order listings show them (a leaf module: imports nothing)."""

KINDS: tuple[str, ...] = ("dataset", "model", "trainer", "generator", "judge", "category", "embedder")
