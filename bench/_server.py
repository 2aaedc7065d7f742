"""What the HTTP benchmarks share: an operator token from the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def operator_token(database_url: str, email: str = "bench@example.com") -> str:
    propflow = str(Path(sys.executable).parent / "propflow")
    result = subprocess.run(
        [propflow, "operator", "create", "--email", email, "--db", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]
