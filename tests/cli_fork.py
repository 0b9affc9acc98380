"""Run `python -m flask --app app xueshi …` commands, each in a process of its own, without
paying for a new interpreter's imports each time.

A command-line call spends more time starting Python and importing Flask, FAB and the
app than most commands take. `Forks` starts one helper process (with the commands'
environment and working directory) that does those imports once and then, for each
command, forks a child that does what `python -m flask` does after its imports: runs the
`flask` module as `__main__` with the command's arguments (the child builds its own app,
runs the command and exits through the interpreter's normal exit, as an operator's
process does). The helper never builds an app or opens a database, and everything a
command does dies with its child: no command sees another's state, and the test process
runs none of it.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

HELPER = r"""
import json, locale, os, runpy, sys, tempfile

# what `python -m flask --app app` imports, then what app.factory.create_app imports, in
# its order: the child finds them imported and builds its app from there
import flask.cli
import app
import app.factory
from app import models, runtime
from app.jobs import queue
from app.services import audit, messages, placement
from app.views import register_views, input_errors
from app.security import guard
from app.views import errors
from app.services import access_log
from app.cli import xueshi

encoding = locale.getpreferredencoding(False)


def text(handle):
    handle.seek(0)
    data = handle.read().decode(encoding, "replace")
    return data.replace("\r\n", "\n").replace("\r", "\n")


requests, replies = sys.stdin, sys.stdout
for line in requests:
    argv = json.loads(line)
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    replies.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.argv = ["flask", *argv]
        runpy.run_module("flask", run_name="__main__", alter_sys=True)
        sys.exit(0)
    _, status = os.waitpid(pid, 0)
    reply = {"returncode": os.waitstatus_to_exitcode(status), "stdout": text(out), "stderr": text(err)}
    out.close()
    err.close()
    replies.write(json.dumps(reply) + "\n")
    replies.flush()
"""


class Forks:
    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-c", HELPER], cwd=cwd, env=env, text=True,
                                     encoding="utf-8", stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`python -m flask <argv>`'s exit code, stdout and stderr."""
        self.proc.stdin.write(json.dumps(list(argv)) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"no answer in {timeout}s: {argv}"
        line = self.proc.stdout.readline()
        assert line, f"the helper died: {argv}"
        reply = json.loads(line)
        return subprocess.CompletedProcess(["flask", *argv], reply["returncode"], reply["stdout"],
                                           reply["stderr"])

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
