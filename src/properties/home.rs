//! Where the function can act: an instance or queue ARN of another Region or account names
//! something this function's Connect client cannot reach. Without this check the ARN would be cut
//! to its ID and fail later as a ResourceNotFoundException that names neither Region nor account.

use serde_json::Value;

use super::PropertyError;
use crate::arn;

/// The Region the function calls Connect in and, when known, the account it runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    /// The Connect client's Region, e.g. `us-east-1`.
    pub region: String,
    /// The function's account, read from the request's ServiceToken (the function's own ARN).
    pub account: Option<String>,
}

impl Home {
    /// The home of a function whose Connect client is in `region`, answering a request whose
    /// `ServiceToken` is the function's ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`).
    pub fn new(region: impl Into<String>, properties: &Value) -> Self {
        let account = properties
            .get("ServiceToken")
            .and_then(Value::as_str)
            .and_then(|token| token.split(':').nth(4))
            .filter(|account| !account.is_empty())
            .map(str::to_string);
        Home {
            region: region.into(),
            account,
        }
    }
}

/// Every instance or queue ARN in valid `properties` that lies outside `home`.
pub(super) fn foreign_arns(properties: &Value, home: &Home) -> Vec<PropertyError> {
    let mut paths = vec![
        ("InstanceId".to_string(), properties.get("InstanceId")),
        (
            "DefaultOutboundQueueId".to_string(),
            properties.get("DefaultOutboundQueueId"),
        ),
    ];
    for list in ["QueueConfigs", "ManualAssignmentQueueConfigs"] {
        let items = properties.get(list).and_then(Value::as_array);
        for (i, item) in items.into_iter().flatten().enumerate() {
            paths.push((
                format!("{list}[{i}].QueueReference.QueueId"),
                item.pointer("/QueueReference/QueueId"),
            ));
        }
    }
    paths
        .into_iter()
        .filter_map(|(path, value)| {
            let text = value?.as_str()?;
            let problem = outside(text, home)?;
            Some(PropertyError { path, problem })
        })
        .collect()
}

/// What is wrong with `text` if it is an ARN outside `home`.
fn outside(text: &str, home: &Home) -> Option<String> {
    let found = arn::parse(text)?;
    // No Region configured (only outside Lambda): Connect calls fail on their own, say so there.
    let other_region = !home.region.is_empty() && found.region != home.region;
    let other_account = home
        .account
        .as_deref()
        .is_some_and(|account| account != found.account);
    let (theirs, ours) = match (other_region, other_account) {
        (false, false) => return None,
        (true, false) => (
            format!("Region {}", found.region),
            format!("Region {}", home.region),
        ),
        (false, true) => (
            format!("account {}", found.account),
            format!("account {}", home.account.as_deref().unwrap_or_default()),
        ),
        (true, true) => (
            format!("Region {}, account {}", found.region, found.account),
            format!(
                "Region {}, account {}",
                home.region,
                home.account.as_deref().unwrap_or_default()
            ),
        ),
    };
    Some(format!(
        "{text:?} is in {theirs}, but this function manages Amazon Connect in {ours} only: use an instance of its own Region and account, or deploy the function where the instance is"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{INSTANCE, valid, with};
    use super::*;
    use crate::properties::parse_at;
    use serde_json::json;

    fn home() -> Home {
        Home::new("us-east-1", &valid())
    }

    fn errors_at(properties: Value) -> Vec<String> {
        match parse_at(&properties, &home()) {
            Ok(p) => panic!("expected errors, parsed {p:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_service_token_gives_the_account() {
        assert_eq!(
            home(),
            Home {
                region: "us-east-1".into(),
                account: Some("123456789012".into())
            }
        );
        assert_eq!(Home::new("eu-west-1", &json!({})).account, None);
    }

    #[test]
    fn arns_of_the_home_region_and_account_and_plain_ids_pass() {
        assert!(parse_at(&valid(), &home()).is_ok());
        let plain = with(valid(), "/InstanceId", json!(INSTANCE));
        assert!(parse_at(&plain, &home()).is_ok());
    }

    #[test]
    fn an_arn_of_another_region_or_account_names_both() {
        let elsewhere = format!("arn:aws:connect:eu-west-1:123456789012:instance/{INSTANCE}");
        assert_eq!(
            errors_at(with(valid(), "/InstanceId", json!(elsewhere))),
            [format!(
                "InstanceId: {elsewhere:?} is in Region eu-west-1, but this function manages Amazon Connect in Region us-east-1 only: use an instance of its own Region and account, or deploy the function where the instance is"
            )]
        );
        let queue = format!("arn:aws:connect:us-east-1:999999999999:instance/{INSTANCE}/queue/q");
        let both = format!("arn:aws:connect:eu-west-1:999999999999:instance/{INSTANCE}/queue/q");
        let mut props = with(valid(), "/DefaultOutboundQueueId", json!(queue));
        props = with(props, "/QueueConfigs/1/QueueReference/QueueId", json!(both));
        let errors = errors_at(props);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with(&format!(
            "DefaultOutboundQueueId: {queue:?} is in account 999999999999, but this function manages Amazon Connect in account 123456789012 only"
        )));
        assert!(errors[1].starts_with(&format!(
            "QueueConfigs[1].QueueReference.QueueId: {both:?} is in Region eu-west-1, account 999999999999, but this function manages Amazon Connect in Region us-east-1, account 123456789012 only"
        )));
    }

    #[test]
    fn without_a_service_token_only_the_region_is_checked() {
        let mut props = valid();
        props.as_object_mut().map(|p| p.remove("ServiceToken"));
        let other_account = format!("arn:aws:connect:us-east-1:999999999999:instance/{INSTANCE}");
        let props = with(props, "/InstanceId", json!(other_account));
        let home = Home::new("us-east-1", &props);
        assert!(parse_at(&props, &home).is_ok());
    }
}
