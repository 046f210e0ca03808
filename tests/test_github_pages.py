"""The GitHub Pages workflow of docs/github-pages.md and the pre-commit configuration of
the README stay true: valid YAML of the right shape, whose feedtool commands the CLI
accepts and which pass on a site whose public/ is current."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedtool._build import build
from feedtool._cli import main
from tests.conftest import SiteFolder, article

ROOT = Path(__file__).resolve().parent.parent
PAGES_DOC = (ROOT / "docs" / "github-pages.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def yaml_block(text: str, after: str) -> str:
    """The first ```yaml block after the line ``after``."""
    found = re.search(rf"^{re.escape(after)}$.*?^```yaml\n(.*?)^```$", text, re.M | re.S)
    assert found, f"no yaml block after {after!r}"
    return found.group(1)


WORKFLOW = yaml_block(PAGES_DOC, "## A GitHub Actions workflow")
PRE_COMMIT_CONFIG = yaml_block(README, "### pre-commit")


def feedtool_commands(workflow: str) -> list[list[str]]:
    """The arguments of every ``run: feedtool ...`` step, in order."""
    return [
        shlex.split(line)[1:]
        for line in re.findall(r"^\s+run: (feedtool .*)$", workflow, re.MULTILINE)
    ]


def test_the_workflow_runs_feedtool_build_check_and_build_with_github_annotations():
    commands = feedtool_commands(WORKFLOW)
    assert commands == [
        ["build", "--check", "--format", "github"],
        ["build", "--format", "github"],
    ]


@pytest.mark.parametrize("arguments", feedtool_commands(WORKFLOW), ids=" ".join)
def test_every_feedtool_command_of_the_workflow_is_one_the_cli_accepts(arguments: list[str]):
    command = main.commands[arguments[0]]
    # Parsing raises click's UsageError on an unknown command option or a bad choice.
    context = command.make_context(arguments[0], arguments[1:])
    assert context.params["output_format"] == "github"


def test_the_workflow_commands_pass_in_order_on_a_site_whose_public_is_current(
    site: SiteFolder, monkeypatch: pytest.MonkeyPatch
):
    site.add("001_first.txt", article(title="First"))
    build(site.settings())
    monkeypatch.chdir(site.root)
    for arguments in feedtool_commands(WORKFLOW):
        result = CliRunner().invoke(main, arguments, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "::" not in result.output  # nothing to annotate


def test_the_workflow_is_yaml_with_the_official_pages_actions():
    yaml = pytest.importorskip("yaml", reason="PyYAML is a test extra: pip install '.[test]'")
    workflow = yaml.safe_load(WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare on as true
    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    build_job, deploy_job = workflow["jobs"]["build"], workflow["jobs"]["deploy"]

    uses = [step["uses"].split("@")[0] for step in build_job["steps"] if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/upload-pages-artifact"]
    steps = {step["uses"].split("@")[0]: step for step in build_job["steps"] if "uses" in step}
    assert steps["actions/checkout"]["with"]["fetch-depth"] == 0  # git dates need history
    assert steps["actions/upload-pages-artifact"]["with"]["path"] == "public/"
    assert [step.get("run") for step in build_job["steps"] if "run" in step][0].startswith(
        "python -m pip install"
    )

    assert deploy_job["needs"] == "build"
    assert deploy_job["if"] == "github.ref == 'refs/heads/main'"
    assert deploy_job["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy_job["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy_job["steps"]] == ["actions/deploy-pages"]
    for job in (build_job, deploy_job):
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), step["uses"]


def test_the_workflow_text_names_the_official_actions_without_yaml():
    # The same shape, for a machine without PyYAML.
    for action in ("checkout", "setup-python", "upload-pages-artifact", "deploy-pages"):
        assert re.search(rf"^\s+(- )?uses: actions/{action}@v\d+$", WORKFLOW, re.M), action
    assert re.search(r"^\s+pages: write$", WORKFLOW, re.M)
    assert re.search(r"^\s+id-token: write$", WORKFLOW, re.M)
    assert re.search(r"^\s+path: public/$", WORKFLOW, re.M)


def test_the_readme_pre_commit_config_names_the_declared_hooks():
    declared = re.findall(
        r"^- id: (\S+)$", (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"), re.M
    )
    configured = re.findall(r"^\s+- id: (\S+)$", PRE_COMMIT_CONFIG, re.M)
    assert sorted(configured) == sorted(declared) == ["feedtool-check", "feedtool-validate"]
    try:
        import yaml
    except ImportError:
        return
    config = yaml.safe_load(PRE_COMMIT_CONFIG)
    assert [hook["id"] for hook in config["repos"][0]["hooks"]] == configured
