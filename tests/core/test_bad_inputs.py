"""Every bad input, through the real CLI in a subprocess: exit 2 with ONE line naming the file (and
line where there is one) or the plugin, a hint saying what to do, and never a traceback.

A broken *plugin* is isolated instead: the command still works (exit 0) and one warning line names
the plugin. One table holds the whole list; add a row for every hostile input found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.paths import shared_data_dir
from tests.harness_cli import run_harness

# one xdist worker (--dist loadgroup): the module-scoped fixtures are built once, not once per worker
pytestmark = pytest.mark.xdist_group("bad_inputs")

RUN = (
    "run",
    "--model",
    "tiny-llama",
    "--judge",
    "ref-f1",
    "--dataset",
    "demo",
    "--limit",
    "2",
    "--no-progress",
)


def harness(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, obey_permissions: bool = False
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "80", **(env or {})}
    if obey_permissions and os.geteuid() == 0:  # root's capabilities are dropped in a child process only
        return subprocess.run(
            [sys.executable, "-m", "harness", *args],
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd,
            timeout=300,
            preexec_fn=_drop_permission_override,
        )
    return run_harness(args, env=full_env, cwd=cwd, timeout=300)


def _drop_permission_override() -> None:
    """In the child, before exec: take CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH out of the bounding set.

    Root ignores file modes only through these two capabilities; after exec it no longer has them, so a
    read-only --out refuses root as it refuses any user, and the row runs in CI (as root) too.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for cap in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content), encoding="utf-8")


def plugin(d: Path, name: str, body: str) -> None:
    write(
        d / f"{name}.py",
        "from harness import hookimpl\nfrom harness.specs import JudgeSpec\n" + textwrap.dedent(body),
    )


def copy_run(d: Path, run: Path) -> Path:
    target = d / "runs" / "r1"
    shutil.copytree(run, target)
    (target / "run.lock").unlink(missing_ok=True)
    return target


CATEGORY_YAML = "id: poetry\ndisplay_name: poetry\nprompt: score it\n"


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    names: str  # what the one message line must contain; {d} is the case's folder
    setup: Callable[[Path, Path], None] = lambda d, run: None
    env: dict[str, str] = field(default_factory=dict)
    rc: int = 2  # 0: an isolated broken plugin (one warning line, the command works)
    needs: str | None = None  # "shared" (../shared/data), "permissions" (file modes must apply, root too)


def _garbage_paths(d: Path, run: Path) -> None:
    plugin(
        d,
        "garbage_paths",
        """
        @hookimpl
        def harness_registry_paths():
            return 42
    """,
    )


def _paths_with_none(d: Path, run: Path) -> None:
    plugin(
        d,
        "paths_with_none",
        """
        @hookimpl
        def harness_registry_paths():
            return ["/tmp", None]
    """,
    )


def _plugin_with_bad_registry(d: Path, run: Path) -> None:
    write(d / "plugreg" / "categories" / "bad.yaml", b"id: poetry\ndisplay_name: \xff\xfe\nprompt: p\n")
    plugin(
        d,
        "bad_registry",
        f"""
        @hookimpl
        def harness_registry_paths():
            return [{str(d / "plugreg")!r}]
    """,
    )


def _missing_factory(d: Path, run: Path) -> None:
    copy_run(d, run)
    plugin(
        d,
        "missing_factory",
        """
        @hookimpl
        def harness_register_judges(register):
            register(JudgeSpec(name="ghost", factory="no_such_module_xyz.judge:Ghost", description="d"))
    """,
    )


def _dict_result(d: Path, run: Path) -> None:
    copy_run(d, run)
    plugin(
        d,
        "dict_result",
        """
        @hookimpl
        def harness_register_judges(register):
            register(JudgeSpec(name="dictj", factory="dict_result:DictJudge", description="d"))

        class DictJudge:
            name = "dictj"

            def __init__(self, **options):
                pass

            def judge(self, items, *, on_result):
                for item in items:
                    on_result({"id": item.sample.id, "score": 1.0, "status": "scored"})
    """,
    )


def _clash(d: Path, run: Path) -> None:
    copy_run(d, run)
    for name in ("clash_a", "clash_b"):
        plugin(
            d,
            name,
            f"""
            @hookimpl
            def harness_register_judges(register):
                register(JudgeSpec(name="twin", factory="harness.judging.ref_f1:RefF1Judge", description={name!r}))
        """,
        )


