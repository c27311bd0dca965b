"""``python -m harness.testing --replies FILE``: varied replies without Python, in order or by a rule
on the prompt; a bad file exits 2 naming file and line; the base URL is printed first (port 0)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from harness.testing import ChatCompletionsServer, RepliesFileError, load_replies
from harness.testing.server_cli import main


def ask(base_url: str, content: str) -> httpx.Response:
    body = {
        "model": "m",
        "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": content}],
    }
    return httpx.post(f"{base_url}/chat/completions", json=body, timeout=10)


def reply_text(response: httpx.Response) -> str:
    return response.json()["choices"][0]["message"]["content"]


def test_plain_text_replies_in_order_cycling_with_escapes(tmp_path):
    path = tmp_path / "replies.txt"
    path.write_text("得分: 0.9\\n理由: 好\n\n得分: 0.1 \\\\ C:\\\\x\n", encoding="utf-8")
    with ChatCompletionsServer(load_replies(path)) as server:
        got = [reply_text(ask(server.base_url, f"q{i}")) for i in range(3)]
    assert got == ["得分: 0.9\n理由: 好", "得分: 0.1 \\ C:\\x", "得分: 0.9\n理由: 好"]


def test_jsonl_rules_pick_by_the_last_user_message_then_in_order(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text(
        '{"reply": "得分: 0.2", "match": "^bad"}\n{"reply": "default\\nline 2"}\n'
        '{"reply": "得分: 0.8", "match": "诗"}\n',
        encoding="utf-8",
    )
    with ChatCompletionsServer(load_replies(path)) as server:
        assert reply_text(ask(server.base_url, "bad answer")) == "得分: 0.2"
        assert reply_text(ask(server.base_url, "一首诗")) == "得分: 0.8"
        assert (
            reply_text(ask(server.base_url, "sys bad")) == "default\nline 2"
        )  # the system message is not matched


def test_no_matching_rule_and_no_default_is_a_400_naming_the_problem(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text('{"reply": "得分: 0.2", "match": "only this"}\n', encoding="utf-8")
    with ChatCompletionsServer(load_replies(path)) as server:
        response = ask(server.base_url, "something else")
    assert response.status_code == 400
    assert "no reply rule matches" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "content", "where", "says"),
    [
        (
            "r.jsonl",
            '{"reply": "ok"}\n{"reply": "x", "match": "("}\n',
            ":2:",
            "not a valid regular expression",
        ),
        ("r.jsonl", '{"reply": "ok"}\n\nnot json\n', ":3:", "not JSON"),
        ("r.jsonl", '{"text": "ok"}\n', ":1:", '"reply" string'),
        ("r.jsonl", '{"reply": "ok", "mtach": "x"}\n', ":1:", "unknown keys ['mtach']"),
        ("r.txt", "fine\nC:\\temp\\dir\n", ":2:", "unknown escape \\d"),
        ("r.txt", "\n\n", ":", "no replies"),
    ],
    ids=["bad-regex", "not-json", "no-reply", "typo-key", "bad-escape", "empty"],
)
def test_bad_replies_file_exits_2_naming_file_and_line(tmp_path, capsys, name, content, where, says):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["--replies", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}{where}") and says in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_hostile_file_name_and_bytes_are_one_escaped_line(tmp_path, capsys):
    path = tmp_path / "evil\x1b[2J\nname.txt"
    path.write_bytes(b"ok\n\xff\xfe\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["--replies", str(path)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "\x1b" not in err and err.count("\n") == 1
    assert "\\x1b[2J\\nname.txt:2: not UTF-8" in err


def test_missing_file_and_conflicting_options_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--replies", str(tmp_path / "nope.txt")])
    assert exit_info.value.code == 2 and "nope.txt: cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["--replies", str(tmp_path / "nope.txt"), "--reply", "x"])
    assert (
        exit_info.value.code == 2
        and "give one of --reply, --replies, --score and --prefer" in capsys.readouterr().err
    )


def test_load_replies_error_is_a_value_error_for_python_callers(tmp_path):
    with pytest.raises(RepliesFileError, match=r"r\.jsonl:1: not JSON"):
        (tmp_path / "r.jsonl").write_text("{", encoding="utf-8")
        load_replies(tmp_path / "r.jsonl")


def test_the_command_prints_its_url_first_and_serves_the_file(tmp_path):
    """A real process (what a shell script starts): port 0, the URL as the first line of stdout."""
    path = tmp_path / "replies.txt"
    path.write_text("first\nsecond\n", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "harness.testing", "--replies", str(path), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1") and not url.endswith(":0/v1")
        assert [reply_text(ask(url, "q")) for _ in range(3)] == ["first", "second", "first"]
    finally:
        server.terminate()
        server.wait(10)


def test_a_taken_port_exits_2(capsys):
    with ChatCompletionsServer() as taken, pytest.raises(SystemExit) as exit_info:
        main(["--port", str(taken.port)])
    assert exit_info.value.code == 2
    assert f"cannot listen on 127.0.0.1:{taken.port}" in capsys.readouterr().err
