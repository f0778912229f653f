//! Never leave a stack waiting: deadlines, Connect faults and throttling, ResponseURL faults and
//! hostile events, through the same HTTP path as production.

use std::time::Duration;

use connect_emulator::connect::{Fault, RateLimit};
use routing_profile_resource::connect::{Connect, Tuning};
use routing_profile_resource::handler::{Handler, InvocationError};
use routing_profile_resource::response::{DeliveryError, Responder};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::world::*;

#[tokio::test]
async fn throttling_and_server_errors_are_retried_by_the_sdk() {
    let world = World::start().await;
    world
        .connect
        .inject("CreateRoutingProfile", Fault::throttling(), 3);
    world
        .connect
        .inject("DescribeRoutingProfile", Fault::internal(), 2);
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let statuses: Vec<u16> = world
        .connect
        .calls()
        .iter()
        .filter(|c| c.operation == "CreateRoutingProfile")
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [429, 429, 429, 200]);

    let update = world.event_on("update", &created.physical);
    world.connect.clear_calls();
    assert_eq!(world.send(update).await.status, "SUCCESS");
    let describes: Vec<u16> = world
        .connect
        .calls()
        .iter()
        .filter(|c| c.operation == "DescribeRoutingProfile")
        .map(|c| c.status)
        .collect();
    // Retried past the 500s; the last read shows the update's writes before the answer.
    assert_eq!(describes, [500, 500, 200, 200]);
}

#[tokio::test]
async fn request_errors_are_not_retried() {
    let world = World::start().await;
    world.connect.inject(
        "CreateRoutingProfile",
        Fault::Error {
            status: 400,
            error_type: "InvalidParameterException".into(),
            message: "Bad parameter".into(),
        },
        5,
    );
    let failed = world.send(world.event("create")).await;
    assert_eq!(failed.status, "FAILED");
    assert!(
        failed
            .reason
            .contains("InvalidParameterException: Bad parameter")
    );
    assert_eq!(world.calls(), ["CreateRoutingProfile"]);
}

#[tokio::test]
async fn twenty_profiles_at_connects_default_rate_all_succeed_once_each() {
    let world = World::start().await;
    world
        .connect
        .set_rate_limit(Some(RateLimit::connect_default()));
    // Twenty concurrent invocations, as CloudFormation sends for a stack of twenty: separate
    // processes, so separate clients (and retry budgets).
    let mut invocations = Vec::new();
    for i in 0..20 {
        let handler = Handler::new(
            Connect::for_endpoint(&world.connect.endpoint()),
            Responder::new(false),
        );
        let mut event = world.event("create");
        event["LogicalResourceId"] = json!(format!("Profile{i}"));
        event["RequestId"] = json!(format!("00000000-0000-4000-8000-0000000000{i:02}"));
        event["ResourceProperties"]["Name"] = json!(format!("Support Tier {i}"));
        invocations.push(tokio::spawn(async move {
            handler
                .handle(event, Instant::now() + Duration::from_secs(120))
                .await
        }));
    }
    for invocation in invocations {
        let answer = invocation.await.expect("no panic").expect("delivered");
        assert_eq!(answer.reason, None);
    }
    let puts = world.receiver.requests();
    assert_eq!(puts.len(), 20);
    assert!(puts.iter().all(|p| p.json()["Status"] == "SUCCESS"));
    assert_eq!(world.connect.profiles().len(), 20);
    let throttled = world
        .connect
        .calls()
        .iter()
        .filter(|c| c.status == 429)
        .count();
    assert!(throttled > 0, "the rate limit was really hit");
}

#[tokio::test]
async fn a_hanging_connect_is_answered_failed_before_the_deadline_naming_the_step() {
    let world = World::start().await;
    world
        .connect
        .inject("CreateRoutingProfile", Fault::Hang, 100);
    let event = world.event("create");
    let deadline = Instant::now() + Duration::from_secs(3);
    let returned = world
        .handler
        .handle(event.clone(), deadline)
        .await
        .expect("delivered");
    assert!(Instant::now() < deadline, "answered before the deadline");
    let put = world.last_answer(event);
    assert_eq!(put.status, "FAILED");
    assert_eq!(returned.physical_resource_id, put.physical);
    assert!(put.physical.starts_with("failed-create-"));
    assert!(
        put.reason
            .starts_with("Ran out of time while CreateRoutingProfile"),
        "{}",
        put.reason
    );
    assert_eq!(world.receiver.requests().len(), 1, "exactly one answer");
}

#[tokio::test]
async fn throttling_that_never_clears_ends_in_time_during_an_update() {
    let world = World::start().await;
    let physical = world.send(world.event("create")).await.physical;
    world
        .connect
        .inject("UpdateRoutingProfileName", Fault::throttling(), 10_000);
    let update = world.event_on("update", &physical);
    let deadline = Instant::now() + Duration::from_secs(4);
    world
        .handler
        .handle(update.clone(), deadline)
        .await
        .expect("delivered");
    assert!(Instant::now() < deadline);
    let put = world.last_answer(update);
    assert_eq!(put.status, "FAILED");
    assert_eq!(
        put.physical, physical,
        "an update that ran out of time keeps its id"
    );
    assert!(
        put.reason
            .starts_with("Ran out of time while UpdateRoutingProfileName (change 1 of")
    );
    let attempts = world
        .calls()
        .iter()
        .filter(|c| *c == "UpdateRoutingProfileName")
        .count();
    assert!(attempts > 1, "retried while time allowed: {attempts}");
}

