"""Run the ``harness`` command line in the test process, as ``python -m harness`` would run it.

Why: a subprocess pays the interpreter's start-up on every call (~2 s; ~17 s once torch and
transformers are imported), which made the suite take a quarter of an hour. In-process, a call
costs what the command itself costs. What a process would have started fresh is set up and put
back around each call: the environment (the call's ``env`` replaces ``os.environ``, ``PYTHONPATH``
entries go on ``sys.path``), cwd, ``sys.argv``, stdin/stdout/stderr, the process-wide plugin
manager, modules a plugin file or ``PYTHONPATH`` brought in, the app's command list (``main``
trims it to the command that runs), logging and warnings filters, signal handlers and the
process-wide caches that depend on the environment.

The result is a :class:`subprocess.CompletedProcess` with what the process would have reported:
``SystemExit``'s code, and an uncaught exception as exit 1 with its traceback on stderr (so a test
asserting "no traceback" still fails when the command crashes).

Only what a process alone shows (the real entry point's exit status, start-up imports, signals,
launchers, locks across processes) still needs ``subprocess``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import traceback
import types
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# modules under these stay loaded after a call (libraries, the harness itself); any other module a
# call imported (a plugin file, a PYTHONPATH package, a test's helper module) is dropped, as a
# process ending would drop it
_KEPT_PREFIXES = tuple(
    str(Path(p).resolve()) + os.sep
    for p in {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        ROOT / "harness",
        ROOT / "plugins",
        ROOT / "registry",
    }
)
_SIGNALS = tuple(
    s
    for s in (
        signal.SIGINT,
        signal.SIGTERM,
        getattr(signal, "SIGHUP", None),
        getattr(signal, "SIGUSR1", None),
        getattr(signal, "SIGUSR2", None),
    )
    if s is not None
)


_MAIN = types.ModuleType("__main__")
_MAIN.__package__ = "harness"


class _Capture(io.TextIOWrapper):
    """A text stream with a ``.buffer`` (some code writes bytes), decoded as a pipe would be."""

    def __init__(self) -> None:
        super().__init__(
            io.BytesIO(), encoding="utf-8", errors="backslashreplace", newline=None, write_through=True
        )

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]


class _Current:
    """Stands in for a stream a logging handler captured during a call: writes go to whatever
    ``sys.stdout``/``sys.stderr`` is when they happen (the next call's capture, or pytest's)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text: str) -> int:
        return getattr(sys, self.name).write(text)

    def flush(self) -> None:
        getattr(sys, self.name).flush()


def run_harness(
    args: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: str | os.PathLike | None = None,
    input: str | None = None,  # noqa: A002
    timeout: float | None = None,
    process: bool = False,
    **popen: object,
) -> subprocess.CompletedProcess:
    """``python -m harness *args`` in-process; ``env`` (when given) is the whole environment, a
    ``None`` value removing a variable. ``timeout`` is enforced only in a process.

    ``process=True`` (or any other ``subprocess.run`` option, e.g. ``preexec_fn``) runs a real
    process instead, for what only a new process shows: import-time output of a library, resource
    limits, dropped capabilities."""
    argv = [str(a) for a in args]
    if process or popen:
        return _in_a_process(argv, env, cwd, input, timeout, popen)
    out, err = _Capture(), _Capture()
    with _process_state(argv, env, cwd, input, out, err):
        code = _exit_code(argv)
    return subprocess.CompletedProcess([sys.executable, "-m", "harness", *argv], code, out.text(), err.text())


def _in_a_process(
    argv: list[str],
    env,
    cwd,
    input: str | None,
    timeout: float | None,  # noqa: A002
    popen: dict,
) -> subprocess.CompletedProcess:
    full = None if env is None else {k: str(v) for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        input=input,
        timeout=timeout,
        **popen,
    )


def _exit_code(argv: list[str]) -> int:
    """What the process's exit status would be: ``SystemExit``'s code, else 1 with the traceback
    (the interpreter prints an uncaught exception's traceback on stderr and exits 1)."""
    from harness.cli.app import main

    try:
        main(argv)
    except SystemExit as exc:
        return _system_exit_code(exc.code)
    except BaseException:  # noqa: BLE001 - a process reports every uncaught exception this way
        sys.stderr.write(traceback.format_exc())
        return 1
    return 0


def _system_exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)  # sys.exit("message"): the interpreter prints it and exits 1
    return 1


@contextlib.contextmanager
def _process_state(
    argv: list[str],
    env: Mapping[str, str | None] | None,
    cwd,
    input: str | None,  # noqa: A002
    out: _Capture,
    err: _Capture,
) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(_environment(env))
        stack.enter_context(_python_path(os.environ.get("PYTHONPATH", "")))
        stack.enter_context(_fresh_manager())
        stack.enter_context(_app_commands())
        stack.enter_context(_logging_and_warnings(out, err))
        stack.enter_context(_signal_handlers())
        stack.enter_context(_streams(argv, input, out, err))
        if cwd is not None:
            stack.enter_context(_cwd(cwd))
        yield


