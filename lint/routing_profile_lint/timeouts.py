"""ServiceTimeout advice for `Custom::RoutingProfile`.

CloudFormation waits ServiceTimeout seconds (an hour by default) for a custom resource's answer.
The function always answers before its own Timeout, so the wait runs out only when the answer was
lost (the function never ran, or was killed): then a short ServiceTimeout fails the stack in
minutes instead of an hour. It must stay above the function's Timeout, or CloudFormation may give
up on a request the function is still carrying out.
"""

import re

from . import constraints as c
from .template import Finding, routing_profiles

MISSING = "service-timeout-missing"
NOT_ABOVE = "service-timeout-not-above"

_GETATT_ARN = re.compile(r"^\$\{([A-Za-z0-9]+)\.Arn\}$")


def check_template(cfn):
    """ServiceTimeout findings for every Custom::RoutingProfile in a cfn-lint Template."""
    findings = []
    for name, resource in routing_profiles(cfn):
        properties = resource["Properties"]
        if not isinstance(properties, dict):
            continue
        base = ("Resources", name, "Properties")
        if "ServiceTimeout" not in properties:
            findings.append(
                Finding(
                    base,
                    MISSING,
                    f"ServiceTimeout is not set: if an answer is lost, CloudFormation waits "
                    f"{c.DEFAULT_SERVICE_TIMEOUT} s (an hour) before it fails the stack; set it "
                    "above the function's Timeout (e.g. 600 for its 300 s)",
                )
            )
            continue
        service_timeout = seconds(properties["ServiceTimeout"])
        function = service_function(properties.get("ServiceToken"))
        if service_timeout is None or function is None:
            continue
        timeout = function_timeout(cfn, function)
        if timeout is not None and service_timeout <= timeout:
            findings.append(
                Finding(
                    base + ("ServiceTimeout",),
                    NOT_ABOVE,
                    f"ServiceTimeout {service_timeout} is not above the Timeout of {function} "
                    f"({timeout} s): CloudFormation may fail the stack while the function is still "
                    f"working; set it above {timeout}, e.g. {min(2 * timeout, c.DEFAULT_SERVICE_TIMEOUT)}",
                )
            )
    return findings


def seconds(value):
    """A whole number of seconds written literally (a number or numeric string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def service_function(token):
    """The logical ID of the function a ServiceToken names in the same template, if it does."""
    if not isinstance(token, dict) or len(token) != 1:
        return None
    (key, arg), = token.items()
    if key == "Fn::GetAtt":
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if isinstance(parts, list) and len(parts) == 2 and parts[1] == "Arn":
            return str(parts[0])
    if key == "Fn::Sub" and isinstance(arg, str):
        found = _GETATT_ARN.match(arg)
        if found:
            return found.group(1)
    return None


def function_timeout(cfn, name):
    """A Lambda function's Timeout in seconds when the template fixes it, else None."""
    resource = cfn.template.get("Resources", {}).get(name)
    if not isinstance(resource, dict):
        return None
    properties = resource.get("Properties", {})
    if not isinstance(properties, dict):
        return None
    if resource.get("Type") == "AWS::Lambda::Function":
        timeout = properties.get("Timeout", c.DEFAULT_LAMBDA_TIMEOUT)
    elif resource.get("Type") == "AWS::Serverless::Function":
        # Not transformed (the SAM transform failed): Globals still apply.
        globals_ = cfn.template.get("Globals", {}).get("Function", {})
        default = globals_.get("Timeout", c.DEFAULT_LAMBDA_TIMEOUT) if isinstance(globals_, dict) else None
        timeout = properties.get("Timeout", default)
    else:
        return None
    return seconds(timeout)
