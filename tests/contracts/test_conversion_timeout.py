"""A conversion that takes too long is given up, and nothing of it keeps running."""
import stat
import time
from pathlib import Path

import pytest


def test_a_conversion_over_its_time_leaves_no_process_behind(tmp_path):
    from core.conversion import ConversionFailed, docx_to_pdf

    pid_file = tmp_path / "child.pid"
    fake = tmp_path / "soffice"
    # a stand-in for soffice that forks a long-running child, as soffice forks soffice.bin
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pid_file}\nwait\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(ConversionFailed, match="did not finish"):
        docx_to_pdf(b"PK", binary=str(fake), timeout=1)
    child = int(pid_file.read_text())
    time.sleep(0.2)
    status = Path(f"/proc/{child}/status")
    # gone, or a zombie waiting for init to reap it: either way it runs no more
    assert not status.exists() or "State:\tZ" in status.read_text()