@contextlib.contextmanager
def _cwd(path) -> Iterator[None]:
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None] | None) -> Iterator[None]:
    saved = dict(os.environ)
    if env is not None:
        os.environ.clear()
        os.environ.update({k: str(v) for k, v in env.items() if v is not None})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _python_path(pythonpath: str) -> Iterator[None]:
    """``PYTHONPATH`` entries the test process lacks go first on ``sys.path`` for the call, and a
    module they shadow is imported from them (a test hides a library with a stand-in package), as in
    a new process; the modules and distributions found there are forgotten after it."""
    import importlib

    added = [str(Path(p).resolve()) for p in pythonpath.split(os.pathsep) if p]
    added = [p for p in added if p not in sys.path]
    sys.path[:0] = added
    importlib.invalidate_caches()
    shadowed = _unload_shadowed(added)
    before = set(sys.modules)
    try:
        yield
    finally:
        for entry in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(entry)
        _drop_new_modules(before)
        for name in shadowed:
            sys.modules.pop(name, None)
        sys.modules.update(shadowed)
        importlib.invalidate_caches()


def _unload_shadowed(entries: list[str]) -> dict[str, object]:
    """Take out of ``sys.modules`` (to put back after the call) the loaded packages and modules that
    a ``PYTHONPATH`` entry holds one of the same name of."""
    names = set()
    for entry in entries:
        with contextlib.suppress(OSError):
            names |= {
                Path(n).stem
                for n in os.listdir(entry)
                if n.endswith(".py") or Path(entry, n, "__init__.py").is_file()
            }
    taken = {k: v for k, v in sys.modules.items() if k.split(".")[0] in names}
    for name in taken:
        del sys.modules[name]
    return taken


def _drop_new_modules(before: set[str]) -> None:
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if name.startswith("harness_local_plugin_") or (path and not _kept(path)):
            sys.modules.pop(name, None)


def _kept(path: str) -> bool:
    resolved = str(Path(path).resolve())
    return resolved.startswith(_KEPT_PREFIXES)


@contextlib.contextmanager
def _fresh_manager() -> Iterator[None]:
    """Every call builds its plugin manager from its own environment, as a new process does."""
    from harness.cli import context
    from harness.manager import set_manager

    set_manager(None)
    context.extra_plugins[:] = []
    _clear_process_caches()
    try:
        yield
    finally:
        set_manager(None)
        context.extra_plugins[:] = []
        _clear_process_caches()
        # A one-rank `harness train` leaves its process group up (a process's exit handler ends it):
        # it stays for the next in-process training, as for the tests that call the trainer directly;
        # ending it would leave DeepSpeed's cached groups pointing at a destroyed one.


def _clear_process_caches() -> None:
    """Caches that live as long as a process and depend on its environment or on files' contents."""
    modules = sys.modules
    if "rich" in modules:
        modules["rich"]._console = None  # rich's global console (Progress's) sizes itself from COLUMNS once
    if "harness.api.openai_http" in modules:
        modules["harness.api.openai_http"]._tls_context.cache_clear()  # SSL_CERT_FILE
    if "harness.data.fetch" in modules:
        modules["harness.data.fetch"]._verified.clear()
    if "harness.training.data.locate" in modules:
        modules["harness.training.data.locate"]._verified_copies.clear()
    if "harness.training.data.sources" in modules:
        modules["harness.training.data.sources"]._records_cache.clear()


@contextlib.contextmanager
def _app_commands() -> Iterator[None]:
    """``main`` keeps only the requested command on the app (and root help trims it): put all back."""
    from harness.cli.app import app

    saved = {k: list(v) if isinstance(v, list) else v for k, v in vars(app).items()}
    info = {k: v for k, v in vars(app.info).items()} if hasattr(app, "info") else None
    try:
        yield
    finally:
        for key, value in saved.items():
            setattr(app, key, value)
        if info is not None:
            for key, value in info.items():
                setattr(app.info, key, value)


@contextlib.contextmanager
def _logging_and_warnings(out: _Capture, err: _Capture) -> Iterator[None]:
    """``quiet_third_parties`` is process-wide (logging disabled below ERROR, warnings filtered)."""
    disabled = logging.root.manager.disable
    with warnings.catch_warnings():
        try:
            yield
        finally:
            logging.disable(disabled)
            _rebind_handlers(out, err)


def _rebind_handlers(out: _Capture, err: _Capture) -> None:
    """A handler a call created on its stdout/stderr (a library's first import) writes to the current ones."""
    loggers = [
        logging.getLogger(),
        *(v for v in logging.root.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (out, err):
                handler.stream = _Current("stdout" if handler.stream is out else "stderr")


@contextlib.contextmanager
def _signal_handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in _SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:
                signal.signal(sig, handler)


@contextlib.contextmanager
def _streams(argv: list[str], input: str | None, out: _Capture, err: _Capture) -> Iterator[None]:  # noqa: A002
    saved = sys.stdin, sys.stdout, sys.stderr, sys.argv, sys.modules["__main__"]
    sys.modules["__main__"] = _MAIN  # click names the program from it: "python -m harness"
    sys.stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    sys.argv = [str(ROOT / "harness" / "__main__.py"), *argv]
    try:
        yield
    finally:
        out.flush()
        err.flush()
        sys.stdin, sys.stdout, sys.stderr, sys.argv, sys.modules["__main__"] = saved