def _raising_hook(d: Path, run: Path) -> None:
    plugin(
        d,
        "raising_hook",
        """
        @hookimpl
        def harness_register_judges(register):
            raise RuntimeError("hook exploded")
    """,
    )


def _wrong_spec(d: Path, run: Path) -> None:
    plugin(
        d,
        "wrong_spec",
        """
        from harness.specs import ModelSpec

        @hookimpl
        def harness_register_judges(register):
            register(ModelSpec(name="m", factory="a:b"))
    """,
    )


def _corrupt_run_json(text: bytes) -> Callable[[Path, Path], None]:
    def setup(d: Path, run: Path) -> None:
        (copy_run(d, run) / "run.json").write_bytes(text)

    return setup


def _read_only_out(d: Path, run: Path) -> None:
    (d / "ro").mkdir()
    (d / "ro").chmod(0o555)


def _not_a_tokenizer_dir(d: Path, run: Path) -> None:
    write(d / "tok" / "tokenizer_config.json", "{\n")


CASES = [
    # --- YAML: registry and config files
    Case(
        "registry-yaml-not-utf8",
        ("list",),
        "{d}/reg/categories/bad.yaml:2",
        lambda d, run: write(
            d / "reg" / "categories" / "bad.yaml", b"id: x\ndisplay_name: \xff\xfe\nprompt: p\n"
        ),
        env={"HARNESS_REGISTRY_PATH": "{d}/reg"},
    ),
    Case(
        "registry-yaml-syntax",
        ("list",),
        "{d}/reg/categories/bad.yaml:2",
        lambda d, run: write(d / "reg" / "categories" / "bad.yaml", "id: x\nprompt: p: q\ndisplay_name: y\n"),
        env={"HARNESS_REGISTRY_PATH": "{d}/reg"},
    ),
    Case(
        "registry-yaml-schema",
        ("list",),
        "{d}/reg/categories/bad.yaml",
        lambda d, run: write(d / "reg" / "categories" / "bad.yaml", CATEGORY_YAML + "colour: red\n"),
        env={"HARNESS_REGISTRY_PATH": "{d}/reg"},
    ),
    Case(
        "registry-yaml-empty",
        ("list",),
        "{d}/reg/categories/bad.yaml",
        lambda d, run: write(d / "reg" / "categories" / "bad.yaml", ""),
        env={"HARNESS_REGISTRY_PATH": "{d}/reg"},
    ),
    Case(
        "registry-path-is-a-file",
        ("list",),
        "{d}/c.txt",
        lambda d, run: write(d / "c.txt", "x\n"),
        env={"HARNESS_REGISTRY_PATH": "{d}/c.txt"},
        rc=0,
    ),
    Case(
        "registry-path-missing",
        ("list", "--json"),
        "{d}/nope",
        env={"HARNESS_REGISTRY_PATH": "{d}/nope"},
        rc=0,
    ),
    Case(
        "source-yaml-syntax",
        ("data", "list"),
        "{d}/reg/sources/s.yaml:3",
        lambda d, run: write(d / "reg" / "sources" / "s.yaml", "name: x\nfiles: [\n"),
        env={"HARNESS_REGISTRY_PATH": "{d}/reg"},
    ),
    Case(
        "template-yaml-not-utf8",
        RUN + ("--out", "{d}/runs"),
        "{d}/reg/templates/t.yaml:1",
        lambda d, run: write(d / "reg" / "templates" / "t.yaml", b"name: \xff\n"),
        env={"HARNESS_REGISTRY_PATH": "{d}/reg"},
    ),
    Case(
        "config-yaml-not-utf8",
        ("run", "-c", "{d}/bad.yaml"),
        "{d}/bad.yaml:3",
        lambda d, run: write(d / "bad.yaml", b"model: tiny-llama\njudge: ref-f1\nname: \xff\n"),
    ),
    Case(
        "config-yaml-nul-byte",
        ("run", "-c", "{d}/bad.yaml"),
        "{d}/bad.yaml:2",
        lambda d, run: write(d / "bad.yaml", "model: tiny-llama\nname: a\x00b\n"),
    ),
    Case(
        "config-yaml-not-a-mapping",
        ("run", "-c", "{d}/bad.yaml"),
        "{d}/bad.yaml",
        lambda d, run: write(d / "bad.yaml", "- model\n- tiny-llama\n"),
    ),
    Case(
        "config-yaml-unknown-key",
        ("run", "-c", "{d}/bad.yaml"),
        "{d}/bad.yaml",
        lambda d, run: write(d / "bad.yaml", "model: tiny-llama\nmodle: x\n"),
    ),
    # --- numbers: NaN, infinity (also an exponent past float's range) are refused, never sampled with or
    # written into run.json as non-JSON NaN/Infinity
    Case(
        "temperature-nan",
        RUN + ("--out", "{d}/runs", "--temperature", "nan"),
        "command line: invalid run options",
    ),
    Case(
        "temperature-inf",
        RUN + ("--out", "{d}/runs", "--temperature", "inf"),
        "command line: invalid run options",
    ),
    Case(
        "temperature-exponent-overflow",
        RUN + ("--out", "{d}/runs", "--temperature", "1e999"),
        "command line: invalid run options",
    ),
    Case(
        "config-yaml-judge-timeout-inf",
        ("run", "-c", "{d}/bad.yaml"),
        "{d}/bad.yaml: invalid run options",
        lambda d, run: write(d / "bad.yaml", "model: tiny-llama\njudge: ref-f1\njudge_timeout: .inf\n"),
    ),
    Case(
        "experiment-yaml-not-utf8",
        ("experiment", "{d}/exp.yaml"),
        "{d}/exp.yaml:1",
        lambda d, run: write(d / "exp.yaml", b"name: \xff\n"),
    ),
    # --- --tokenizer
    Case("tokenizer-missing", RUN + ("--out", "{d}/runs", "--tokenizer", "{d}/nope"), "{d}/nope"),
    Case(
        "tokenizer-is-a-file",
        RUN + ("--out", "{d}/runs", "--tokenizer", "{d}/tok.model"),
        "{d}/tok.model",
        lambda d, run: write(d / "tok.model", "not a tokenizer\n"),
    ),
    Case(
        "tokenizer-folder-not-a-tokenizer",
        RUN + ("--out", "{d}/runs", "--tokenizer", "{d}/tok"),
        "{d}/tok",
        _not_a_tokenizer_dir,
    ),
    Case(
        "tokenizer-not-sentencepiece",
        (
            "run",
            "--model",
            "llama2c:{shared}/models/stories260K.bin",
            "--tokenizer",
            "{d}/tok.model",
            "--judge",
            "ref-f1",
            "--dataset",
            "demo",
            "--limit",
            "1",
            "--no-progress",
            "--out",
            "{d}/runs",
        ),
        "{d}/tok.model",
        lambda d, run: write(d / "tok.model", "not a sentencepiece model\n"),
        needs="shared",
    ),
    Case(
        "tokenizer-stats-not-sentencepiece",
        ("tokenizer-stats", "--tokenizer", "{d}/tok.model", "--corpus", "{d}/c.txt"),
        "{d}/tok.model",
        lambda d, run: (write(d / "tok.model", "nope\n"), write(d / "c.txt", "hello\n")),
    ),
    Case(
        "tokenizer-stats-bad-tokenizer-json",
        ("tokenizer-stats", "--tokenizer", "{d}/tokenizer.json", "--corpus", "{d}/c.txt"),
        "{d}/tokenizer.json",
        lambda d, run: (write(d / "tokenizer.json", '{"x":\n'), write(d / "c.txt", "hello\n")),
    ),
    Case(
        "corpus-not-utf8",
        ("tokenizer-stats", "--tokenizer", "{d}/tokenizer.json", "--corpus", "{d}/c.txt"),
        "{d}/c.txt:3",
        lambda d, run: (write(d / "tokenizer.json", '{"x":\n'), write(d / "c.txt", b"a\nb\n\xff\xfe c\n")),
    ),
    # --- --out and --name
    Case(
        "out-is-a-file", RUN + ("--out", "{d}/afile"), "{d}/afile", lambda d, run: write(d / "afile", "x\n")
    ),
    Case("out-read-only", RUN + ("--out", "{d}/ro/runs"), "{d}/ro/runs", _read_only_out, needs="permissions"),
    Case(
        "out-under-proc",
        RUN + ("--out", "/proc/harness-bad-input-test"),
        "/proc/harness-bad-input-test",
        needs="linux",
    ),
    Case("name-dot-dot", RUN + ("--out", "{d}/runs", "--name", ".."), "--name"),
    # --- run directories
    Case(
        "run-json-truncated-judge",
        ("judge", "{d}/runs/r1", "--judge", "ref-f1"),
        "{d}/runs/r1/run.json:1",
        _corrupt_run_json(b'{"status": "comp'),
    ),
    Case(
        "run-json-not-an-object",
        ("judge", "{d}/runs/r1", "--judge", "ref-f1"),
        "{d}/runs/r1/run.json:1",
        _corrupt_run_json(b"[]\n"),
    ),
    Case(
        "run-json-not-utf8",
        ("judge", "{d}/runs/r1", "--judge", "ref-f1"),
        "{d}/runs/r1/run.json",
        _corrupt_run_json(b'{"status": "\xff"}\n'),
    ),
    Case(
        "run-json-corrupt-resume",
        RUN + ("--out", "{d}/runs", "--name", "r1"),
        "{d}/runs/r1/run.json:3",
        _corrupt_run_json(b'{\n  "status": \n'),
    ),
    Case(
        "run-json-corrupt-report",
        ("report", "{d}/runs/r1"),
        "{d}/runs/r1/run.json:1",
        _corrupt_run_json(b'{"status": "comp'),
    ),
    Case(
        "judgments-bad-middle-line",
        ("report", "{d}/runs/r1"),
        "{d}/runs/r1/judgments.jsonl",
        lambda d, run: (copy_run(d, run) / "judgments.jsonl").write_text('{"id": 1}\n{not json\n{"id": 2}\n'),
    ),
    # --- plugins that break: isolated (exit 0, one warning naming the plugin) ...
    Case(
        "plugin-registry-paths-garbage",
        ("--plugin", "{d}/garbage_paths.py", "list"),
        "garbage_paths",
        _garbage_paths,
        rc=0,
    ),
    Case(
        "plugin-registry-paths-none-item",
        ("list",),
        "paths_with_none",
        _paths_with_none,
        env={"HARNESS_PLUGINS": "{d}/paths_with_none.py"},
        rc=0,
    ),
    Case(
        "plugin-registry-file-not-utf8",
        ("list",),
        "bad_registry",
        _plugin_with_bad_registry,
        env={"HARNESS_PLUGINS": "{d}/bad_registry.py"},
        rc=0,
    ),
    Case(
        "plugin-hook-raises",
        ("plugins",),
        "raising_hook",
        _raising_hook,
        env={"HARNESS_PLUGINS": "{d}/raising_hook.py"},
        rc=0,
    ),
    Case(
        "plugin-wrong-spec-type",
        ("list", "--json"),
        "wrong_spec",
        _wrong_spec,
        env={"HARNESS_PLUGINS": "{d}/wrong_spec.py"},
        rc=0,
    ),
    Case(
        "plugin-import-fails",
        ("list",),
        "exploding",
        lambda d, run: write(d / "exploding.py", "raise RuntimeError('boom at import')\n"),
        env={"HARNESS_PLUGINS": "{d}/exploding.py"},
        rc=0,
    ),
    Case("plugin-file-missing", ("--plugin", "{d}/nope.py", "list"), "nope", rc=0),
    Case("plugin-attr-missing", ("list",), "json:nope", env={"HARNESS_PLUGINS": "json:nope"}, rc=0),
    Case(
        "plugin-hook-bad-signature",
        ("list",),
        "bad_signature",
        lambda d, run: plugin(
            d,
            "bad_signature",
            """
             @hookimpl
             def harness_register_judges(register, extra):
                 pass
         """,
        ),
        env={"HARNESS_PLUGINS": "{d}/bad_signature.py"},
        rc=0,
    ),
    # ... and a command that needs what a broken plugin provides fails naming that plugin
    Case(
        "plugin-factory-module-missing",
        ("judge", "{d}/runs/r1", "--judge", "ghost", "--plugin", "{d}/missing_factory.py"),
        "missing_factory",
        _missing_factory,
    ),
    Case(
        "plugin-availability-check-missing",
        ("--plugin", "{d}/avail.py", "judge", "{d}/runs/r1", "--judge", "av"),
        "'nope_mod:check'",
        lambda d, run: (
            copy_run(d, run),
            plugin(
                d,
                "avail",
                """
             @hookimpl
             def harness_register_judges(register):
                 register(JudgeSpec(name="av", factory="harness.judging.ref_f1:RefF1Judge", available="nope_mod:check"))
         """,
            ),
        ),
    ),
    Case(
        "generations-bad-middle-line",
        ("judge", "{d}/runs/r1", "--judge", "ref-f1", "--judgments-file", "x.jsonl"),
        "{d}/runs/r1/generations.jsonl line 2",
        lambda d, run: (copy_run(d, run) / "generations.jsonl").write_text(
            '{"id": "a"}\n{oops\n{"id": "b"}\n'
        ),
    ),
    Case(
        "plugin-on-result-gets-a-dict",
        ("--plugin", "dict_result", "judge", "{d}/runs/r1", "--judge", "dictj"),
        "dict_result",
        _dict_result,
        env={"PYTHONPATH": "{d}"},
    ),
    Case(
        "plugin-named-like-a-builtin",
        ("plugins",),
        "'judges'",
        lambda d, run: plugin(d, "judges", ""),
        env={"HARNESS_PLUGINS": "{d}/judges.py"},
    ),
    Case(
        "plugin-name-clash",
        ("judge", "{d}/runs/r1", "--judge", "twin"),
        "'clash_a', plugin 'clash_b'",
        _clash,
        env={"HARNESS_PLUGINS": "{d}/clash_b.py,{d}/clash_a.py"},
    ),
]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished")
    proc = harness(*RUN, "--out", str(out), "--name", "done")
    assert proc.returncode == 0, proc.stderr
    return out / "done"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_clear_line(case: Case, tmp_path: Path, finished_run: Path) -> None:
    shared = shared_data_dir()
    if case.needs == "shared" and shared is None:
        pytest.skip("../shared/data is absent")
    if case.needs == "linux" and not sys.platform.startswith("linux"):
        pytest.skip("needs /proc")
    d = tmp_path.resolve()
    case.setup(d, finished_run)

    def fill(text: str) -> str:
        return text.replace("{d}", str(d)).replace("{shared}", str(shared))

    env = {k: fill(v) for k, v in case.env.items()}
    if "PYTHONPATH" in env:
        env["PYTHONPATH"] += os.pathsep + os.environ.get("PYTHONPATH", "")
    proc = harness(
        *[fill(a) for a in case.argv], env=env, cwd=d, obey_permissions=case.needs == "permissions"
    )
    both = proc.stdout + proc.stderr
    assert "Traceback" not in both, both
    assert proc.returncode == case.rc, both
    prefix = "error:" if case.rc else "warning:"
    lines = [line for line in proc.stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, proc.stderr
    assert fill(case.names) in lines[0], proc.stderr
    if case.rc:
        hint = proc.stderr.splitlines()[proc.stderr.splitlines().index(lines[0]) + 1 :]
        assert hint and hint[0].strip(), f"no hint saying what to do:\n{proc.stderr}"


def test_a_clash_leaves_plugins_and_other_names_working(tmp_path: Path) -> None:
    """Two plugins registering one name: `plugins` lists both and the clash; other judges work."""
    for name in ("clash_a", "clash_b"):
        plugin(
            tmp_path,
            name,
            f"""
            @hookimpl
            def harness_register_judges(register):
                register(JudgeSpec(name="twin", factory="harness.judging.ref_f1:RefF1Judge", description={name!r}))
        """,
        )
    for order in ("clash_a.py,clash_b.py", "clash_b.py,clash_a.py"):
        env = {"HARNESS_PLUGINS": ",".join(str(tmp_path / p) for p in order.split(","))}
        proc = harness("plugins", env=env)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert "clash_a: judge 'twin' (also: clash_b)" in proc.stdout
        assert "clash_b: judge 'twin' (also: clash_a)" in proc.stdout
        listed = harness("list", "judge", "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        twins = sorted(r["plugin"] for r in json.loads(listed.stdout) if r["name"] == "twin")
        assert twins == ["clash_a", "clash_b"]


@pytest.mark.slow
def test_plugin_option_works_on_every_command(tmp_path: Path, finished_run: Path) -> None:
    """``--plugin`` before or after the command, and ``HARNESS_PLUGINS=module:attr``, reach the
    components a command builds (here: a judge for ``harness judge`` and ``harness run``)."""
    copy_run(tmp_path, finished_run)
    write(
        tmp_path / "len_plugin.py",
        """
        from harness import hookimpl
        from harness.protocols import Judgment
        from harness.specs import JudgeSpec

        class LenJudge:
            name = "len"

            def __init__(self, **options):
                pass

            def judge(self, items, *, on_result):
                for item in items:
                    score = min(len(item.answer), 10) / 10
                    on_result(Judgment(id=item.sample.id, category=item.sample.category, score=score,
                                       status="scored", judge="len", repeat=item.repeat))

        class Plugin:
            @hookimpl
            def harness_register_judges(self, register):
                register(JudgeSpec(name="len", factory="len_plugin:LenJudge", description="answer length"))
    """,
    )
    env = {"PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run_dir = tmp_path / "runs" / "r1"
    for argv, extra in [
        (("judge", str(run_dir), "--judge", "len", "--plugin", "len_plugin:Plugin"), {}),
        (
            (
                "--plugin",
                "len_plugin:Plugin",
                "judge",
                str(run_dir),
                "--judge",
                "len",
                "--judgments-file",
                "b.jsonl",
            ),
            {},
        ),
        (
            ("judge", str(run_dir), "--judge", "len", "--judgments-file", "c.jsonl"),
            {"HARNESS_PLUGINS": "len_plugin:Plugin"},
        ),
    ]:
        proc = harness(*argv, env={**env, **extra})
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (run_dir / "judgments-len.jsonl").is_file() and (run_dir / "b.jsonl").is_file()
    assert (run_dir / "c.jsonl").is_file()
    proc = harness(
        *RUN[:4], "len", *RUN[5:], "--out", str(tmp_path / "runs"), "--plugin", "len_plugin:Plugin", env=env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_plugin_that_crashes_is_one_line_naming_it_and_keeps_what_finished(
    tmp_path: Path, finished_run: Path
) -> None:
    """Not bad input but a plugin's bug: exit 1, one line naming the plugin and its file:line, the
    judgment delivered before the crash kept on disk; ``-v`` shows the traceback. The plugin is a
    file whose spec names its factory by the file's own name (``crashy:CrashJudge``)."""
    run = copy_run(tmp_path, finished_run)
    write(
        tmp_path / "elsewhere" / "crashy.py",
        """
        from harness import hookimpl
        from harness.protocols import Judgment
        from harness.specs import JudgeSpec

        @hookimpl
        def harness_register_judges(register):
            register(JudgeSpec(name="crashy", factory="crashy:CrashJudge", description="d"))

        class CrashJudge:
            name = "crashy"

            def __init__(self, **options):
                pass

            def judge(self, items, *, on_result):
                first = list(items)[0]
                on_result(Judgment(id=first.sample.id, category=first.sample.category, score=1.0,
                                   status="scored", judge="crashy", repeat=first.repeat))
                raise KeyError("no field 'gold'")
    """,
    )
    path = tmp_path / "elsewhere" / "crashy.py"
    args = ("judge", str(run), "--judge", "crashy", "--plugin", str(path))
    proc = harness(*args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert (
        first == f"error: plugin 'crashy' crashed: KeyError: \"no field 'gold'\" (at {path}:20, in judge)"
    ), first
    assert "HARNESS_DISABLE_PLUGINS=crashy" in proc.stderr
    kept = (run / "judgments-crashy.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(kept) == 1 and json.loads(kept[0])["score"] == 1.0
    verbose = harness("-v", *args[:-2], "--judgments-file", "v.jsonl", "--plugin", str(path))
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr and "KeyError" in verbose.stderr


def test_a_plugin_file_never_shadows_a_module(tmp_path: Path) -> None:
    """A plugin file is importable by its name only when that name is free: ``json.py`` is not json."""
    import json as real_json

    from harness.manager import PluginManager

    write(tmp_path / "json.py", "X = 1\n")
    write(tmp_path / "free_name_plugin_xyz.py", "X = 2\n")
    manager = PluginManager(load_entry_points=False, warn=False)
    manager.load_plugin(str(tmp_path / "json.py"))
    manager.load_plugin(str(tmp_path / "free_name_plugin_xyz.py"))
    assert sys.modules["json"] is real_json
    assert sys.modules["free_name_plugin_xyz"].X == 2
    del sys.modules["free_name_plugin_xyz"]