#[tokio::test]
async fn the_answer_is_retried_on_server_errors_until_delivered() {
    let world = World::start().await;
    world.receiver.respond_with(vec![503, 500]);
    let answer = world
        .invoke(world.event("create"), Duration::from_secs(30))
        .await;
    assert!(answer.is_ok(), "{answer:?}");
    let puts = world.receiver.requests();
    assert_eq!(puts.len(), 3);
    assert!(
        puts.windows(2).all(|w| w[0].body == w[1].body),
        "the same answer each time"
    );
}

#[tokio::test]
async fn a_refused_answer_is_not_retried_and_the_invocation_fails() {
    let world = World::start().await;
    world.receiver.respond_with(vec![403]);
    let result = world
        .invoke(world.event("create"), Duration::from_secs(30))
        .await;
    match result {
        Err(InvocationError::Undelivered(DeliveryError::Undelivered { attempts, last })) => {
            assert_eq!(attempts, 1);
            assert!(last.contains("403"), "{last}");
        }
        other => panic!("expected an undelivered answer, got {other:?}"),
    }
    assert_eq!(world.receiver.requests().len(), 1);
}

#[tokio::test]
async fn a_hanging_response_url_times_out_and_is_retried() {
    let world = World::start().await;
    world.receiver.hang_next(1);
    let started = Instant::now();
    let result = world
        .invoke(world.event("delete-failed-create"), Duration::from_secs(30))
        .await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(world.receiver.requests().len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "each attempt has its own timeout"
    );
}

#[tokio::test]
async fn an_unreachable_response_url_fails_the_invocation_within_the_deadline() {
    let world = World::start().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let mut event = world.event("delete-failed-create");
    event["ResponseURL"] = json!(format!("http://127.0.0.1:{port}/r?X-Amz-Signature=s"));
    let deadline = Instant::now() + Duration::from_secs(3);
    let result = world.handler.handle(event, deadline).await;
    assert!(
        matches!(result, Err(InvocationError::Undelivered(_))),
        "{result:?}"
    );
    assert!(Instant::now() < deadline);
}

#[tokio::test]
async fn a_response_url_that_is_not_https_stops_the_work_before_any_call() {
    let world = World::start().await;
    let mut event = world.event("create");
    event["ResponseURL"] = json!("http://bucket.example.com/r?X-Amz-Signature=very-secret");
    let result = world.invoke(event.clone(), Duration::from_secs(5)).await;
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("plain http"), "{error}");
    assert!(
        !error.contains("very-secret"),
        "the signature never appears: {error}"
    );
    assert!(
        world.calls().is_empty(),
        "nothing done for an answer that cannot be delivered"
    );

    // The explicit opt-in for `sam local invoke` allows it.
    let opted_in = Handler::new(
        Connect::for_endpoint(&world.connect.endpoint()),
        Responder::new(true),
    );
    event["ResponseURL"] = json!(
        world
            .receiver
            .url("/r?X-Amz-Signature=s")
            .replace("127.0.0.1", "localhost")
    );
    assert!(
        opted_in
            .handle(event, Instant::now() + Duration::from_secs(5))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn malformed_events_are_answered_failed_when_they_say_where() {
    let world = World::start().await;
    let base = world.event("create");
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut e = base.clone();
                e["RequestType"] = json!("Upsert");
                e
            },
            "Upsert",
        ),
        (
            {
                let mut e = base.clone();
                e.as_object_mut().map(|o| o.remove("ResourceProperties"));
                e
            },
            "ResourceProperties is missing",
        ),
        (
            {
                let mut e = base.clone();
                e["ResourceProperties"] = json!("x");
                e
            },
            "ResourceProperties is a JSON string",
        ),
        (
            {
                let mut e = base.clone();
                e["RequestType"] = json!("Update");
                e
            },
            "PhysicalResourceId",
        ),
    ];
    for (event, expected) in cases {
        let failed = world.send(event).await;
        assert_eq!(failed.status, "FAILED");
        assert!(
            failed.reason.contains(expected),
            "{expected}: {}",
            failed.reason
        );
        assert!(!failed.physical.is_empty());
    }
    assert!(world.calls().is_empty());
}

#[tokio::test]
async fn events_that_say_nowhere_to_answer_end_the_invocation_with_an_error() {
    let world = World::start().await;
    let mut no_url = world.event("create");
    no_url.as_object_mut().map(|o| o.remove("ResponseURL"));
    for event in [
        json!([1, 2, 3]),
        json!("Create"),
        json!(null),
        json!({}),
        no_url,
    ] {
        let result = world.invoke(event.clone(), Duration::from_secs(5)).await;
        assert!(
            matches!(result, Err(InvocationError::Unanswerable(_))),
            "{event}: {result:?}"
        );
    }
    assert!(world.receiver.requests().is_empty());
    assert!(world.calls().is_empty());
    // And the handler goes on serving.
    assert_eq!(world.send(world.event("create")).await.status, "SUCCESS");
}

#[tokio::test]
async fn throttling_is_retried_however_many_retries_the_process_made_before() {
    // The SDK gates retries with a quota shared by the process (500 tokens, 5 per throttled retry,
    // most never given back): about 50 calls throttled three times each would empty it.
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let profile = created.profile();
    let quick = Tuning {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..Tuning::default()
    };
    let client = Connect::for_endpoint_tuned(&world.connect.endpoint(), quick);
    for call in 0..120 {
        world
            .connect
            .inject("DescribeRoutingProfile", Fault::throttling(), 3);
        if let Err(e) = client.standing(&profile).await {
            panic!("call {call} was not retried: {e}");
        }
    }
}
