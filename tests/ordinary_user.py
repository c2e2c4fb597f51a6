"""Run a child process that file permissions bind even though the tests run as root.

Root ignores a folder's mode (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a mode-000 or read-only
folder would test nothing. The child drops those two capabilities from its bounding set before
exec: the envspec it runs is then refused by the kernel as an ordinary user would be.
"""

from __future__ import annotations

import ctypes
import os

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def drop_root_file_powers() -> None:
    """`preexec_fn` of a child: no-op for a non-root user; as root, give up file-permission overrides."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP): cannot drop root's file capabilities")
