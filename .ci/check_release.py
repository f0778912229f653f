"""Release checks, run by .ci/lint: one version everywhere, and a template the AWS Serverless
Application Repository (SAR) takes as it is.

- Cargo.toml's `[package] version` is a semantic version (semver.org 2.0.0): the release's version.
- template.yaml names that version in `Metadata: AWS::ServerlessRepo::Application: SemanticVersion`,
  in the `Version` output, and in the Description of each function.
- CHANGELOG.md's newest release heading (`## [X.Y.Z] - YYYY-MM-DD`, below `## [Unreleased]`) is
  that version.
- The SAR metadata holds what `sam publish` requires (checked by SAM CLI's own code), within the
  limits SAR documents, with literal values only; LicenseUrl and ReadmeUrl name files of the
  repository; SpdxLicenseId is Cargo.toml's licence.
- Every resource type is one SAR supports (.ci/sar-supported-resources.txt, from its documentation).

Runs in .ci/lint's virtualenv: aws-sam-cli, pinned there, brings the template parser `sam publish`
uses and tomlkit. Usage: python .ci/check_release.py [--repo DIR]
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from pathlib import Path

import tomlkit
from samcli.vendor.serverlessrepo.exceptions import ServerlessRepoError
from samcli.vendor.serverlessrepo.parser import get_app_metadata, parse_template

HERE = Path(__file__).resolve().parent

# semver.org's own regular expression for a version (2.0.0).
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
# A version written inside prose (a Description).
VERSION_IN_TEXT = re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?(?![\w.])")
# A Keep a Changelog release heading: `## [1.2.3] - 2026-12-06` (or `## [Unreleased]`).
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?\s*$")

# SAR's limits on the metadata, as the AWS SAM Developer Guide documents them:
# https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-template-publishing-applications-metadata-properties.html
NAME = re.compile(r"[a-zA-Z0-9\-]+")
AUTHOR = re.compile(r"^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$")
LABEL = re.compile(r"^[a-zA-Z0-9+\-_:\/@]+$")
LIMITS = {"Name": 140, "Description": 256, "Author": 127}
MAX_LABELS = 10
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
SAR_KEY = "AWS::ServerlessRepo::Application"


def crate(repo: Path) -> tuple[str, str]:
    """(version, license) of the crate, from Cargo.toml's [package] table."""
    package = tomlkit.parse((repo / "Cargo.toml").read_text(encoding="utf-8"))["package"]
    return str(package["version"]), str(package.get("license", ""))


def changelog_versions(text: str) -> list[tuple[str, str | None]]:
    """(version, date) of each release heading, newest first; `Unreleased` left out."""
    releases = []
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading and heading["version"].lower() != "unreleased":
            releases.append((heading["version"], heading["date"]))
    return releases


def changelog_problems(text: str, version: str) -> list[str]:
    """What keeps CHANGELOG.md's newest entry from being this version's."""
    releases = changelog_versions(text)
    if not releases:
        return [f"CHANGELOG.md: no release heading (`## [{version}] - YYYY-MM-DD`)"]
    problems = []
    newest, date = releases[0]
    if newest != version:
        problems.append(f"CHANGELOG.md: newest entry is {newest}, Cargo.toml says {version}")
    try:
        datetime.date.fromisoformat(date or "")
    except ValueError:
        problems.append(f"CHANGELOG.md: [{newest}] has no release date (`## [{newest}] - YYYY-MM-DD`)")
    seen = [v for v, _ in releases]
    problems += [f"CHANGELOG.md: [{v}] has more than one entry" for v in sorted(set(seen)) if seen.count(v) > 1]
    return problems


def template_version_problems(template: dict, version: str) -> list[str]:
    """Where template.yaml names another version than the crate's, or none."""
    problems = []
    metadata = (template.get("Metadata") or {}).get(SAR_KEY) or {}
    semantic = metadata.get("SemanticVersion")
    if semantic != version:
        problems.append(f"template.yaml: {SAR_KEY} SemanticVersion is {semantic!r}, Cargo.toml says {version!r}")
    output = ((template.get("Outputs") or {}).get("Version") or {}).get("Value")
    if output != version:
        problems.append(f"template.yaml: the Version output is {output!r}, Cargo.toml says {version!r}")
    for name, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") not in FUNCTION_TYPES:
            continue
        description = (resource.get("Properties") or {}).get("Description")
        named = VERSION_IN_TEXT.findall(description) if isinstance(description, str) else []
        if not named or any(v != version for v in named):
            problems.append(
                f"template.yaml: {name}'s Description {description!r} should name version {version}"
            )
    return problems


