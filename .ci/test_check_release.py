"""Tests of the release checks on a repository made for each test: one that agrees passes, and each
disagreement or SAR problem fails with its own message, through the command line too. .ci/lint runs
the check on this repository right after these tests."""

from __future__ import annotations

import datetime
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

[Unreleased]: ../../compare/v1.2.3...HEAD
[1.2.3]: ../../compare/v1.2.2...v1.2.3
[1.2.2]: ../../releases/tag/v1.2.2
"""
README = """\
# readme

```yaml
        SemanticVersion: 1.2.3
```

`aws serverlessrepo create-cloud-formation-change-set --semantic-version 1.2.3 ...`

The first line: `"message":"init","version":"1.2.3"`, or `INFO init version="1.2.3"` as Text.
"""
# A day on which every date above is in the past.
LATER = datetime.date(2026, 12, 31)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose release agrees everywhere."""
    files = {"Cargo.toml": CARGO, "template.yaml": TEMPLATE, "CHANGELOG.md": CHANGELOG, "README.md": README}
    files |= {"LICENSE": "MIT No Attribution\n"}
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
    assert check_release.check(repo, LATER) == []


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
        ("CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.2.2]", "[1.2.2] has no release date"),
        ("CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.2.3] - 2026-12-01", "[1.2.3] has more than one entry"),
        ("CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.2] - 2026-12-01", "[1.2] is not a semantic version"),
        # A new version written under Unreleased only: the release is not recorded yet.
        ("CHANGELOG.md", "## [Unreleased]\n\n## [1.2.3] - 2026-12-06", "## [Unreleased]", "newest entry is 1.2.2"),
        # Keep a Changelog's order: Unreleased first, then the releases newest first.
        ("CHANGELOG.md", "## [Unreleased]\n\n", "", "the first heading is not `## [Unreleased]`"),
        ("CHANGELOG.md", "- Something.\n", "- Something.\n\n## [Unreleased]\n", "[Unreleased] has more than one entry"),
        ("CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.3.0] - 2026-12-01", "[1.2.3] is above [1.3.0] but is not a later"),
        ("CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.2.2] - 2026-12-07", "[1.2.3] (2026-12-06) is dated before [1.2.2] (2026-12-07)"),
        ("CHANGELOG.md", "## [1.2.3] - 2026-12-06", "## [1.2.3] - 2999-01-01", "[1.2.3] is dated 2999-01-01, in the future"),
        # Every heading is a link, to the tag it names (Keep a Changelog's link references).
        ("CHANGELOG.md", "[1.2.2]: ../../releases/tag/v1.2.2\n", "", "[1.2.2] has no link reference"),
        ("CHANGELOG.md", "[Unreleased]: ../../compare/v1.2.3...HEAD", "[Unreleased]: ../../compare/v1.2.2...HEAD", "[Unreleased] (../../compare/v1.2.2...HEAD) does not name the tag v1.2.3"),
        ("CHANGELOG.md", "[1.2.3]: ../../compare/v1.2.2...v1.2.3", "[1.2.3]: ../../compare/v1.2.2...v1.2.30", "does not name the tag v1.2.3"),
        # README.md's consuming template and init line show the crate's version.
        ("README.md", "SemanticVersion: 1.2.3", "SemanticVersion: 1.2.2", "README.md: shows version '1.2.2'"),
        ("README.md", "--semantic-version 1.2.3", "--semantic-version 1.3.0", "README.md: shows version '1.3.0'"),
        ("README.md", '"version":"1.2.3"', '"version":"1.0.0"', "README.md: shows version '1.0.0'"),
        ("README.md", 'version="1.2.3"', 'version="1.2"', "README.md: shows version '1.2'"),
        ("Cargo.toml", '"1.2.3"', '"1.3.0"', "README.md: shows version '1.2.3' where Cargo.toml says '1.3.0'"),
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
        # What SAM's own template schema refuses: a top-level section it does not know, an
        # AWS::Serverless:: type it does not know.
        ("template.yaml", "Resources:\n", "Rules:\n  R:\n    Assertions: []\nResources:\n", "('Rules' was unexpected)"),
        ("template.yaml", "Type: AWS::Serverless::Function", "Type: AWS::Serverless::Functions", "Resources.Fn.Type"),
    ],
)
def test_each_problem_fails_with_its_message(repo, name, old, new, expected):
    edit(repo, name, old, new)
    problems = check_release.check(repo)
    assert any(expected in p for p in problems), problems


