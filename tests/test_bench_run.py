"""bench/run.py: one small end-to-end run, whole-tree memory, the table, the targets, the edits."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def _load_run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


run = _load_run()
M = run.Measurement
SECONDS = re.compile(r"^\d+\.\d+ s$")
MEGABYTES = re.compile(r"^\d+ MB$")


def _cells(report: str, label: str) -> list[str]:
    line = next(line for line in report.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _results(**overrides: M) -> dict[str, M]:
    """Every step measured at 1 s, the memory row at 100 MB, with some replaced."""
    steps = {step.key: M(seconds=1.0) for step in run.STEPS}
    memory = {run.MEMORY_ROW.key: M(seconds=1.0, peak_memory_kib=100 * 1024)}
    return {**steps, **memory, **overrides}


needs_proc = pytest.mark.skipif(
    run.MEMORY_GAUGE.read_process_kib is None, reason="no /proc to read memory from"
)


def test_end_to_end_run_writes_a_row_per_step_with_numbers(tmp_path, capsys):
    output = tmp_path / "R.md"
    status = run.main(["--sizes", "30", "--work", str(tmp_path), "--output", str(output)])
    report = output.read_text(encoding="utf-8")
    assert status == 0, report
    for step in run.STEPS:
        label, seconds, *_ = _cells(report, step.label)
        assert SECONDS.match(seconds), (label, seconds)
    memory = _cells(report, run.MEMORY_ROW.label)[1]
    assert MEGABYTES.match(memory) or run.MEMORY_GAUGE is run.UNMEASURED_GAUGE, memory
    assert f"Memory is the {run.MEMORY_ROW.label}:" in " ".join(report.split())
    assert re.search(r"machine: \d+ cores, [\d.]+ GiB memory", report)
    assert "- Python: " in report and "- feedtool: " in report and "- date: " in report
    assert "python bench/run.py --sizes 30 --seed 1" in report
    assert "not run" in report  # targets name 100,000 entries, not 30
    assert "| step | 30 entries |" in capsys.readouterr().out
    corpus = tmp_path / "corpus-30-s1"
    assert len(list(corpus.glob("*.txt"))) == 30  # the edits went to the site, not the corpus
    assert not (tmp_path / run.OLD_SITES).exists()


def test_an_earlier_runs_site_is_moved_aside_and_deleted_after_the_run(tmp_path):
    corpus = run.ensure_corpus(tmp_path, 3, 5)
    site = run.prepare_site(tmp_path, corpus, 3, 5)
    (site / "public").mkdir()
    (site / "public" / "old.html").write_text("from the earlier run")
    again = run.prepare_site(tmp_path, corpus, 3, 5)
    assert again == site and not (site / "public").exists()
    assert len(list((site / "entries").glob("*.txt"))) == 3
    # Nothing was deleted yet: the earlier site waits, whole, for the end of the run.
    (moved,) = (tmp_path / run.OLD_SITES).iterdir()
    assert (moved / "public" / "old.html").read_text() == "from the earlier run"
    run.remove_old_sites(tmp_path)
    assert not (tmp_path / run.OLD_SITES).exists()


def test_corpus_is_generated_once_and_reused(tmp_path):
    corpus = run.ensure_corpus(tmp_path, 3, 5)
    first = {path.name: path.stat().st_mtime_ns for path in corpus.iterdir()}
    assert run.ensure_corpus(tmp_path, 3, 5) == corpus
    assert {path.name: path.stat().st_mtime_ns for path in corpus.iterdir()} == first
    assert len([name for name in first if name.endswith(".txt")]) == 3


def test_table_has_a_row_per_step_and_a_column_per_size():
    results = {
        1_000: _results(),
        100_000: _results(cold=M(seconds=12.345), memory=M(seconds=20.0, peak_memory_kib=307200)),
    }
    table = run.format_table([1_000, 100_000], results)
    lines = table.splitlines()
    assert lines[0] == "| step | 1,000 entries | 100,000 entries | target | verdict |"
    assert len(lines) == 2 + len(run.STEPS) + 1
    assert _cells(table, "cold full build") == [
        "cold full build",
        "1.00 s",
        "12.35 s",
        "≤ 30 s at 100,000",
        "PASS",
    ]
    assert _cells(table, run.MEMORY_ROW.label)[1:] == [
        "100 MB",
        "300 MB",
        "≤ 500 MB at 100,000",
        "PASS",
    ]
    assert _cells(table, "read all files (floor)")[3:] == ["", ""]


def test_table_shows_failed_steps_and_missing_sizes():
    results = {1_000: _results(edit=M(error="exit status 1"))}
    table = run.format_table([1_000, 100_000], results)
    assert _cells(table, "rebuild after editing one entry")[1:3] == ["FAILED", "–"]


def test_short_times_keep_three_decimals():
    assert run.format_seconds(0.0456) == "0.046 s"
    assert run.format_seconds(1.5) == "1.50 s"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"cold": M(seconds=29.9)}, ["PASS", "PASS", "PASS", "PASS"]),
        ({"cold": M(seconds=30.0)}, ["PASS", "PASS", "PASS", "PASS"]),
        ({"cold": M(seconds=30.1)}, ["FAIL", "PASS", "PASS", "PASS"]),
        ({"noop": M(seconds=1.6)}, ["PASS", "FAIL", "PASS", "PASS"]),
        ({"edit": M(seconds=3.2)}, ["PASS", "PASS", "FAIL", "PASS"]),
        # memory is at most 500 MB of whole-tree Pss
        ({"memory": M(seconds=9.0, peak_memory_kib=500 * 1024)}, ["PASS", "PASS", "PASS", "PASS"]),
        ({"memory": M(seconds=9.0, peak_memory_kib=501 * 1024)}, ["PASS", "PASS", "PASS", "FAIL"]),
        ({"cold": M(error="exit status 1")}, ["FAIL", "PASS", "PASS", "PASS"]),
        ({"memory": M(error="exit status 1")}, ["PASS", "PASS", "PASS", "FAIL"]),
        # no /proc: the memory row says so instead of failing
        ({"memory": M(seconds=9.0)}, ["PASS", "PASS", "PASS", "not measured"]),
    ],
)
def test_targets_pass_and_fail_at_100000(overrides, expected):
    results = {100_000: _results(**overrides)}
    assert [run.verdict(target, results) for target in run.TARGETS] == expected


def test_targets_are_only_judged_at_the_size_they_name():
    slow = _results(
        cold=M(seconds=500.0),
        noop=M(seconds=60.0),
        memory=M(seconds=500.0, peak_memory_kib=4096 * 1024),
    )
    results = {1_000: slow, 10_000: slow}
    assert {run.verdict(target, results) for target in run.TARGETS} == {"not run"}


def test_verdict_lines_name_the_measured_value():
    lines = run.format_verdicts({100_000: _results(noop=M(seconds=2.0))}).splitlines()
    assert "- no-op rebuild ≤ 1.5 s at 100,000: FAIL (2.00 s)" in lines
    assert f"- {run.MEMORY_ROW.label} ≤ 500 MB at 100,000: PASS (100 MB)" in lines


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").is_file(), reason="no smaps_rollup")
def test_where_the_kernel_offers_pss_the_memory_row_is_whole_tree_pss():
    assert run.MEMORY_GAUGE is run.PSS_GAUGE
    assert run.MEMORY_ROW.label == (
        "peak whole-tree Pss of the cold build (build process plus workers)"
    )


def test_unmeasured_memory_is_said_so_in_the_table():
    results = {100_000: _results(memory=M(seconds=9.0))}
    assert _cells(run.format_table([100_000], results), run.MEMORY_ROW.label)[1:] == [
        "not measured",
        "≤ 500 MB at 100,000",
        "not measured",
    ]
    assert run.format_verdicts(results).endswith(": not measured")


# Each process of the tree tests below touches this much memory and holds it.
HELD_MB = 60
HOLD = f"import time; held = b'x' * ({HELD_MB} << 20); time.sleep(0.5)"
# A process holding HELD_MB that runs another one holding HELD_MB: ru_maxrss of the first
# (which also covers the child it waited for) is the larger of the two, not their sum.
HOLD_AND_RUN_HOLD = f"""\
import subprocess, sys
held = b"x" * ({HELD_MB} << 20)
subprocess.run([sys.executable, "-c", {HOLD!r}], check=True)
"""
# A process holding HELD_MB that forks: the child shares those pages and holds them too.
HOLD_AND_FORK = f"""\
import os, time
held = b"x" * ({HELD_MB} << 20)
child = os.fork()
if child == 0:
    time.sleep(0.5)
    os._exit(0)
