"""cfn-lint checks for `Custom::RoutingProfile`: the function's own property rules and wording
(properties.py, a port of src/properties/), read from Connect's constraints table
(constraints.py), applied to template values with their intrinsic functions and conditions
(template.py), plus ServiceTimeout advice (timeouts.py). The rule classes cfn-lint loads are in
lint/rules/routing_profile.py."""
