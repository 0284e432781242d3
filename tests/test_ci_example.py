"""`examples/github-actions/sharekit.yml`, a GitHub Actions workflow that runs: it passes
GitHub's workflow schema and actionlint, takes its connection from secrets only, the README's
"Use in CI" section shows the very commands it runs, and each command, pointed at the local
account instead of Snowflake, exits as the workflow expects on the bundled example."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILE = ROOT / "examples" / "github-actions" / "sharekit.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
TRIGGERS = WORKFLOW[True]  # YAML 1.1 reads the key `on` as true
EXAMPLE = ROOT / "examples" / "optimove_ecommerce"
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONNECTION = "-c ci"


def steps(job: str) -> list[dict]:
    return WORKFLOW["jobs"][job]["steps"]


def commands(job: str | None = None) -> list[str]:
    """Every `sharekit …` line of the workflow's run scripts, in order."""
    jobs = [job] if job else list(WORKFLOW["jobs"])
    return [line.strip() for name in jobs for step in steps(name)
            for line in step.get("run", "").splitlines() if line.strip().startswith("sharekit ")]


def use_in_ci() -> str:
    return README.split("\n## Use in CI\n", 1)[1].split("\n## ", 1)[0]


# --- the workflow itself -------------------------------------------------------------------

def test_it_is_a_valid_github_workflow():
    checker = Path(sys.executable).parent / "check-jsonschema"
    if not checker.exists():
        pytest.skip("check-jsonschema is not installed: pip install '.[test]'")
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW_FILE)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint():
    actionlint = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip("actionlint is not installed: `pip install '.[actionlint]'` needs to download the binary "
                    "from GitHub while it builds, which only works with access beyond the package registries")
    result = subprocess.run([actionlint, "-no-color", str(WORKFLOW_FILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_on_pull_requests_touching_the_config_or_the_sql():
    assert {"sharekit.yml", "sql/**"} <= set(TRIGGERS["pull_request"]["paths"])
    review = commands("offline") + commands("review")
    assert [c.split()[1] for c in review] == ["validate", "render", "plan", "check"]
    assert "--check" in commands("offline")[1]
    assert "--format markdown" in commands("review")[0] and "--format sarif" in commands("review")[1]
    for job in ("offline", "review"):
        assert WORKFLOW["jobs"][job]["if"] == "github.event_name == 'pull_request'"


def test_the_plan_is_one_comment_and_the_check_goes_to_code_scanning():
    review = {step.get("name"): step for step in steps("review")}
    comment = review["Post the plan as one pull-request comment"]
    assert comment["uses"].startswith("actions/github-script@")
    script = comment["with"]["script"]
    assert "const marker = '<!-- sharekit plan -->'" in script
    assert "updateComment" in script and "createComment" in script and "c.body.startsWith(marker)" in script
    upload = review["Upload the findings to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert commands("review")[1].endswith("> " + upload["with"]["sarif_file"])
    assert review["Check (SARIF)"]["continue-on-error"] is True  # uploaded first, the run still fails below
    assert "steps.check.outcome == 'failure'" in review["Fail on a failed plan or check"]["if"]
    assert WORKFLOW["jobs"]["review"]["permissions"] == {
        "contents": "read", "pull-requests": "write", "security-events": "write"}


def test_the_audit_runs_on_the_default_branch():
    assert commands("audit") == ["sharekit audit -f sharekit.yml -c ci --fail-on error"]
    condition = WORKFLOW["jobs"]["audit"]["if"]
    assert "github.event.repository.default_branch" in condition and "schedule" in condition
    assert "schedule" in TRIGGERS and "push" in TRIGGERS


def test_the_connection_comes_from_secrets_and_is_never_echoed():
    for name in ("review", "audit"):
        env = WORKFLOW["jobs"][name]["env"]
        assert env and all(key.startswith("SNOWFLAKE_CONNECTIONS_CI_") for key in env)
        assert all(value.startswith("${{ secrets.") for value in env.values())
        assert {"SNOWFLAKE_CONNECTIONS_CI_ACCOUNT", "SNOWFLAKE_CONNECTIONS_CI_USER"} <= set(env)
    assert "env" not in WORKFLOW["jobs"]["offline"]  # the offline job never sees a secret
    scripts = [step.get("run", "") for job in WORKFLOW["jobs"] for step in steps(job)]
    assert not any("secrets." in s or "SNOWFLAKE_" in s or "set -x" in s for s in scripts)
    assert all(CONNECTION in c for c in commands("review") + commands("audit"))


# --- the README shows what it runs ---------------------------------------------------------

def test_the_readme_shows_the_workflows_commands():
    section = use_in_ci()
    for command in commands():
        assert command in section, f"README's Use in CI section does not show `{command}`"
    assert "examples/github-actions/sharekit.yml" in section


# --- and each command runs -----------------------------------------------------------------

def run(command: str, project: Path, local_dir: Path) -> subprocess.CompletedProcess:
    """A workflow command on the local account: `-c ci` becomes `--local --local-dir DIR`, and a
    `> FILE` redirection writes stdout to FILE as the runner's shell would."""
    assert CONNECTION in command or " -c " not in command
    words = shlex.split(command.replace(CONNECTION, f"--local --local-dir {shlex.quote(str(local_dir))}"))
    target = None
    if ">" in words:
        words, target = words[:words.index(">")], words[words.index(">") + 1]
    assert words[0] == "sharekit"
    script = Path(sys.executable).parent / "sharekit"
    program = [str(script)] if script.exists() else [sys.executable, "-m", "sharekit"]
    result = subprocess.run([*program, *words[1:]], cwd=project, capture_output=True, text=True, timeout=180)
    if target is not None:
        (project / target).write_text(result.stdout, encoding="utf-8")
    return result


@pytest.mark.slow
def test_each_command_runs_on_the_local_account(tmp_path):
    project = tmp_path / "repo"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".sharekit"))
    local_dir = tmp_path / "account"
    by_verb = {command.split()[1]: command for command in commands()}
    assert list(by_verb) == ["validate", "render", "plan", "check", "audit"]

    def expect(verb: str, code: int) -> subprocess.CompletedProcess:
        result = run(by_verb[verb], project, local_dir)
        assert result.returncode == code, f"{by_verb[verb]} exited {result.returncode}:\n{result.stderr}"
        assert "Traceback" not in result.stderr
        return result

    assert "is valid" in expect("validate", 0).stdout
    expect("render", 0)
    expect("plan", 0)
    assert (project / "plan.md").read_text(encoding="utf-8").startswith("### sharekit plan: ")
    expect("check", 0)
    log = json.loads((project / "sharekit-check.sarif").read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0" and log["runs"][0]["tool"]["driver"]["name"] == "sharekit"
    # nothing applied yet: the default branch's audit gate fails on the missing share ...
    assert "drift.share_missing" in expect("audit", 1).stdout
    # ... and passes once the config is applied, when the plan comment says there is nothing to do
    apply = run("sharekit apply -f sharekit.yml -c ci --yes", project, local_dir)
    assert apply.returncode == 0, apply.stderr
    expect("audit", 0)
    expect("plan", 0)
    assert "**No changes.**" in (project / "plan.md").read_text(encoding="utf-8")
