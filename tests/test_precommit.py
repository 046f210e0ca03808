"""The pre-commit hooks of .pre-commit-hooks.yaml: their declaration, their commands run
as pre-commit runs them, and the whole through `pre-commit try-repo` on a site's repo."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedtool._build import build
from feedtool._cli import main
from tests.conftest import SiteFolder, article

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"

NOT_WELL_FORMED = (
    '<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n'
    "<title>Broken & bad</title>\n</channel>\n</rss>\n"
)


def load_hooks() -> dict[str, dict[str, object]]:
    """The hooks by id: with PyYAML when it is installed, else from the file's flat
    ``key: value`` lines (the file uses no other YAML)."""
    text = HOOKS_FILE.read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        hooks: list[dict[str, object]] = []
        for line in text.splitlines():
            found = re.match(r"^(- |  )(\w+): (.*)$", line)
            if found is None:
                continue
            if found.group(1) == "- ":
                hooks.append({})
            key, value = found.group(2), found.group(3)
            hooks[-1][key] = {"true": True, "false": False}.get(value, value)
    else:
        hooks = yaml.safe_load(text)
    return {str(hook["id"]): hook for hook in hooks}


def entry_arguments(hook: dict[str, object]) -> list[str]:
    arguments = shlex.split(str(hook["entry"]))
    assert arguments[0] == "feedtool"
    return arguments[1:]


HOOKS = load_hooks()


# The declaration -----------------------------------------------------------------------


def test_two_python_hooks_are_declared():
    assert sorted(HOOKS) == ["feedtool-check", "feedtool-validate"]
    for hook in HOOKS.values():
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["name"] and hook["description"]


def test_validate_hook_takes_changed_feed_files_and_skips_other_json_and_xml():
    hook = HOOKS["feedtool-validate"]
    assert entry_arguments(hook)[:2] == ["validate", "--feeds-only"]
    assert hook.get("pass_filenames", True) is True
    files = re.compile(str(hook["files"]))
    for name in ("rss.xml", "public/feed.json", "news.atom", "a/b/c.rss", "package.json"):
        assert files.search(name), name
    for name in ("entries/001_a.txt", "index.html", "feed.json.bak", "style.css"):
        assert not files.search(name), name


def test_check_hook_takes_no_file_names_and_runs_for_the_site_files():
    hook = HOOKS["feedtool-check"]
    assert entry_arguments(hook)[:2] == ["build", "--check"]
    assert hook["pass_filenames"] is False
    files = re.compile(str(hook["files"]))
    for name in ("entries/001_a.txt", "entries/sub/b.txt", "feedtool.toml", "public/rss.xml"):
        assert files.search(name), name
    for name in ("README.md", "docs/feedtool.toml", "my-entries/a.txt", "feedtool.toml.bak"):
        assert not files.search(name), name


@pytest.mark.parametrize("hook_id", sorted(HOOKS))
def test_each_hook_entry_is_a_command_line_the_cli_accepts(hook_id: str):
    arguments = entry_arguments(HOOKS[hook_id])
    command = main.commands[arguments[0]]
    file_names = ["rss.xml"] if HOOKS[hook_id].get("pass_filenames", True) else []
    # Parsing raises click's UsageError on an unknown option or a missing argument.
    context = command.make_context(arguments[0], arguments[1:] + file_names)
    assert context.params


def test_the_manifest_is_valid_for_pre_commit():
    pytest.importorskip("pre_commit", reason="pre-commit is a test extra: pip install '.[test]'")
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


# The hooks' commands, run as pre-commit runs them -------------------------------------


@pytest.fixture
def site_repo(site: SiteFolder, monkeypatch: pytest.MonkeyPatch) -> SiteFolder:
    """A built site with a package.json beside it, the working folder being its root
    (pre-commit runs hooks at the repository's root)."""
    site.add("001_first.txt", article(title="First"))
    build(site.settings())
    (site.root / "package.json").write_text('{"name": "news", "version": "1.0.0"}\n')
    monkeypatch.chdir(site.root)
    return site


def run_hook(hook_id: str, file_names: list[str]):  # noqa: ANN201 - a click Result
    arguments = entry_arguments(HOOKS[hook_id])
    if HOOKS[hook_id].get("pass_filenames", True) is False:
        file_names = []
    return CliRunner().invoke(main, arguments + file_names, catch_exceptions=False)


def test_validate_hook_passes_feeds_and_a_package_json(site_repo: SiteFolder):
    result = run_hook("feedtool-validate", ["package.json", "public/rss.xml", "public/feed.json"])
    assert result.exit_code == 0, result.output
    assert result.output == ""  # --quiet: silent when all is well


def test_validate_hook_fails_on_a_broken_feed_naming_its_line(site_repo: SiteFolder):
    (site_repo.root / "hand.xml").write_text(NOT_WELL_FORMED)
    result = run_hook("feedtool-validate", ["package.json", "hand.xml"])
    assert result.exit_code == 1
    assert result.output == "hand.xml:4:16: error: E-WELLFORMED: a bare & (write &amp;)\n"


def test_check_hook_passes_when_public_is_current_and_fails_when_it_is_stale(
    site_repo: SiteFolder,
):
    assert run_hook("feedtool-check", ["entries/001_first.txt"]).exit_code == 0
    site_repo.add("002_second.txt", article(title="Second", date="2026-01-03 10:00"))
    result = run_hook("feedtool-check", ["entries/002_second.txt"])
    assert result.exit_code == 1
    assert "would write public/entries/002_second.html" in result.stdout
    assert result.stderr.endswith("file(s) in public are out of date\n")


# The whole, through pre-commit try-repo ------------------------------------------------

# What pip prints when it cannot reach a package index: the only failure of try-repo
# that is this machine's, not this repository's.
_OFFLINE = re.compile(
    r"Could not find a version that satisfies|No matching distribution found|"
    r"Failed to establish a new connection|Temporary failure in name resolution|"
    r"Network is unreachable|Max retries exceeded|ProxyError|ConnectionError"
)


def _git(folder: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True)


def test_try_repo_runs_both_hooks_on_a_site_repository(tmp_path: Path):
    pytest.importorskip("pre_commit", reason="pre-commit is a test extra: pip install '.[test]'")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True
    ).returncode:
        pytest.skip("feedtool's source is not a git checkout with a commit: try-repo needs one")
    (tmp_path / "site").mkdir()
    site = SiteFolder(tmp_path / "site")
    site.add("001_first.txt", article(title="First"))
    build(site.settings())
    (site.root / "package.json").write_text('{"name": "news", "version": "1.0.0"}\n')
    # Staged: a broken hand-written feed, and an article added without rebuilding.
    (site.root / "hand.xml").write_text(NOT_WELL_FORMED)
    site.add("002_second.txt", article(title="Second", date="2026-01-03 10:00"))
    identity = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org"}
    identity |= {"GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}
    env = {**os.environ, **identity, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("PRE_COMMIT", None)
    _git(site.root, "init", "-q")
    _git(site.root, "add", "-A")

    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--all-files"],
        cwd=site.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode not in (0, 1):  # 3: pre-commit itself failed, e.g. installing
        log = tmp_path / "pre-commit-home" / "pre-commit.log"
        details = output + (log.read_text(errors="replace") if log.exists() else "")
        offline = _OFFLINE.search(details)
        if "Installing environment" in output and offline:
            pytest.skip(
                "pre-commit could not pip-install feedtool and its dependencies into the "
                f"hook environment (no package index reachable: {offline.group(0)!r})"
            )
        pytest.fail(details)

    assert completed.returncode == 1, output
    assert re.search(r"^feedtool build --check\.+Failed$", output, re.MULTILINE), output
    assert re.search(r"^feedtool validate\.+Failed$", output, re.MULTILINE), output
    assert "would write public/entries/002_second.html" in output
    assert "file(s) in public are out of date" in output
    # The broken feed is the validate hook's only finding: package.json and the built
    # feeds under public/ were named to it too, and passed.
    findings = re.findall(r"^\S+:\d+:\d+: (?:error|warning): .*$", output, re.MULTILINE)
    assert findings == ["hand.xml:4:16: error: E-WELLFORMED: a bare & (write &amp;)"], output
