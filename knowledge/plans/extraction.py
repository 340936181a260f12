"""Limits on reading an uploaded plan: how far a DOCX may inflate, how long and how much memory extracting its
text may take (in a separate process that is killed past them), and how much of its text goes into the search index.

Issue 18, item 13: a 1.7 MB DOCX inflating 155× (to 195 MiB of XML) passed the ratio guard, took 21 s and 210 MB
to extract in the web process and kept the single index writer busy for 98 s.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.errors import ValidationError

MIB = 1024 * 1024

# A real plan's DOCX, drawings included, inflates to a few MiB of XML; 50 MiB leaves ten times that and keeps
# python-docx (whose lxml tree takes several times the XML's size) inside the worker's memory limit.
MAX_INFLATED_BYTES = 50 * MIB
# A normal 260 KB plan DOCX (1.5 MB inflated) extracts in about 0.19 s in-process, 0.55 s in the worker (a new
# interpreter importing python-docx and pypdf costs about 0.35 s). Only inputs
# known to be small (a DOCX or TXT whose inflated size was read and is under this) skip the worker; every PDF
# goes through it, as a small PDF can hold compressed streams of any size.
IN_PROCESS_MAX_BYTES = 4 * MIB
# Extraction of the largest accepted DOCX takes a few seconds; twenty is a stall, not a plan.
EXTRACT_SECONDS = 20.0
# Address space of the extracting process (RLIMIT_AS): several times a 50 MiB document's lxml tree.
EXTRACT_MEMORY_BYTES = 512 * MIB
# Text indexed per plan document. Measured on the development machine, the single index writer spends about
# 2.7 s on a plan of 500,000 characters and 21 s on one of 2,000,000; a 250-page plan has about 400,000. Text
# past this cap is still stored (up to MAX_STORED_CHARS) and checked for the sections, but not searchable.
MAX_INDEXED_CHARS = 500_000
# Text stored per plan version: five times the longest real plan. The web request checks the sections in the
# stored text in-process (5 s for the 16 million characters a 50 MiB DOCX can hold, 0.6 s for 2 million) and the
# plan page shows only its start; the uploaded file itself is kept whole for download.
MAX_STORED_CHARS = 2_000_000
_READ_CHUNK = 64 * 1024

TIMEOUT_MESSAGE = "文件内容过于复杂，{seconds:g}秒内未能提取文字，已拒绝。请另存为普通DOCX或PDF后上传"
MEMORY_MESSAGE = "提取文件文字时内存超出限制，已拒绝。请另存为普通DOCX或PDF后上传"
DIED_MESSAGE = "提取文件文字时处理进程意外终止，已拒绝。请另存为普通DOCX或PDF后上传"


def inflated_message(limit: int) -> str:
    return f"文件解压后超过{limit / MIB:g}MB，可能是压缩炸弹，请另存为普通DOCX或PDF后上传"


@dataclass(frozen=True)
class ExtractionLimits:
    """The limits above; ``from_config`` reads PLAN_MAX_INFLATED_MB, PLAN_EXTRACT_SECONDS, PLAN_EXTRACT_MEMORY_MB."""

    max_inflated: int = MAX_INFLATED_BYTES
    seconds: float = EXTRACT_SECONDS
    memory: int = EXTRACT_MEMORY_BYTES
    in_process_max: int = IN_PROCESS_MAX_BYTES

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExtractionLimits:
        return cls(
            max_inflated=int(config.get("PLAN_MAX_INFLATED_MB", MAX_INFLATED_BYTES // MIB)) * MIB,
            seconds=float(config.get("PLAN_EXTRACT_SECONDS", EXTRACT_SECONDS)),
            memory=int(config.get("PLAN_EXTRACT_MEMORY_MB", EXTRACT_MEMORY_BYTES // MIB)) * MIB,
        )


DEFAULT_LIMITS = ExtractionLimits()


def inflated_size(archive: zipfile.ZipFile, limit: int) -> int:
    """The bytes the archive's entries really inflate to, read with a budget of ``limit``.

    The declared sizes are checked first (nothing is inflated for an archive that admits to being too big), then
    every entry is inflated in chunks and counted, the declared size ignored: reading stops as soon as the total
    passes ``limit``, and an entry larger than it declares is refused too (python-docx would read it cut short).

    :raises ValidationError: on the ``file`` field, with ``inflated_message(limit)``.
    """
    infos = archive.infolist()
    if sum(info.file_size for info in infos) > limit:
        raise ValidationError(inflated_message(limit), field="file")
    total = 0
    for info in infos:
        unbounded = copy.copy(info)
        unbounded.file_size = (
            limit - total + 1
        )  # zipfile stops at the declared size: declare one byte past the budget
        entry = 0
        with archive.open(unbounded) as stream:
            while chunk := stream.read(_READ_CHUNK):
                entry += len(chunk)
                if total + entry > limit or entry > info.file_size:
                    raise ValidationError(inflated_message(limit), field="file")
        total += entry
    return total


def indexed_text(text: str) -> str:
    """The part of a plan's text the search index gets (``MAX_INDEXED_CHARS``)."""
    return text[:MAX_INDEXED_CHARS]


_log = logging.getLogger(__name__)
_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def run_isolated(
    target: Callable[[bytes], Any], data: bytes, limits: ExtractionLimits, error: type[ValidationError]
) -> Any:
    """``target(data)`` in a fresh Python process (``python -m knowledge.plans.extraction``) under the time and
    memory limits, its result passed back as JSON (a tuple comes back as a list); ``target`` is a module-level
    function. A new interpreter rather than a fork: the web process has threads (the index writer, warm-up), and
    multiprocessing would re-run the web server's main script in the child.

    A ValidationError raised by ``target`` comes back as ``error`` with its message; a worker past its time is
    killed, and that, a MemoryError or a worker that dies, raise ``error`` with a message saying so."""
    command = [sys.executable, "-m", __name__, target.__module__, target.__qualname__, str(limits.memory)]
    # Not the web process's environment: the worker reads untrusted input and needs none of its keys.
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=limits.seconds, env=environment, check=False
        )
    except subprocess.TimeoutExpired:  # run() has killed the worker
        raise error(TIMEOUT_MESSAGE.format(seconds=limits.seconds)) from None
    try:
        status, payload = json.loads(done.stdout)
    except ValueError:
        _log.error(
            "plan extraction worker died (exit %s): %s",
            done.returncode,
            done.stderr[-2000:].decode(errors="replace"),
        )
        raise error(DIED_MESSAGE) from None
    if status == "ok":
        return payload
    raise error(str(payload))


def _work(module: str, name: str, memory: int) -> tuple[str, Any]:
    # The readers are imported before the limit: it bounds the work on the upload only.
    target = getattr(importlib.import_module(module), name)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        data = sys.stdin.buffer.read()
        return ("ok", target(data))
    except ValidationError as exc:
        return ("refused", exc.message)
    except MemoryError:
        return ("refused", MEMORY_MESSAGE)


if __name__ == "__main__":
    try:
        outcome = _work(sys.argv[1], sys.argv[2], int(sys.argv[3]))
        sys.stdout.buffer.write(json.dumps(outcome, ensure_ascii=False).encode())
    except MemoryError:
        sys.stdout.buffer.write(json.dumps(("refused", MEMORY_MESSAGE)).encode())
