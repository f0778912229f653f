"""Tests of the release checks on a repository made for each test: one that agrees passes, and each
disagreement or SAR problem fails with its own message, through the command line too. .ci/lint runs
the check on this repository right after these tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import check_release

CARGO = """\
[package]
name = "routing-profile-resource"
version = "1.2.3"
license = "MIT-0"
"""
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Metadata:
  AWS::ServerlessRepo::Application:
    Name: routing-profile-resource
    Description: A custom resource.
    Author: some-authors
    SpdxLicenseId: MIT-0
    LicenseUrl: LICENSE
    ReadmeUrl: README.md
    Labels: [amazon-connect, custom-resource]
    SemanticVersion: 1.2.3
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Description: Custom::RoutingProfile 1.2.3 - routing profiles
      LoggingConfig:
        LogGroup: !Ref Logs
  Example:
    Type: AWS::CloudFormation::CustomResource
    Properties:
      ServiceToken: !GetAtt Fn.Arn
Outputs:
  Version:
    Value: "1.2.3"
"""
CHANGELOG = """\
# Changelog

## [Unreleased]

## [1.2.3] - 2026-12-06

### Upgrading
- Something.

## [1.2.2] - 2026-12-01
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose release agrees everywhere."""
    files = {"Cargo.toml": CARGO, "template.yaml": TEMPLATE, "CHANGELOG.md": CHANGELOG}
    files |= {"LICENSE": "MIT No Attribution\n", "README.md": "# readme\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_release_that_agrees_passes(repo):
    assert check_release.check(repo) == []


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        # The crate's version moved on alone: everything else now disagrees.
        ("Cargo.toml", '"1.2.3"', '"1.3.0"', "SemanticVersion is '1.2.3', Cargo.toml says '1.3.0'"),
        ("Cargo.toml", '"1.2.3"', '"1.3.0"', "the Version output is '1.2.3', Cargo.toml says '1.3.0'"),
        ("Cargo.toml", '"1.2.3"', '"1.3.0"', "Fn's Description"),
        ("Cargo.toml", '"1.2.3"', '"1.3.0"', "newest entry is 1.2.3, Cargo.toml says 1.3.0"),
        ("Cargo.toml", '"1.2.3"', '"1.2"', "'1.2' is not a semantic version"),
        ("template.yaml", "SemanticVersion: 1.2.3", "SemanticVersion: 1.2.4", "SemanticVersion is '1.2.4'"),
        ("template.yaml", "SemanticVersion: 1.2.3", "SemanticVersion: 1.2", "SemanticVersion is 1.2,"),
        ("template.yaml", 'Value: "1.2.3"', 'Value: "1.2.4"', "the Version output is '1.2.4'"),
        ("template.yaml", "  Version:\n", "  Release:\n", "the Version output is None"),
        ("template.yaml", "Custom::RoutingProfile 1.2.3 -", "Custom::RoutingProfile -", "should name version 1.2.3"),
        ("template.yaml", "Custom::RoutingProfile 1.2.3 -", "Custom::RoutingProfile 1.2.2 -", "should name version"),
        ("CHANGELOG.md", "## [1.2.3] - 2026-12-06", "## [1.2.4] - 2026-12-06", "newest entry is 1.2.4"),
        ("CHANGELOG.md", "## [1.2.3] - 2026-12-06", "## [1.2.3]", "[1.2.3] has no release date"),
        ("CHANGELOG.md", "## [1.2.3] - 2026-12-06", "## [1.2.3] - soon", "[1.2.3] has no release date"),
        ("CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.2.3] - 2026-12-01", "[1.2.3] has more than one entry"),
        # A new version written under Unreleased only: the release is not recorded yet.
        ("CHANGELOG.md", "## [Unreleased]\n\n## [1.2.3] - 2026-12-06", "## [Unreleased]", "newest entry is 1.2.2"),
        # What SAR refuses to publish.
        ("template.yaml", "AWS::CloudFormation::CustomResource", "Custom::RoutingProfile", "'Custom::RoutingProfile'"),
        ("template.yaml", "AWS::Logs::LogGroup", "AWS::Lambda::Url", "Logs is of type 'AWS::Lambda::Url'"),
        ("template.yaml", "Author: some-authors", "Author: Some Authors", "lower-case letters, digits and single -"),
        ("template.yaml", "Author: some-authors", "Author: some--authors", "lower-case letters, digits and single -"),
        ("template.yaml", "    Author: some-authors\n", "", "author properties not provided"),
        ("template.yaml", "    SemanticVersion: 1.2.3\n", "", "semantic_version properties not provided"),
        ("template.yaml", "Name: routing-profile-resource", "Name: routing profile", "letters, digits and - only"),
        ("template.yaml", "Name: routing-profile-resource", "Name: !Ref AWS::StackName", "must be literal text"),
        ("template.yaml", "Description: A custom resource.", "Description: " + "x" * 257, "Description has 257"),
        ("template.yaml", "[amazon-connect, custom-resource]", str([f"l{i}" for i in range(11)]), "11 Labels"),
        ("template.yaml", "[amazon-connect, custom-resource]", "[amazon connect]", "label 'amazon connect'"),
        ("template.yaml", "SpdxLicenseId: MIT-0", "SpdxLicenseId: MIT", "SpdxLicenseId is 'MIT'"),
        ("template.yaml", "LicenseUrl: LICENSE", "LicenseUrl: LICENSE.txt", "'LICENSE.txt' is not a file"),
        ("template.yaml", "ReadmeUrl: README.md", "ReadmeUrl: docs/README.md", "'docs/README.md' is not a file"),
    ],
)
def test_each_problem_fails_with_its_message(repo, name, old, new, expected):
    edit(repo, name, old, new)
    problems = check_release.check(repo)
    assert any(expected in p for p in problems), problems


