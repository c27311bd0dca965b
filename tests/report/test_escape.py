"""The one escaping module every report writer uses (harness.report.escape)."""

from __future__ import annotations

import pytest
from rich.console import Console

from harness.report.escape import csv_cell, html_text, markdown_text, terminal_text


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_formula_triggers_are_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["macro ave", "open qa", "数学", -0.5, 0.25, None, 3])
def test_csv_leaves_plain_text_and_numbers_alone(value):
    assert csv_cell(value) == value


def test_markdown_has_no_html_no_markup_and_no_extra_columns():
    text = markdown_text('<script>alert("x")</script> | **b** [l](http://x) `c` # h\nnext')
    assert "<" not in text and ">" not in text and "\n" not in text
    assert "&lt;script&gt;" in text and "\\|" in text and "\\*\\*b\\*\\*" in text and "\\[l\\]" in text
    assert "\\`c\\`" in text and "\\# h" in text


def test_html_escapes_elements_and_attributes():
    assert html_text('<img src=x onerror="a">&') == "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;"


def test_terminal_markup_is_printed_as_written():
    console = Console(width=80, color_system=None)
    with console.capture() as captured:
        console.print(f"name: {terminal_text('[bold]x[/bold] [link=http://e]y[/link]')}")
    assert captured.get().strip() == "name: [bold]x[/bold] [link=http://e]y[/link]"
