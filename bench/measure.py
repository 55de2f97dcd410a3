"""Run one command as its own process: wall seconds, peak RSS, exit code, output.

Peak RSS is the kernel's high-water mark of that one process tree, read through GNU time
(`/usr/bin/time -f %M`). It is not taken from os.wait4/getrusage in this process: a child
started from a large parent inherits the parent's high-water mark at exec (vfork), which would
report this runner's memory as the child's. Without GNU time, psutil samples the RSS of the
child and its descendants every 50 ms (a lower bound: a peak shorter than that can be missed).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"
POLL_SECONDS = 0.05


@dataclass
class Measurement:
    wall: float
    peak_mib: float | None
    code: int | None  # None: killed at the timeout
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.code is None


def _has_gnu_time() -> bool:
    if not (os.path.exists(GNU_TIME) and os.access(GNU_TIME, os.X_OK)):
        return False
    probe = subprocess.run([GNU_TIME, "--version"], capture_output=True, text=True)
    return "GNU" in probe.stdout + probe.stderr


METHOD = ("GNU time %M (kernel max RSS of each child)" if _has_gnu_time()
          else f"psutil RSS samples every {POLL_SECONDS * 1000:.0f} ms (child and descendants)")


def run(cmd: list[str], *, timeout: float, cwd: Path | None = None, env: dict | None = None) -> Measurement:
    """Run cmd, killing its whole process group after timeout seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "maxrss"
        gnu = METHOD.startswith("GNU")
        full = [GNU_TIME, "-f", "%M", "-o", str(report), *cmd] if gnu else cmd
        started = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        sampler = None if gnu else _Sampler(proc.pid)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this call started, and nothing else
            stdout, stderr = proc.communicate()
            code = None
        wall = time.perf_counter() - started
        if sampler is not None:
            peak = sampler.stop()
        else:
            text = report.read_text().strip().splitlines() if report.exists() else []
            peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else None  # KiB -> MiB
    return Measurement(wall, peak, code, stdout, stderr)


class _Sampler:
    """Highest summed RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        import psutil

        self._psutil = psutil
        self._pid = pid
        self._peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            try:
                root = self._psutil.Process(self._pid)
                procs = [root, *root.children(recursive=True)]
                self._peak = max(self._peak, sum(p.memory_info().rss for p in procs))
            except self._psutil.Error:
                pass  # exited between listing and reading
            self._done.wait(POLL_SECONDS)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self._peak / 2**20


def which_ftscore(python: str) -> list[str]:
    """The installed console script beside python, else `python -m pipeline`."""
    script = Path(python).parent / "ftscore"
    return [str(script)] if script.exists() else [python, "-m", "pipeline"]


def clean_env() -> dict:
    """The environment without FTSCORE_* settings, so a user's defaults cannot change the run,
    and without _RJEM_MALLOC_CONF: the runner's own polars import sets it (polars' allocator
    defaults), and a child would inherit the runner's choice instead of making its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FTSCORE_") and k != "_RJEM_MALLOC_CONF"}



class OtherLoad:
    """CPU seconds that processes other than this one and its children used since creation:
    the whole machine's busy time (/proc/stat) less ours (getrusage). On a 2-core machine a
    test suite running beside the benchmark shows up here, and in every wall time."""

    def __init__(self):
        self._start = self._machine(), self._ours()

    @staticmethod
    def _machine() -> float | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except OSError:
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _ours() -> float:
        return sum(u.ru_utime + u.ru_stime
                   for u in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))

    def seconds(self) -> float | None:
        machine, ours = self._machine(), self._ours()
        if machine is None or self._start[0] is None:
            return None
        return max(0.0, (machine - self._start[0]) - (ours - self._start[1]))
