"""The entry point's settings for Arrow's allocator (cli/entry._arrow_memory): jemalloc, returning freed pages after
100 ms, unless the user chose otherwise; the settings string is one jemalloc accepts (it names a bad pair on
stderr and goes on, so a typo would be silent but for this test)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from entcli.cli import entry

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the settings are made on Linux only")


def test_settings_made_and_a_users_own_kept(monkeypatch):
    environ: dict[str, str] = {}
    monkeypatch.setattr(entry, "_arrow_allocator", lambda: "jemalloc")
    entry._arrow_memory(environ)
    assert environ == {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc",
                       "JE_ARROW_MALLOC_CONF": "dirty_decay_ms:100,muzzy_decay_ms:100"}
    mine = {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc", "JE_ARROW_MALLOC_CONF": "dirty_decay_ms:0"}
    entry._arrow_memory(mine)
    assert mine == {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc", "JE_ARROW_MALLOC_CONF": "dirty_decay_ms:0"}


def test_jemalloc_takes_the_settings():
    pytest.importorskip("pyarrow")
    if entry._arrow_allocator() != "jemalloc":  # under ulimit -v the child takes the system allocator
        pytest.skip("an address-space or data limit is set: jemalloc is not used")
    env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "JE_ARROW_MALLOC_CONF")}
    code = ("import os; from entcli.cli import entry; entry._arrow_memory(os.environ)\n"
            "import pyarrow as pa; pa.array([0.5] * 100_000)\n"
            "print(pa.default_memory_pool().backend_name, os.environ['JE_ARROW_MALLOC_CONF'])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["jemalloc", entry.JEMALLOC_CONF]
    assert r.stderr == ""  # jemalloc writes "<jemalloc>: Invalid conf pair: ..." for a pair it does not know
