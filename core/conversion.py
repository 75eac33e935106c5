"""DOCX → PDF with LibreOffice headless.

Each conversion gets its own user profile (-env:UserInstallation): two soffice processes sharing a profile
make the
second one exit 0 without output. So we also check that the PDF exists and looks like one, and we time out.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 120


class ConversionFailed(Exception):
    """LibreOffice did not produce a PDF; the message says why (shown on the document row)."""


# LibreOffice's PDF export as PDF/A-3b (fonts embedded, XMP metadata): what ZUGFeRD / Factur-X builds on
PDFA_3 = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"3"}}'


def docx_to_pdf(docx: bytes, binary: str = "soffice", timeout: int = TIMEOUT_SECONDS, *,
                pdfa: bool = False) -> bytes:
    if shutil.which(binary) is None:
        raise ConversionFailed(f"LibreOffice ({binary}) is not installed.")
    with tempfile.TemporaryDirectory(prefix="bn-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx)
        profile = work / "profile"
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            PDFA_3 if pdfa else "pdf",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        # its own process group: on a timeout the whole of LibreOffice goes (soffice forks soffice.bin, which
        # would otherwise keep a worker's CPU busy after we gave up)
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                   env={"HOME": tmp, "PATH": "/usr/bin:/bin:/usr/local/bin"})
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionFailed(f"LibreOffice did not finish within {timeout} s.") from exc
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        target = work / "out" / "document.pdf"
        if result.returncode != 0 or not target.exists():
            detail = (result.stderr or result.stdout or b"").decode(errors="replace").strip()[-500:]
            raise ConversionFailed(
                f"LibreOffice produced no PDF (exit {result.returncode}). {detail}".strip()
            )
        data = target.read_bytes()
        if not data.startswith(b"%PDF-"):
            raise ConversionFailed("LibreOffice wrote a file that is not a PDF.")
        return data
