//! Instance and queue references: a plain ID, or the ARN a template naturally holds
//! (`!GetAtt Instance.Arn`, a queue's `!Ref`), reduced to the plain ID Connect's API takes.

use serde_json::Value;

use super::reader::{Reader, fits};
use crate::arn::{self, ConnectArn};
use crate::constraints::{self, Length};

/// A plain ID's length. Connect's model bounds only `InstanceId`; queue IDs are held to the same.
const ID: Length = constraints::INSTANCE_ID;
/// Room in an ARN for all but its IDs: `arn:PARTITION:connect:REGION:ACCOUNT:instance/` and a
/// resource kind such as `/queue/`. Only a bound on the text read before it is split.
const ARN_FRAME: usize = 150;
/// An instance ID or instance ARN, as text.
const INSTANCE_TEXT: Length = Length {
    min: ID.min,
    max: ARN_FRAME + ID.max,
};
/// A queue ID or queue ARN (which holds two IDs), as text.
const QUEUE_TEXT: Length = Length {
    min: ID.min,
    max: ARN_FRAME + 2 * ID.max,
};

/// An instance ID, or the instance ARN reduced to its ID.
pub(super) fn instance_id(r: &mut Reader, path: &str, value: &Value) -> Option<String> {
    let text = r.string(path, value, INSTANCE_TEXT)?;
    if !text.starts_with("arn:") {
        return plain_id(r, path, text);
    }
    match arn::parse(&text) {
        Some(ConnectArn {
            instance_id,
            resource: None,
            ..
        }) => arn_id(r, path, &text, "instance", instance_id),
        _ => {
            r.error(
                path,
                format!(
                    "{text:?} is not an Amazon Connect instance ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID)"
                ),
            );
            None
        }
    }
}

/// A queue ID, or a queue ARN reduced to its ID; an ARN must be of the profile's instance.
pub(super) fn queue_id(
    r: &mut Reader,
    path: &str,
    value: &Value,
    instance_id: Option<&str>,
) -> Option<String> {
    let text = r.string(path, value, QUEUE_TEXT)?;
    if !text.starts_with("arn:") {
        return plain_id(r, path, text);
    }
    match arn::parse(&text) {
        Some(ConnectArn {
            instance_id: queue_instance,
            resource: Some(("queue", queue_id)),
            ..
        }) => {
            arn_id(r, path, &text, "instance", queue_instance)?;
            let queue_id = arn_id(r, path, &text, "queue", queue_id)?;
            if let Some(instance_id) = instance_id
                && instance_id != queue_instance
            {
                r.error(
                    path,
                    format!(
                        "queue {text:?} belongs to instance {queue_instance:?}, not to InstanceId {instance_id:?}"
                    ),
                );
                return None;
            }
            Some(queue_id)
        }
        _ => {
            r.error(
                path,
                format!(
                    "{text:?} is not an Amazon Connect queue ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID/queue/ID)"
                ),
            );
            None
        }
    }
}

/// A plain ID: within [`ID`], and nothing that would change the request path it travels in.
fn plain_id(r: &mut Reader, path: &str, text: String) -> Option<String> {
    if !is_id(&text) {
        r.error(
            path,
            format!("{text:?} is neither an ID ({ID_RULE}) nor an ARN"),
        );
        return None;
    }
    Some(text)
}

/// The ID of `kind` an ARN holds, held to the same rule as a plain ID: Connect is called with it.
fn arn_id(r: &mut Reader, path: &str, arn: &str, kind: &str, id: &str) -> Option<String> {
    if !is_id(id) {
        r.error(
            path,
            format!("{arn:?} holds the {kind} ID {id:?}, which is not an ID ({ID_RULE})"),
        );
        return None;
    }
    Some(id.to_string())
}

/// [`is_id`] in words.
const ID_RULE: &str = "1-100 characters, no '/', ':' or spaces";