def metadata_problems(template: dict, repo: Path, license_id: str) -> list[str]:
    """What `sam publish` or SAR would refuse in the AWS::ServerlessRepo::Application metadata."""
    try:
        # SAM CLI's own reading and check of the metadata, as `sam publish` does them.
        metadata = get_app_metadata(template)
        metadata.validate(["author", "description", "name", "semantic_version"])
    except ServerlessRepoError as e:
        return [f"template.yaml: {e}"]
    values = metadata.template_dict
    problems = [
        f"template.yaml: {SAR_KEY} {key} must be literal text (SAR reads no intrinsic function): {value!r}"
        for key, value in values.items()
        if not (isinstance(value, str) or (key == "Labels" and isinstance(value, list)))
    ]
    for key, limit in LIMITS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"template.yaml: {SAR_KEY} {key} has {len(value)} characters; SAR allows {limit}")
    if isinstance(values.get("Name"), str) and not NAME.fullmatch(values["Name"]):
        problems.append(f"template.yaml: {SAR_KEY} Name {values['Name']!r}: letters, digits and - only")
    if isinstance(values.get("Author"), str) and not AUTHOR.match(values["Author"]):
        problems.append(
            f"template.yaml: {SAR_KEY} Author {values['Author']!r}: lower-case letters, digits and single -"
        )
    labels = values.get("Labels") or []
    if isinstance(labels, list):
        if len(labels) > MAX_LABELS:
            problems.append(f"template.yaml: {SAR_KEY} has {len(labels)} Labels; SAR allows {MAX_LABELS}")
        problems += [
            f"template.yaml: {SAR_KEY} label {label!r}: 1-127 of letters, digits and + - _ : / @"
            for label in labels
            if not (isinstance(label, str) and len(label) <= 127 and LABEL.match(label))
        ]
    if values.get("SpdxLicenseId") != license_id:
        problems.append(
            f"template.yaml: {SAR_KEY} SpdxLicenseId is {values.get('SpdxLicenseId')!r}, Cargo.toml's license {license_id!r}"
        )
    for key in ("LicenseUrl", "ReadmeUrl"):
        path = values.get(key)
        if isinstance(path, str) and not (repo / path).is_file():
            problems.append(f"template.yaml: {SAR_KEY} {key} {path!r} is not a file of the repository")
    return problems


def supported_types(path: Path = HERE / "sar-supported-resources.txt") -> set[str]:
    """The resource types SAR accepts (comments and blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def resource_type_problems(template: dict, supported: set[str]) -> list[str]:
    """Resources of a type SAR refuses to publish."""
    return [
        f"template.yaml: {name} is of type {resource.get('Type')!r}, which the Serverless Application "
        "Repository does not accept (.ci/sar-supported-resources.txt)"
        for name, resource in (template.get("Resources") or {}).items()
        if resource.get("Type") not in supported
    ]


def check(repo: Path) -> list[str]:
    """Every problem with the release in the repository at `repo`; none when all agree."""
    version, license_id = crate(repo)
    problems = []
    if not SEMVER.match(version):
        problems.append(f"Cargo.toml: version {version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    template = parse_template((repo / "template.yaml").read_text(encoding="utf-8"))
    problems += template_version_problems(template, version)
    problems += changelog_problems((repo / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    problems += metadata_problems(template, repo, license_id)
    problems += resource_type_problems(template, supported_types())
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    problems = check(args.repo)
    for problem in problems:
        print(f"release: {problem}", file=sys.stderr)
    if problems:
        return 1
    version, _ = crate(args.repo)
    print(f"release: {version} in Cargo.toml, template.yaml and CHANGELOG.md; template ready for SAR", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