def test_releases_are_ordered_by_semantic_version_precedence(repo):
    # semver.org's precedence: a pre-release comes before its release, numeric identifiers are
    # compared as numbers, and build metadata does not count.
    edit(repo, "Cargo.toml", '"1.2.3"', '"1.10.0"')
    for name in ("template.yaml", "README.md"):
        path = repo / name
        path.write_text(path.read_text(encoding="utf-8").replace("1.2.3", "1.10.0"), encoding="utf-8")

    def problems_of(*versions):
        changelog = ["# Changelog", "", "## [Unreleased]", ""] + [f"## [{v}] - 2026-12-01\n" for v in versions]
        changelog += ["[Unreleased]: ../../compare/v1.10.0...HEAD"]
        changelog += [f"[{v}]: ../../releases/tag/v{v}" for v in versions]
        (repo / "CHANGELOG.md").write_text("\n".join(changelog) + "\n", encoding="utf-8")
        return check_release.check(repo, LATER)

    assert problems_of("1.10.0", "1.10.0-rc.10", "1.10.0-rc.9", "1.9.0", "1.2.2") == []
    assert problems_of("1.10.0", "1.10.0-rc.9", "1.10.0-rc.10", "1.9.0") == [
        "CHANGELOG.md: [1.10.0-rc.9] is above [1.10.0-rc.10] but is not a later version (newest first)"
    ]
    assert problems_of("1.10.0", "1.9.0", "1.10.0-rc.1") == [
        "CHANGELOG.md: [1.9.0] is above [1.10.0-rc.1] but is not a later version (newest first)"
    ]
    assert problems_of("1.10.0", "1.10.0-rc.9", "1.10.0-rc.9+b2") == [
        "CHANGELOG.md: [1.10.0-rc.9] is above [1.10.0-rc.9+b2] but is not a later version (newest first)"
    ]


def test_a_release_dated_today_passes_and_tomorrow_fails(repo):
    today = datetime.date(2026, 12, 6)
    assert check_release.check(repo, today) == []
    assert check_release.check(repo, today - datetime.timedelta(days=1)) == [
        "CHANGELOG.md: [1.2.3] is dated 2026-12-06, in the future (today is 2026-12-05 at the latest)"
    ]


def test_two_releases_of_one_day_are_in_order(repo):
    edit(repo, "CHANGELOG.md", "## [1.2.2] - 2026-12-01", "## [1.2.2] - 2026-12-06")
    assert check_release.check(repo, LATER) == []


def test_the_latest_date_is_the_one_at_utc_plus_14():
    def at_utc_plus_14():
        return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=14)).date()

    before = at_utc_plus_14()
    latest = check_release.latest_date_on_earth()
    assert latest in {before, at_utc_plus_14()}  # either side of midnight there


def test_no_release_heading_fails(repo):
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    assert check_release.check(repo) == ["CHANGELOG.md: no release heading (`## [1.2.3] - YYYY-MM-DD`)"]


def test_a_pre_release_version_is_one_version(repo):
    for name in ("Cargo.toml", "template.yaml", "CHANGELOG.md", "README.md"):
        text = (repo / name).read_text(encoding="utf-8")
        (repo / name).write_text(text.replace("1.2.3", "2.0.0-rc.1"), encoding="utf-8")
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
    assert run.stderr == (
        "release: 1.2.3 in Cargo.toml, template.yaml, CHANGELOG.md and README.md; "
        "template within what SAR is known to take\n"
    )


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