os.waitpid(child, 0)
"""


def _proc_readers():
    readers = []
    if Path("/proc/self/smaps_rollup").is_file():
        readers.append(run.pss_kib)
    if Path("/proc/self/status").is_file():
        readers.append(run.rss_kib)
    return readers


@needs_proc
@pytest.mark.parametrize("read_process_kib", _proc_readers(), ids=lambda read: read.__name__)
def test_peak_memory_is_summed_over_the_whole_process_tree(tmp_path, read_process_kib):
    command = [sys.executable, "-c", HOLD_AND_RUN_HOLD]
    measurement = run.measure(command, tmp_path, tmp_path / "tree.log", read_process_kib)
    assert measurement.ok, measurement.error
    # Both processes at once, less a little for tolerance; one process alone is ~HELD_MB.
    assert measurement.peak_memory_mb >= 2 * HELD_MB - 5


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").is_file(), reason="no smaps_rollup")
def test_pss_counts_pages_a_forked_worker_shares_once(tmp_path):
    command = [sys.executable, "-c", HOLD_AND_FORK]
    pss = run.measure(command, tmp_path, tmp_path / "pss.log", run.pss_kib)
    rss = run.measure(command, tmp_path, tmp_path / "rss.log", run.rss_kib)
    assert pss.ok and rss.ok, (pss.error, rss.error)
    assert HELD_MB - 5 <= pss.peak_memory_mb < 1.5 * HELD_MB
    assert rss.peak_memory_mb >= 2 * HELD_MB - 5  # the shared pages once per process


@needs_proc
def test_process_tree_is_the_process_and_its_descendants():
    with subprocess.Popen([sys.executable, "-c", HOLD_AND_RUN_HOLD]) as process:
        deadline = time.monotonic() + 4
        while len(run.process_tree(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        tree = run.process_tree(process.pid)
    assert tree[0] == process.pid and len(tree) == 2


def test_a_command_that_is_not_sampled_has_no_memory_figure(tmp_path):
    measurement = run.measure([sys.executable, "-c", "pass"], tmp_path, tmp_path / "x.log")
    assert measurement.ok and measurement.seconds > 0
    assert measurement.peak_memory_kib is None


@needs_proc
def test_memory_row_comes_from_a_second_cold_build_not_the_timed_one(tmp_path, monkeypatch):
    calls = []

    def fake_measure(command, cwd, log_path, read_process_kib=None):
        calls.append((log_path.stem, command, read_process_kib))
        if log_path.stem in ("cold", run.MEMORY_ROW.key):
            assert not (cwd / run.OUTPUT_FOLDER).exists()  # each build starts cold
            (cwd / run.OUTPUT_FOLDER).mkdir()
            (cwd / run.CACHE_FOLDER).mkdir()
        sampled = read_process_kib is not None
        return M(seconds=0.5, peak_memory_kib=1024 if sampled else None)

    monkeypatch.setattr(run, "measure", fake_measure)
    results = run.measure_size(tmp_path, 3, 1, no_cache=True)
    assert [call[0] for call in calls] == [
        "read",
        "cold",
        run.MEMORY_ROW.key,
        "noop",
        "edit",
        "add",
        "validate",
    ]
    cold, memory = calls[1], calls[2]
    assert cold[2] is None  # sampling would slow the timed build down
    assert memory[1] == cold[1] and memory[1][-1] == "--no-cache"
    assert memory[2] is run.MEMORY_GAUGE.read_process_kib
    assert results[run.MEMORY_ROW.key].peak_memory_kib == 1024
    # The timed build's output and cache wait, moved aside, to be deleted after the run.
    set_aside = [path.name.rsplit("-", 1)[0] for path in (tmp_path / run.OLD_SITES).iterdir()]
    assert sorted(set_aside) == ["site-3-s1-feedtool-cache", "site-3-s1-public"]


def test_edit_changes_one_sentence_of_a_body_paragraph_and_keeps_the_date(tmp_path):
    text = (
        "Date: 2024-05-06T07:08:09+00:00\n\nA title\n\nStrong points\n\nOne point.\n"
        "Two point.\n\nFirst paragraph. Has two sentences.\n\n"
        "Second one. Middle sentence here. Last one.\n\n"
        "Third. And more.\n\nKey words:, Alpha, Beta\n"
    )
    edited = run.change_middle_sentence(text)
    before, after = text.split("\n"), edited.split("\n")
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert len(changed) == 1
    assert after[changed[0]] == f"Second one. {run.EDITED_SENTENCE} Last one."
    assert after[0] == before[0]


def test_edit_refuses_an_article_without_paragraphs():
    with pytest.raises(ValueError):
        run.change_middle_sentence("Date: 2024-01-01\n\nTitle\n\nOne sentence only.\n")


def test_added_entry_is_dated_after_every_generated_article(tmp_path):
    path = run.add_one_entry(tmp_path)
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"Date: {run.newest_date().isoformat(timespec='seconds')}"
    assert run.newest_date() > run.generator.DATE_END


def _peer_results(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"meta": {}, "rows": rows}), encoding="utf-8")
    return path


def test_peer_ratios_against_hugo(tmp_path):
    path = _peer_results(
        tmp_path,
        [
            {"peer": "floor-python", "median_s": 0.1, "peak_rss_mb": 10.0},
            {"peer": "hugo", "median_s": 10.0, "peak_rss_mb": 1000.0},
            {"peer": "feedtool", "median_s": 4.0, "peak_rss_mb": 300.0},
            {"peer": "feedtool-default", "median_s": 2.0, "peak_rss_mb": 100.0},
        ],
    )
    comparison = run.read_peer_results(path)
    assert comparison.error is None
    table = run.format_peer_table({10_000: comparison})
    same_work = _cells(table, "10,000")
    assert same_work[1:5] == ["`--limit 0` (same work as Hugo)", "4.00", "10.00", "0.40x PASS"]
    assert same_work[5:] == ["300", "1000", "0.30x FAIL"]
    default_row = table.splitlines()[3]
    assert "0.20x |" in default_row and "PASS" not in default_row
    # The targets name 10,000 and 50,000 entries: at 1,000 the ratios are shown, not judged.
    small = _cells(run.format_peer_table({1_000: comparison}), "1,000")
    assert small[4] == "0.40x" and small[7] == "0.30x"


def test_peer_comparison_reports_a_failed_hugo_run(tmp_path):
    path = _peer_results(
        tmp_path,
        [
            {"peer": "hugo", "error": "hyperfine rc=1", "cmd": "hugo"},
            {"peer": "feedtool", "median_s": 4.0, "peak_rss_mb": 300.0},
        ],
    )
    comparison = run.read_peer_results(path)
    assert "hugo: hyperfine rc=1" in comparison.error
    assert "FAILED: hugo: hyperfine rc=1" in run.format_peer_table({1_000: comparison})
    assert "cannot read" in run.read_peer_results(tmp_path / "missing.json").error
