//! The ResponseURL stand-in records requests byte-for-byte and answers as scripted.

use std::time::Duration;

use connect_emulator::ResponseReceiver;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::raw_http;

const TARGET: &str = "/cfn-response/abc?X-Amz-Signature=s%2Fg%3D&X-Amz-Credential=AKIA%2F";

fn addr(receiver: &ResponseReceiver) -> String {
    receiver.url("").trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn records_the_raw_target_headers_and_body() {
    let receiver = ResponseReceiver::start().await;
    let url = receiver.url(TARGET);
    assert!(url.starts_with("http://127.0.0.1:"));
    assert!(
        url.ends_with(TARGET),
        "url() must not touch the path: {url}"
    );

    let body = br#"{"Status":"SUCCESS","PhysicalResourceId":"rp-1"}"#;
    let resp = raw_http::http(
        &addr(&receiver),
        "PUT",
        TARGET,
        &[("Content-Type", "")],
        body,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(resp.body.is_empty());

    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "PUT");
    assert_eq!(got[0].target, TARGET, "the target is kept exactly as sent");
    assert_eq!(
        got[0].header("content-length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(got[0].header("content-type"), Some(""));
    assert!(
        got[0]
            .headers
            .iter()
            .all(|(n, _)| n == &n.to_ascii_lowercase())
    );
    assert_eq!(got[0].body, body);
    assert_eq!(got[0].json()["PhysicalResourceId"], "rp-1");
}

#[tokio::test]
async fn chunked_bodies_are_recorded_with_their_framing_header() {
    let receiver = ResponseReceiver::start().await;
    let raw = format!(
        "PUT {TARGET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{\"a\":\r\n2\r\n1}}\r\n0\r\n\r\n"
    );
    let resp = raw_http::send_raw(&addr(&receiver), raw.as_bytes()).await;
    assert_eq!(resp.status, 200);
    let got = receiver.requests();
    assert_eq!(got[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(got[0].body, br#"{"a":1}"#);
}

#[tokio::test]
async fn scripted_statuses_then_200() {
    let receiver = ResponseReceiver::start().await;
    receiver.respond_with(vec![503, 403]);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            raw_http::http(&addr(&receiver), "PUT", TARGET, &[], b"{}")
                .await
                .status,
        );
    }
    assert_eq!(statuses, [503, 403, 200]);
    let recorded: Vec<Option<u16>> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(recorded, [Some(503), Some(403), Some(200)]);
}

#[tokio::test]
async fn hung_requests_are_recorded_but_never_answered() {
    let receiver = ResponseReceiver::start().await;
    receiver.hang_next(1);
    let mut stream = TcpStream::connect(addr(&receiver)).await.expect("connect");
    stream
        .write_all(
            format!("PUT {TARGET} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes(),
        )
        .await
        .expect("write");
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await;
    assert!(read.is_err(), "no answer may arrive");
    let received = receiver.wait_for(1, Duration::from_secs(1)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].status, None, "recorded as unanswered");

    // The next request is answered again.
    let resp = raw_http::http(&addr(&receiver), "PUT", TARGET, &[], b"{}").await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn wait_for_gives_up_at_the_timeout() {
    let receiver = ResponseReceiver::start().await;
    let started = std::time::Instant::now();
    assert!(
        receiver
            .wait_for(1, Duration::from_millis(100))
            .await
            .is_empty()
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
}
