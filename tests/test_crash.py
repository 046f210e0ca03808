"""A build killed at any moment leaves every published file whole: the old or the new one."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from feedtool._build import build
from feedtool._config import load_settings
from feedtool._publish import staging_path

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 2000
KILLS = 20


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench/generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_config(path: Path, title: str) -> None:
    path.write_text(
        f'[site]\ntitle = "{title}"\nurl = "https://crash.example/"\n'
        'id_authority = "crash.example,2026"\n',
        encoding="utf-8",
    )


def snapshot(output: Path) -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in output.rglob("*")
        if path.is_file()
    }


def test_sigkill_at_random_moments_never_leaves_a_partial_file(tmp_path: Path):
    load_generator().generate(ENTRIES, tmp_path / "entries", seed=7)
    config = tmp_path / "feedtool.toml"
    versions = {}
    for title in ("Old title", "New title"):
        write_config(config, title)
        build(load_settings(config, {"output": tmp_path / title}))
        versions[title] = snapshot(tmp_path / title)
    old, new = versions["Old title"], versions["New title"]
    changed = [name for name in old if old[name] != new[name]]
    assert set(old) == set(new) and len(changed) > 0.9 * len(old)

    output = tmp_path / "public"
    (tmp_path / "Old title").rename(output)
    started = time.monotonic()
    write_config(config, "New title")
    subprocess.run([sys.executable, "-m", "feedtool", "build", "-q"], cwd=tmp_path, check=True)
    full_build = time.monotonic() - started
    write_config(config, "Old title")
    subprocess.run([sys.executable, "-m", "feedtool", "build", "-q"], cwd=tmp_path, check=True)

    moments = random.Random(2026)
    killed_while_running = 0
    for attempt in range(KILLS):
        title = ("New title", "Old title")[attempt % 2]
        write_config(config, title)
        process = subprocess.Popen(
            [sys.executable, "-m", "feedtool", "build", "-q"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "FEEDTOOL_KILLED_BUILD": str(tmp_path)},
        )
        time.sleep(moments.uniform(0.05, full_build))
        if process.poll() is None:
            killed_while_running += 1
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        published = snapshot(output)
        for name, data in published.items():
            assert data in (old.get(name), new.get(name)), f"{name} is partial after kill {attempt}"
        assert set(published) <= set(old) | set(new)

    assert killed_while_running >= KILLS // 2, "the kills should land while building"
    # Nor does a killed build leave its worker processes behind, waiting for work forever.
    deadline = time.monotonic() + 10
    while processes_marked(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_marked(str(tmp_path)) == []
    write_config(config, "New title")
    result = subprocess.run(
        [sys.executable, "-m", "feedtool", "build", "-q"], cwd=tmp_path, capture_output=True
    )
    assert result.returncode == 0, result.stderr
    assert snapshot(output) == new
    assert not staging_path(output).exists()


def processes_marked(marker: str) -> list[int]:
    """Running processes whose environment holds ``FEEDTOOL_KILLED_BUILD=marker``."""
    wanted = f"FEEDTOOL_KILLED_BUILD={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if wanted in environment and state != "Z":
            found.append(int(entry.name))
    return found
