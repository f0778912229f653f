"""Release checks, run by .ci/lint: one version everywhere, and a template the AWS Serverless
Application Repository (SAR) takes as it is.

- Cargo.toml's `[package] version` is a semantic version (semver.org 2.0.0): the release's version.
- template.yaml names that version in `Metadata: AWS::ServerlessRepo::Application: SemanticVersion`,
  in the `Version` output, and in the Description of each function.
- CHANGELOG.md (Keep a Changelog) starts with `## [Unreleased]`; below it come the releases
  (`## [X.Y.Z] - YYYY-MM-DD`), newest first: each version a semantic one and earlier than the one
  above it, each date no later than the one above it and not in the future (the latest date on
  Earth now, UTC+14), the newest one the crate's version. Every heading has its link reference
  (`[X.Y.Z]: ...` naming the tag `vX.Y.Z`; `[Unreleased]: ...` naming the newest release's tag).
- README.md shows no other version where it shows the current one: `SemanticVersion:` in the
  consuming template, `--semantic-version` in the SAR CLI's, and the init log line's version.
- The SAR metadata holds what `sam publish` requires (checked by SAM CLI's own code), within the
  limits SAR documents, with literal values only; LicenseUrl and ReadmeUrl name files of the
  repository; SpdxLicenseId is Cargo.toml's licence.
- Every resource type is one SAR supports (.ci/sar-supported-resources.txt, from its documentation).
- SAM's own schema of a template accepts it (samtranslator's SamTemplateValidator, which `sam
  validate` used before it ran cfn-lint): it refuses a top-level section it does not know (`Rules`,
  say) and an `AWS::Serverless::` type it does not know. It does not check a function's
  properties, and SAR validates those against a list of its own that no document publishes
  (`FunctionUrlConfig` and `SnapStart` were refused that way): what only `sam publish` can confirm
  is in the README's "Publish to the Serverless Application Repository".

Runs in .ci/lint's virtualenv: aws-sam-cli, pinned there, brings the template parser `sam publish`
uses, samtranslator and tomlkit; semver is pinned there too. Usage: python .ci/check_release.py
[--repo DIR]
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import warnings
from pathlib import Path

import semver
import tomlkit
from samcli.vendor.serverlessrepo.exceptions import ServerlessRepoError
from samcli.vendor.serverlessrepo.parser import get_app_metadata, parse_template
from samtranslator.validator.validator import SamTemplateValidator

HERE = Path(__file__).resolve().parent

# A version written inside prose (a Description).
VERSION_IN_TEXT = re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?(?![\w.])")
# A Keep a Changelog release heading: `## [1.2.3] - 2026-12-06` (or `## [Unreleased]`).
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?\s*$")
UNRELEASED = "Unreleased"
# A Markdown link reference definition: `[1.2.3]: <target>`.
LINK_REFERENCE = re.compile(r"^\[(?P<label>[^\]]+)\]:\s+(?P<target>\S+)")
# Where README.md shows the current version: the consuming templates' SemanticVersion, the SAR
# CLI's --semantic-version, and the init log line (JSON and Text formats).
README_VERSIONS = re.compile(
    r'SemanticVersion: (?P<a>\S+)|--semantic-version (?P<b>\S+)|"version":"(?P<c>[^"]*)"|\bversion="(?P<d>[^"]*)"'
)
# The latest calendar date anywhere on Earth is UTC's plus 14 hours (UTC+14, Line Islands): a
# release dated later than that is dated in the future wherever it was written.
LATEST_OFFSET = datetime.timedelta(hours=14)

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


def latest_date_on_earth() -> datetime.date:
    """Today's date where it is latest (UTC+14): no release can be dated after it."""
    return (datetime.datetime.now(datetime.timezone.utc) + LATEST_OFFSET).date()


def changelog_headings(text: str) -> list[tuple[str, str | None]]:
    """(version, date) of each `## [...]` heading, in the file's order, `Unreleased` included."""
    return [(h["version"], h["date"]) for line in text.splitlines() if (h := HEADING.match(line))]


