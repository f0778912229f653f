//! The Runtime API stand-in speaks what `lambda_runtime` expects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use connect_emulator::{Outcome, RuntimeApi};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::raw_http;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

#[tokio::test]
async fn next_long_polls_then_delivers_and_records_the_response() {
    let api = RuntimeApi::start().await;
    let addr = api.address();
    assert!(addr.starts_with("127.0.0.1:"));
    assert_eq!(api.first_poll(), None);

    let poll = tokio::spawn({
        let addr = addr.clone();
        async move { raw_http::http(&addr, "GET", NEXT, &[], b"").await }
    });
    // The poll parks until an event exists.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!poll.is_finished());
    assert_eq!(api.polls(), 1);
    assert!(api.first_poll().is_some());

    let deadline = SystemTime::now() + Duration::from_secs(30);
    api.push("req-1", json!({"RequestType": "Create"}), deadline);
    let resp = poll.await.expect("poll task");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("lambda-runtime-aws-request-id"), Some("req-1"));
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .expect("after epoch")
        .as_millis();
    assert_eq!(
        resp.header("lambda-runtime-deadline-ms"),
        Some(deadline_ms.to_string().as_str())
    );
    assert!(
        resp.header("lambda-runtime-invoked-function-arn")
            .is_some_and(|a| a.starts_with("arn:aws:lambda:"))
    );
    assert!(
        resp.header("lambda-runtime-trace-id")
            .is_some_and(|t| t.starts_with("Root=1-"))
    );
    assert_eq!(resp.json(), json!({"RequestType": "Create"}));
    assert!(api.delivered_at("req-1").is_some());

    let posted = raw_http::http(
        &addr,
        "POST",
        "/2018-06-01/runtime/invocation/req-1/response",
        &[],
        br#"{"ok":true}"#,
    )
    .await;
    assert_eq!(posted.status, 202);
    assert_eq!(
        api.wait_outcome("req-1", Duration::from_secs(1)).await,
        Some(Outcome::Response(json!({"ok": true})))
    );
    // A second answer for the same invocation is refused.
    let again = raw_http::http(
        &addr,
        "POST",
        "/2018-06-01/runtime/invocation/req-1/response",
        &[],
        b"{}",
    )
    .await;
    assert_eq!(again.status, 400);
}

#[tokio::test]
async fn errors_and_init_errors_are_recorded() {
    let api = RuntimeApi::start().await;
    let addr = api.address();
    api.push(
        "req-2",
        json!({}),
        SystemTime::now() + Duration::from_secs(5),
    );
    let resp = raw_http::http(&addr, "GET", NEXT, &[], b"").await;
    assert_eq!(resp.header("lambda-runtime-aws-request-id"), Some("req-2"));

    let waiter = tokio::spawn({
        let api = api.clone();
        async move { api.wait_outcome("req-2", Duration::from_secs(5)).await }
    });
    let diagnostic = json!({"errorType": "Boom", "errorMessage": "it broke"});
    let posted = raw_http::http(
        &addr,
        "POST",
        "/2018-06-01/runtime/invocation/req-2/error",
        &[("lambda-runtime-function-error-type", "unhandled")],
        diagnostic.to_string().as_bytes(),
    )
    .await;
    assert_eq!(posted.status, 202);
    assert_eq!(
        waiter.await.expect("waiter"),
        Some(Outcome::Error(diagnostic))
    );

    let unknown = raw_http::http(
        &addr,
        "POST",
        "/2018-06-01/runtime/invocation/nope/response",
        &[],
        b"{}",
    )
    .await;
    assert_eq!(unknown.status, 400);

    let init = json!({"errorType": "Runtime.InitError", "errorMessage": "no config"});
    let posted = raw_http::http(
        &addr,
        "POST",
        "/2018-06-01/runtime/init/error",
        &[],
        init.to_string().as_bytes(),
    )
    .await;
    assert_eq!(posted.status, 202);
    assert_eq!(api.init_error(), Some(init));
    assert_eq!(
        api.wait_outcome("never", Duration::from_millis(50)).await,
        None
    );
}

#[tokio::test]
async fn an_abandoned_poll_does_not_swallow_the_event() {
    let api = RuntimeApi::start().await;
    let addr = api.address();
    {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        stream
            .write_all(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .expect("write");
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Dropping the stream hangs up mid-poll, as a killed function process would.
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    api.push(
        "req-3",
        json!({"n": 3}),
        SystemTime::now() + Duration::from_secs(5),
    );
    let resp = tokio::time::timeout(
        Duration::from_secs(5),
        raw_http::http(&addr, "GET", NEXT, &[], b""),
    )
    .await
    .expect("the event reaches the live poller");
    assert_eq!(resp.header("lambda-runtime-aws-request-id"), Some("req-3"));
    assert_eq!(api.polls(), 2);
}

#[tokio::test]
async fn events_are_delivered_in_order() {
    let api = RuntimeApi::start().await;
    let addr = api.address();
    let deadline = SystemTime::now() + Duration::from_secs(5);
    api.push("a", json!(1), deadline);
    api.push("b", json!(2), deadline);
    let first = raw_http::http(&addr, "GET", NEXT, &[], b"").await;
    let second = raw_http::http(&addr, "GET", NEXT, &[], b"").await;
    assert_eq!(first.header("lambda-runtime-aws-request-id"), Some("a"));
    assert_eq!(second.header("lambda-runtime-aws-request-id"), Some("b"));
    assert!(api.delivered_at("a") <= api.delivered_at("b"));
}
