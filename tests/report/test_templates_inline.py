"""Report pages come from Jinja templates with autoescape; their CSS and JS are files inlined at
write time, so each page stays one offline file, and nothing a run holds can end a style or script."""

from __future__ import annotations

import json
import re

import pytest

from harness.report import templating
from harness.report.html import BAR_COLOURS, FONT_STACK

PAGES = ("report.css", "compare.css", "stats.css")
HOSTILE = "</script><script>alert(1)</script><!-- & \u2028\u2029 </SCRIPT >"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_style_carries_the_cjk_font_stack(name):
    assert FONT_STACK in templating.static_text(name)


def test_the_bar_fills_in_the_style_are_the_legend_colours():
    css = templating.static_text("report.css")
    for kind, colour in BAR_COLOURS.items():
        assert f".{kind} .bar{{fill:{colour}}}" in css


def test_json_for_a_script_cannot_end_it():
    text = templating.script_json({"answer": HOSTILE})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"answer": HOSTILE}


def test_a_static_file_that_would_close_its_element_is_refused(monkeypatch):
    templating.static_text.cache_clear()
    monkeypatch.setattr(templating, "_read", lambda folder, name: "body{}</style><script>x()</script>")
    try:
        with pytest.raises(ValueError, match="would close"):
            templating.static_text("evil.css")
    finally:
        templating.static_text.cache_clear()


def test_templates_escape_what_they_print():
    env = templating.environment()
    page = env.from_string("<p title='{{ v }}'>{{ v }}</p>").render(v=HOSTILE + "'\"")
    assert "<script>" not in page and "</script>" not in page and "&#x27;&quot;" in page


def test_a_misspelt_name_is_an_error_not_an_empty_cell():
    with pytest.raises(Exception, match="undefined"):
        templating.environment().from_string("{{ missing }}").render()


def test_the_report_is_one_offline_file(make_run, tmp_path):
    from harness.report import write_report

    run_dir = make_run(tmp_path / "r", name="r</style><script>alert(1)</script>", evil_answer=True)
    write_report(run_dir, n_resamples=50)
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//""", page)
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    assert "r&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