def release_date(date: str | None) -> datetime.date | None:
    """A heading's date, or None when it has none in the form YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(date or "")
    except ValueError:
        return None


def order_problems(releases: list[tuple[str, str | None]], latest: datetime.date) -> list[str]:
    """Releases out of order (newest first, by version and by date), or dated in the future."""
    problems = []
    for version, date in releases:
        day = release_date(date)
        if day is None:
            problems.append(f"CHANGELOG.md: [{version}] has no release date (`## [{version}] - YYYY-MM-DD`)")
        elif day > latest:
            problems.append(f"CHANGELOG.md: [{version}] is dated {day}, in the future (today is {latest} at the latest)")
    for (newer, newer_date), (older, older_date) in zip(releases, releases[1:]):
        if semver.Version.is_valid(newer) and semver.Version.is_valid(older):
            if semver.Version.parse(newer) <= semver.Version.parse(older):
                problems.append(
                    f"CHANGELOG.md: [{newer}] is above [{older}] but is not a later version (newest first)"
                )
        newer_day, older_day = release_date(newer_date), release_date(older_date)
        if newer_day and older_day and newer_day < older_day:
            problems.append(
                f"CHANGELOG.md: [{newer}] ({newer_day}) is dated before [{older}] ({older_day}), which is below it"
            )
    return problems


def link_problems(text: str, releases: list[tuple[str, str | None]]) -> list[str]:
    """Headings without their link reference, or with one that names another release's tag."""
    targets = {}
    for line in text.splitlines():
        reference = LINK_REFERENCE.match(line)
        if reference:
            targets.setdefault(reference["label"], reference["target"])
    wanted = [(UNRELEASED, releases[0][0] if releases else None)] + [(v, v) for v, _ in releases]
    problems = []
    for label, tag_version in wanted:
        target = targets.get(label)
        if target is None:
            problems.append(f"CHANGELOG.md: [{label}] has no link reference (`[{label}]: <address>` at the end)")
        elif tag_version and not re.search(rf"\bv{re.escape(tag_version)}(?![\w+-]|\.\w)", target):
            problems.append(f"CHANGELOG.md: the link reference of [{label}] ({target}) does not name the tag v{tag_version}")
    return problems


def changelog_problems(text: str, version: str, latest: datetime.date) -> list[str]:
    """What keeps CHANGELOG.md from being Keep a Changelog's form with this version newest."""
    headings = changelog_headings(text)
    problems = []
    if not headings or headings[0][0] != UNRELEASED:
        problems.append(f"CHANGELOG.md: the first heading is not `## [{UNRELEASED}]`")
    if [v for v, _ in headings].count(UNRELEASED) > 1:
        problems.append(f"CHANGELOG.md: [{UNRELEASED}] has more than one entry")
    releases = [(v, d) for v, d in headings if v != UNRELEASED]
    if not releases:
        return problems + [f"CHANGELOG.md: no release heading (`## [{version}] - YYYY-MM-DD`)"]
    if releases[0][0] != version:
        problems.append(f"CHANGELOG.md: newest entry is {releases[0][0]}, Cargo.toml says {version}")
    problems += [
        f"CHANGELOG.md: [{v}] is not a semantic version (MAJOR.MINOR.PATCH)"
        for v, _ in releases
        if not semver.Version.is_valid(v)
    ]
    seen = [v for v, _ in releases]
    problems += [f"CHANGELOG.md: [{v}] has more than one entry" for v in sorted(set(seen)) if seen.count(v) > 1]
    return problems + order_problems(releases, latest) + link_problems(text, releases)


def readme_problems(text: str, version: str) -> list[str]:
    """Where README.md shows another version than the crate's as the current one."""
    shown = [next(v for v in match.groups() if v is not None) for match in README_VERSIONS.finditer(text)]
    return [f"README.md: shows version {v!r} where Cargo.toml says {version!r}" for v in shown if v != version]


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


def sam_schema_problems(template: dict) -> list[str]:
    """What SAM's own template schema refuses (samtranslator's SamTemplateValidator)."""
    with warnings.catch_warnings():
        # The validator is marked deprecated (SAM now validates with cfn-lint); its schema is
        # still the one SAM publishes, and the closest to what SAR validates against.
        warnings.simplefilter("ignore")
        errors = SamTemplateValidator().get_errors(template)
    return [f"template.yaml: SAM's template schema refuses it: {error}" for error in errors]


def check(repo: Path, latest: datetime.date | None = None) -> list[str]:
    """Every problem with the release in the repository at `repo`; none when all agree. `latest`
    is the latest date a release may have (default: today, UTC+14)."""
    version, license_id = crate(repo)
    problems = []
    if not semver.Version.is_valid(version):
        problems.append(f"Cargo.toml: version {version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    template = parse_template((repo / "template.yaml").read_text(encoding="utf-8"))
    problems += template_version_problems(template, version)
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    problems += changelog_problems(changelog, version, latest or latest_date_on_earth())
    problems += readme_problems((repo / "README.md").read_text(encoding="utf-8"), version)
    problems += metadata_problems(template, repo, license_id)
    problems += resource_type_problems(template, supported_types())
    problems += sam_schema_problems(template)
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
    print(
        f"release: {version} in Cargo.toml, template.yaml, CHANGELOG.md and README.md; "
        "template within what SAR is known to take",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