def test_no_release_heading_fails(repo):
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    assert check_release.check(repo) == ["CHANGELOG.md: no release heading (`## [1.2.3] - YYYY-MM-DD`)"]


def test_a_pre_release_version_is_one_version(repo):
    for name, old in [("Cargo.toml", '"1.2.3"'), ("template.yaml", "1.2.3"), ("CHANGELOG.md", "[1.2.3]")]:
        text = (repo / name).read_text(encoding="utf-8")
        (repo / name).write_text(text.replace(old, old.replace("1.2.3", "2.0.0-rc.1")), encoding="utf-8")
    assert check_release.check(repo) == []


def test_the_command_line_exits_1_and_names_each_problem(repo):
    edit(repo, "template.yaml", "SemanticVersion: 1.2.3", "SemanticVersion: 9.9.9")
    script = Path(check_release.__file__)
    run = subprocess.run(
        [sys.executable, str(script), "--repo", str(repo)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 1
    assert "release: template.yaml: AWS::ServerlessRepo::Application SemanticVersion is '9.9.9'" in run.stderr


def test_the_command_line_passes_a_release_that_agrees(repo):
    script = Path(check_release.__file__)
    run = subprocess.run(
        [sys.executable, str(script), "--repo", str(repo)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == "release: 1.2.3 in Cargo.toml, template.yaml and CHANGELOG.md; template ready for SAR\n"


def test_the_supported_list_is_sars_list():
    # A few entries of the documented list, and no Custom:: type (SAR names none).
    supported = check_release.supported_types()
    assert {"AWS::Serverless::Function", "AWS::Logs::LogGroup", "AWS::CloudFormation::CustomResource"} <= supported
    assert not [t for t in supported if not t.startswith("AWS::")]
    assert len(supported) > 100


def test_versions_in_prose():
    assert check_release.VERSION_IN_TEXT.findall("Custom::RoutingProfile 1.0.0 - profiles") == ["1.0.0"]
    assert check_release.VERSION_IN_TEXT.findall("v2 for 10.0.0-rc.1+b7 and 1.2") == ["10.0.0-rc.1+b7"]
    assert check_release.VERSION_IN_TEXT.findall("no version here, 1.2.3.4 neither") == []
