"""Amazon Connect ARNs, read as src/arn.rs reads them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectArn:
    """`arn:{partition}:connect:{region}:{account}:instance/{instance_id}[/{kind}/{id}]`."""

    instance_id: str
    # ("queue", id) for a queue ARN; None for the instance itself.
    resource: tuple | None


def parse_arn(text):
    """The parts of a Connect ARN; None for anything that is not one."""
    fields = text.split(":", 5)
    if len(fields) != 6:
        return None
    prefix, partition, service, region, account, resource = fields
    if prefix != "arn" or not partition or service != "connect" or not region or not account:
        return None
    segments = resource.split("/")
    if len(segments) == 2 and segments[0] == "instance" and segments[1]:
        return ConnectArn(segments[1], None)
    if len(segments) == 4 and segments[0] == "instance" and all(segments[1:]):
        return ConnectArn(segments[1], (segments[2], segments[3]))
    return None
