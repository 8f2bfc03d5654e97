"""Silence the toolchains' developer output (tqdm bars, absl / C++ logging, ExecuTorch's cpuinfo probing) so users
see albert-edge's own lines; errors still surface as exceptions."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile


@contextlib.contextmanager
def quiet_toolchain():
    """Swallow what exporters and runtimes print for their own developers (tqdm bars, "Original model size", ORT's
    pre-processing advice, ExecuTorch's cpuinfo lines) at the file-descriptor level."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with tempfile.TemporaryFile() as sink:  # C++ logging (absl, TFLite) writes to the descriptors themselves
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    yield
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])
        root.setLevel(level)
