"""A rich progress bar for API work: done/total, rate, ETA, failures and spend so far.

Drawn on stderr so it never mixes with a command's output; ``enabled=False`` (``progress=False``,
tests, benchmarks) makes every method a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.terminal import make_console


class ApiProgress:
    def __init__(
        self,
        description: str,
        *,
        enabled: bool = True,
        failures: Callable[[], int] = lambda: 0,
        spend: Callable[[], float | None] = lambda: None,
    ) -> None:
        self.description = description
        self.enabled = enabled
        self._failures = failures
        self._spend = spend
        self._progress: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if not self.enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f}/s" if speed else "-/s")

        self._progress = Progress(
            TextColumn("{task.description}", style="bold", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[failures]} failed · spend {task.fields[spend]}"),
            console=make_console(stderr=True),
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self.description, total=total, failures=0, spend=self._spend_text()
        )

    def _spend_text(self) -> str:
        spend = self._spend()
        return "unknown" if spend is None else f"${spend:.4f}"

    def advance(self) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, advance=1, failures=self._failures(), spend=self._spend_text())

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