/// Whether `text` is within [`ID`] in characters and holds nothing that would change the request
/// path it travels in.
fn is_id(text: &str) -> bool {
    fits(text.chars().count(), ID)
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{INSTANCE, errors_of, valid, with};
    use super::*;
    use crate::properties::parse;
    use serde_json::json;

    #[test]
    fn checks_ids_and_arns() {
        assert_eq!(
            errors_of(with(
                valid(),
                "/InstanceId",
                json!("arn:aws:connect:us-east-1:1:instance/i/queue/q")
            )),
            [
                "InstanceId: \"arn:aws:connect:us-east-1:1:instance/i/queue/q\" is not an Amazon Connect instance ARN (arn:aws:connect:REGION:ACCOUNT:instance/ID)"
            ]
        );
        let other_instance = "arn:aws:connect:us-east-1:123456789012:instance/other/queue/q-out";
        assert_eq!(
            errors_of(with(
                valid(),
                "/DefaultOutboundQueueId",
                json!(other_instance)
            )),
            [format!(
                "DefaultOutboundQueueId: queue \"{other_instance}\" belongs to instance \"other\", not to InstanceId \"{INSTANCE}\""
            )]
        );
        assert_eq!(
            errors_of(with(
                valid(),
                "/QueueConfigs/0/QueueReference/QueueId",
                json!("has space")
            )),
            [
                "QueueConfigs[0].QueueReference.QueueId: \"has space\" is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN"
            ]
        );
        assert_eq!(
            errors_of(with(valid(), "/InstanceId", json!(7))),
            ["InstanceId: 7 is not a string"]
        );
    }

    #[test]
    fn ids_inside_arns_follow_the_plain_id_rule() {
        let plain_ids = |instance: &str| {
            with(
                with(valid(), "/DefaultOutboundQueueId", json!("q-out")),
                "/InstanceId",
                json!(instance),
            )
        };
        assert_eq!(
            errors_of(plain_ids("a b")),
            [
                "InstanceId: \"a b\" is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN"
            ]
        );
        let arn = "arn:aws:connect:us-east-1:123456789012:instance/a b";
        assert_eq!(
            errors_of(plain_ids(arn)),
            [format!(
                "InstanceId: \"{arn}\" holds the instance ID \"a b\", which is not an ID (1-100 characters, no '/', ':' or spaces)"
            )]
        );
        let colon = "arn:aws:connect:us-east-1:123456789012:instance/a:b";
        assert!(errors_of(plain_ids(colon))[0].contains("holds the instance ID \"a:b\""));
        let long = format!(
            "arn:aws:connect:us-east-1:123456789012:instance/{}",
            "i".repeat(ID.max + 1)
        );
        assert!(errors_of(plain_ids(&long))[0].contains("which is not an ID (1-100 characters"));
        let at_limit = format!(
            "arn:aws:connect:us-east-1:123456789012:instance/{}",
            "i".repeat(ID.max)
        );
        assert!(parse(&plain_ids(&at_limit)).is_ok());

        let queue = format!("arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/queue/q 1");
        assert_eq!(
            errors_of(with(
                valid(),
                "/QueueConfigs/1/QueueReference/QueueId",
                json!(queue)
            )),
            [format!(
                "QueueConfigs[1].QueueReference.QueueId: \"{queue}\" holds the queue ID \"q 1\", which is not an ID (1-100 characters, no '/', ':' or spaces)"
            )]
        );
        let queue_in = "arn:aws:connect:us-east-1:123456789012:instance/x y/queue/q-out";
        assert_eq!(
            errors_of(with(valid(), "/DefaultOutboundQueueId", json!(queue_in))),
            [format!(
                "DefaultOutboundQueueId: \"{queue_in}\" holds the instance ID \"x y\", which is not an ID (1-100 characters, no '/', ':' or spaces)"
            )]
        );
    }

    #[test]
    fn ids_and_their_arns_are_bounded_by_the_models_id_length() {
        assert_eq!((INSTANCE_TEXT.max, QUEUE_TEXT.max), (250, 350));
        let plain = |instance: String| {
            with(
                with(valid(), "/DefaultOutboundQueueId", json!("q-out")),
                "/InstanceId",
                json!(instance),
            )
        };
        assert!(parse(&plain("i".repeat(ID.max))).is_ok());
        assert_eq!(
            errors_of(plain("i".repeat(ID.max + 1))),
            [format!(
                "InstanceId: \"{}\" is neither an ID (1-100 characters, no '/', ':' or spaces) nor an ARN",
                "i".repeat(ID.max + 1)
            )]
        );
        let too_long = errors_of(with(
            valid(),
            "/DefaultOutboundQueueId",
            json!("q".repeat(QUEUE_TEXT.max + 1)),
        ));
        assert!(
            too_long[0].ends_with("must be 1-350 characters, not 351"),
            "{too_long:?}"
        );
        assert_eq!(
            errors_of(with(valid(), "/InstanceId", json!(""))),
            ["InstanceId: \"\" must be 1-250 characters, not 0"]
        );
    }
}
