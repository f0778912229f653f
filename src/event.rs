//! The CloudFormation custom-resource request: what Lambda is invoked with.
//!
//! Well-formed events are read with `aws_lambda_events`' `CloudFormationCustomResourceRequest` and
//! flattened into one [`Request`], so that the lifecycle code does not match three variants for
//! the fields they share. An event that does not parse still gets an answer when it carries the
//! fields an answer needs ([`ReplyTo`]).

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use serde_json::Value;

/// Create, Update or Delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestType {
    /// A new resource.
    Create,
    /// Changed properties (or a rollback).
    Update,
    /// Removal, also after a failed Create and during cleanup after replacement.
    Delete,
}

impl RequestType {
    /// CloudFormation's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestType::Create => "Create",
            RequestType::Update => "Update",
            RequestType::Delete => "Delete",
        }
    }
}

/// Where and to whom the answer goes: the fields every response copies from its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    /// The presigned URL; its query string is a credential and is never logged.
    pub response_url: String,
    /// The stack's ARN.
    pub stack_id: String,
    /// Unique per request within the stack.
    pub request_id: String,
    /// The resource's name in the template.
    pub logical_resource_id: String,
}

/// A well-formed custom-resource request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Create, Update or Delete.
    pub request_type: RequestType,
    /// Where the answer goes.
    pub reply_to: ReplyTo,
    /// The id from an earlier answer (Update and Delete only).
    pub physical_resource_id: Option<String>,
    /// The template's Properties as sent.
    pub properties: Value,
    /// The Properties before this Update (Update only).
    pub old_properties: Option<Value>,
}

/// An event that is not a well-formed custom-resource request.
#[derive(Debug, thiserror::Error)]
#[error("not a CloudFormation custom resource request: {problem}")]
pub struct MalformedEvent {
    /// What is wrong with it.
    pub problem: String,
    /// Where to answer, when the event says (boxed: errors stay small on the happy path).
    pub reply_to: Option<Box<ReplyTo>>,
    /// The PhysicalResourceId the event carried, if any.
    pub physical_resource_id: Option<String>,
}

/// Reads a Lambda event as a custom-resource request.
pub fn parse(event: &Value) -> Result<Request, MalformedEvent> {
    let malformed = |problem: String| MalformedEvent {
        problem,
        reply_to: reply_to(event).map(Box::new),
        physical_resource_id: text(event, "PhysicalResourceId"),
    };
    if !event.is_object() {
        return Err(malformed(format!(
            "the event is a JSON {}, not an object",
            kind(event)
        )));
    }
    // The crate's types accept a missing or null ResourceProperties as `Value::Null`; a request
    // without them cannot say what to build, so they are required here.
    match event.get("ResourceProperties") {
        Some(Value::Object(_)) => {}
        Some(other) => {
            return Err(malformed(format!(
                "ResourceProperties is a JSON {}, not an object",
                kind(other)
            )));
        }
        None => return Err(malformed("ResourceProperties is missing".into())),
    }
    let request: CloudFormationCustomResourceRequest =
        serde_json::from_value(event.clone()).map_err(|e| malformed(e.to_string()))?;
    let fields = match request {
        CloudFormationCustomResourceRequest::Create(r) => (
            RequestType::Create,
            [
                r.response_url,
                r.stack_id,
                r.request_id,
                r.logical_resource_id,
            ],
            None,
            r.resource_properties,
            None,
        ),
        CloudFormationCustomResourceRequest::Update(r) => (
            RequestType::Update,
            [
                r.response_url,
                r.stack_id,
                r.request_id,
                r.logical_resource_id,
            ],
            Some(r.physical_resource_id),
            r.resource_properties,
            Some(r.old_resource_properties),
        ),
        CloudFormationCustomResourceRequest::Delete(r) => (
            RequestType::Delete,
            [
                r.response_url,
                r.stack_id,
                r.request_id,
                r.logical_resource_id,
            ],
            Some(r.physical_resource_id),
            r.resource_properties,
            None,
        ),
        _ => return Err(malformed("unknown RequestType".into())),
    };
    let (
        request_type,
        [response_url, stack_id, request_id, logical_resource_id],
        physical,
        properties,
        old,
    ) = fields;
    Ok(Request {
        request_type,
        reply_to: ReplyTo {
            response_url,
            stack_id,
            request_id,
            logical_resource_id,
        },
        physical_resource_id: physical,
        properties,
        old_properties: old,
    })
}

/// The reply fields of any JSON, when all four are strings.
fn reply_to(event: &Value) -> Option<ReplyTo> {
    Some(ReplyTo {
        response_url: text(event, "ResponseURL")?,
        stack_id: text(event, "StackId")?,
        request_id: text(event, "RequestId")?,
        logical_resource_id: text(event, "LogicalResourceId")?,
    })
}

fn text(event: &Value, key: &str) -> Option<String> {
    event.get(key)?.as_str().map(str::to_string)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn create() -> Value {
        json!({
            "RequestType": "Create",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "ResponseURL": "https://example.com/r?X-Amz-Signature=s",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1",
            "LogicalResourceId": "Profile",
            "ResourceType": "Custom::RoutingProfile",
            "ResourceProperties": { "Name": "n" }
        })
    }

    #[test]
    fn reads_each_request_type() {
        let request = parse(&create()).expect("create");
        assert_eq!(request.request_type, RequestType::Create);
        assert_eq!(request.reply_to.request_id, "r-1");
        assert_eq!(request.physical_resource_id, None);
        assert_eq!(request.properties, json!({ "Name": "n" }));

        let mut update = create();
        update["RequestType"] = json!("Update");
        update["PhysicalResourceId"] = json!("p-1");
        update["OldResourceProperties"] = json!({ "Name": "old" });
        let request = parse(&update).expect("update");
        assert_eq!(request.request_type, RequestType::Update);
        assert_eq!(request.physical_resource_id.as_deref(), Some("p-1"));
        assert_eq!(request.old_properties, Some(json!({ "Name": "old" })));

        let mut delete = create();
        delete["RequestType"] = json!("Delete");
        delete["PhysicalResourceId"] = json!("p-1");
        assert_eq!(
            parse(&delete).expect("delete").request_type,
            RequestType::Delete
        );
    }

    #[test]
    fn malformed_events_keep_what_is_needed_to_answer() {
        let mut unknown = create();
        unknown["RequestType"] = json!("Upsert");
        let err = parse(&unknown).expect_err("unknown type");
        assert!(err.problem.contains("Upsert"), "{}", err.problem);
        assert_eq!(err.reply_to.map(|r| r.request_id).as_deref(), Some("r-1"));

        let mut no_props = create();
        no_props
            .as_object_mut()
            .map(|o| o.remove("ResourceProperties"));
        assert_eq!(
            parse(&no_props).expect_err("no props").problem,
            "ResourceProperties is missing"
        );

        let mut no_physical = create();
        no_physical["RequestType"] = json!("Delete");
        assert!(
            parse(&no_physical)
                .expect_err("delete needs an id")
                .reply_to
                .is_some()
        );

        let mut no_url = create();
        no_url.as_object_mut().map(|o| o.remove("ResponseURL"));
        assert!(parse(&no_url).expect_err("no url").reply_to.is_none());

        let err = parse(&json!([1, 2])).expect_err("array");
        assert_eq!(err.problem, "the event is a JSON array, not an object");
        assert!(err.reply_to.is_none());
    }
}
