//! Amazon Connect ARNs: templates hold ARNs (`!GetAtt Instance.Arn`, `!Ref` of a queue), Connect's
//! API takes plain IDs, and a routing profile ARN is this resource's PhysicalResourceId.

use crate::model::ProfileRef;

/// The parts of `arn:{partition}:connect:{region}:{account}:instance/{instance-id}[/{kind}/{id}]`.
#[derive(Debug, PartialEq, Eq)]
pub struct ConnectArn<'a> {
    /// The Region the resource is in.
    pub region: &'a str,
    /// The account that owns it.
    pub account: &'a str,
    /// The instance the resource lives in.
    pub instance_id: &'a str,
    /// `Some(("queue", id))` for a queue ARN, `None` for the instance itself.
    pub resource: Option<(&'a str, &'a str)>,
}

/// Splits a Connect ARN; `None` for anything that is not one.
pub fn parse(arn: &str) -> Option<ConnectArn<'_>> {
    let mut fields = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    if prefix != "arn" || partition.is_empty() || service != "connect" {
        return None;
    }
    if region.is_empty() || account.is_empty() {
        return None;
    }
    let segments: Vec<&str> = resource.split('/').collect();
    match segments.as_slice() {
        ["instance", instance_id] if !instance_id.is_empty() => Some(ConnectArn {
            region,
            account,
            instance_id,
            resource: None,
        }),
        ["instance", instance_id, kind, id]
            if !instance_id.is_empty() && !kind.is_empty() && !id.is_empty() =>
        {
            Some(ConnectArn {
                region,
                account,
                instance_id,
                resource: Some((kind, id)),
            })
        }
        _ => None,
    }
}

/// Reads a PhysicalResourceId as a routing profile ARN; `None` when it is anything else.
pub fn routing_profile(arn: &str) -> Option<ProfileRef> {
    match parse(arn)? {
        ConnectArn {
            instance_id,
            resource: Some(("routing-profile", id)),
            ..
        } => Some(ProfileRef {
            instance_id: instance_id.to_string(),
            routing_profile_id: id.to_string(),
            arn: arn.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RP: &str = "arn:aws:connect:us-east-1:123456789012:instance/i-1/routing-profile/rp-1";

    #[test]
    fn reads_instance_queue_and_profile_arns() {
        let instance = parse("arn:aws-cn:connect:cn-north-1:123456789012:instance/i-1");
        assert_eq!(
            instance,
            Some(ConnectArn {
                region: "cn-north-1",
                account: "123456789012",
                instance_id: "i-1",
                resource: None
            })
        );
        let queue = parse("arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/q-1");
        assert_eq!(queue.and_then(|a| a.resource), Some(("queue", "q-1")));
        let profile = routing_profile(RP).expect("a routing profile ARN");
        assert_eq!(profile.instance_id, "i-1");
        assert_eq!(profile.routing_profile_id, "rp-1");
        assert_eq!(profile.arn, RP);
    }

    #[test]
    fn rejects_what_is_not_a_connect_arn() {
        for text in [
            "",
            "failed-create-1234",
            "2026/11/24/[$LATEST]abcdef",
            "arn:aws:s3:::bucket",
            "arn:aws:connect:us-east-1:123456789012:instance/",
            "arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/",
            "arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/q/extra",
            "arn:aws:connect::123456789012:instance/i-1",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        assert_eq!(
            routing_profile("arn:aws:connect:us-east-1:1:instance/i-1/queue/q-1"),
            None
        );
    }
}
