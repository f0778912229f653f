//! Answers in the user's terms (issue 9, case 6): a Name taken on Update, a queue not found,
//! Connect unreachable in one line, and an answer body within 4,096 bytes whatever the envelope.

use std::time::Duration;

use connect_emulator::connect::DEMO_INSTANCE_ID;
use routing_profile_resource::connect::Connect;
use routing_profile_resource::handler::Handler;
use routing_profile_resource::response::{MAX_BODY, Responder};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::world::*;

#[tokio::test]
async fn a_rename_onto_another_profiles_name_changes_nothing_and_says_so() {
    let world = World::start().await;
    world.send(world.event("create")).await;
    let mut other = as_new_request(&world.event("create"));
    other["LogicalResourceId"] = json!("SupportTier2");
    other["ResourceProperties"]["Name"] = json!("Support Tier 2");
    let other = world.send(other).await;
    assert_eq!(other.status, "SUCCESS", "{other}");
    let before = world.live(&other.physical).await;

    let mut props = other.properties();
    props["Name"] = json!("Support Tier 1");
    props["Description"] = json!("changed too");
    world.connect.clear_calls();
    let refused = world.send(update_from(&other, props)).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert_eq!(refused.physical, other.physical);
    assert!(
        refused.reason.starts_with(&format!(
            "Cannot rename the routing profile to \"Support Tier 1\": another routing profile in instance {DEMO_INSTANCE_ID} has that name (DuplicateResourceException: "
        )),
        "{}",
        refused.reason
    );
    assert!(
        refused.reason.contains("Nothing was changed."),
        "{}",
        refused.reason
    );
    assert_eq!(
        world.writes(),
        ["UpdateRoutingProfileName"],
        "the first write"
    );
    assert_eq!(world.live(&other.physical).await, before);
}

#[tokio::test]
async fn a_queue_not_found_on_update_is_named_with_its_instance() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let missing = "0b6c2f1e-0000-4a5b-8c7d-0000000000ee";
    let mut props = created.properties();
    props["QueueConfigs"].as_array_mut().expect("list").push(
        json!({ "QueueReference": { "QueueId": missing, "Channel": "CHAT" }, "Priority": "5" }),
    );
    let failed = world.send(update_from(&created, props)).await;
    assert_eq!(failed.status, "FAILED", "{failed}");
    assert!(
        failed.reason.starts_with(&format!(
            "Queue {missing} was not found in instance {DEMO_INSTANCE_ID} (AssociateRoutingProfileQueues failed: ResourceNotFoundException: "
        )),
        "{}",
        failed.reason
    );
}

/// A loopback address nothing listens on.
async fn closed_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// One line that names the endpoint and the innermost cause, and no debug dump.
fn assert_one_line_naming(reason: &str, endpoint: &str) {
    assert!(
        reason.contains(&format!(
            "could not reach {endpoint}: Connection refused (os error 111)"
        )),
        "{reason}"
    );
    assert!(!reason.contains('\n'), "{reason}");
    for dump in ["DispatchFailure", "ConnectorError", "source:", "{"] {
        assert!(!reason.contains(dump), "{dump} in {reason}");
    }
}

#[tokio::test]
async fn an_unreachable_connect_is_one_line_with_the_endpoint_and_the_cause() {
    let world = World::start().await;
    let endpoint = closed_endpoint().await;
    let event = world.event("create");

    // Retried until the deadline (the function's own client): the last attempt's failure.
    let handler = Handler::new(Connect::for_endpoint(&endpoint), Responder::new(false));
    handler
        .handle(event.clone(), Instant::now() + Duration::from_secs(3))
        .await
        .expect("answered");
    let timed_out = world.last_answer(event.clone());
    assert_eq!(timed_out.status, "FAILED");
    assert!(
        timed_out
            .reason
            .starts_with("Ran out of time while CreateRoutingProfile (the last attempt: "),
        "{}",
        timed_out.reason
    );
    assert_one_line_naming(&timed_out.reason, &endpoint);

    // When the SDK gives up first, the error itself.
    let config = aws_sdk_connect::Config::builder()
        .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
        .region(aws_sdk_connect::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_connect::config::Credentials::new(
            "AKIDLOCAL",
            "local",
            None,
            None,
            "local",
        ))
        .endpoint_url(&endpoint)
        .http_client(routing_profile_resource::https::for_sdk(&Default::default()))
        .retry_config(aws_sdk_connect::config::retry::RetryConfig::disabled())
        .build();
    let handler = Handler::new(Connect::from_config(config), Responder::new(false));
    handler
        .handle(event.clone(), Instant::now() + Duration::from_secs(30))
        .await
        .expect("answered");
    let refused = world.last_answer(event);
    assert!(
        refused
            .reason
            .starts_with("Amazon Connect CreateRoutingProfile failed: could not reach "),
        "{}",
        refused.reason
    );
    assert_one_line_naming(&refused.reason, &endpoint);
}

#[tokio::test]
async fn every_answer_body_fits_in_4096_bytes_whatever_the_envelope_holds() {
    let world = World::start().await;
    let long = "x".repeat(5000);
    let mut delete = world.event_on("delete", &long);
    delete["ResourceProperties"] = json!({});
    let mut malformed = world.event_on("delete", &long);
    malformed["RequestType"] = json!("Upsert");
    malformed["StackId"] = json!("\u{1}".repeat(3000));
    malformed["LogicalResourceId"] = json!("\"".repeat(2000));
    for event in [delete, malformed] {
        world
            .invoke(event.clone(), Duration::from_secs(10))
            .await
            .expect("answered");
        let put = world.last_put();
        assert!(put.body.len() <= MAX_BODY, "{} bytes", put.body.len());
        let body: Value = serde_json::from_slice(&put.body).expect("JSON");
        let physical = body["PhysicalResourceId"].as_str().expect("an id");
        assert!(
            physical.starts_with("xxx") && physical.ends_with('…'),
            "{physical}"
        );
    }
}
