//! The stand-in for CloudFormation's `ResponseURL`, an S3 pre-signed URL.
//!
//! What matters about that URL is unforgiving: the signature covers the path and query exactly as
//! issued, so a client that re-encodes `%2F` or reorders the query breaks it; S3 wants a
//! Content-Length (it refuses chunked uploads to pre-signed PUTs) and an empty or matching
//! Content-Type. The receiver therefore records the raw request-target and all headers as they
//! came off the wire, and lets tests script failures and silence.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::Request;
use hyper::body::Incoming;
use tokio::sync::Notify;

use crate::server::{self, Resp};
use crate::tls::ServerTls;

/// One request the receiver got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The HTTP method, e.g. `PUT`.
    pub method: String,
    /// The request-target exactly as sent (path and query), never decoded or re-encoded.
    pub target: String,
    /// All headers in arrival order, names lowercase; `transfer-encoding` is kept so tests can see
    /// whether the body was chunked.
    pub headers: Vec<(String, String)>,
    /// The full body, with any chunked framing removed.
    pub body: Vec<u8>,
    /// When the request had fully arrived (body read), for latency measurements.
    pub at: Instant,
    /// The status it was answered with; `None` when it was left without an answer.
    pub status: Option<u16>,
}

impl Received {
    /// The body parsed as JSON, or `Value::Null` if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Received>,
    statuses: VecDeque<u16>,
    hang: usize,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    arrived: Notify,
}

/// A local HTTP server standing in for the CloudFormation ResponseURL; see the module docs.
#[derive(Clone)]
pub struct ResponseReceiver {
    shared: Arc<Shared>,
    port: u16,
    scheme: &'static str,
}

impl ResponseReceiver {
    /// Starts the receiver on an ephemeral loopback port; call from inside a Tokio runtime.
    pub async fn start() -> ResponseReceiver {
        Self::start_on(0)
            .await
            .expect("cannot bind 127.0.0.1:0 for a local test server")
    }

    /// Starts it on a fixed loopback port, for a long-running local setup (`runner --serve`).
    pub async fn start_on(port: u16) -> std::io::Result<ResponseReceiver> {
        Self::start_at(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
    }

    /// Starts it on `addr`, for example 0.0.0.0 so that a container can reach it (`runner --serve
    /// --bind`). The URLs it gives out name 127.0.0.1, which reaches it only when `addr` is loopback
    /// or unspecified.
    pub async fn start_at(addr: SocketAddr) -> std::io::Result<ResponseReceiver> {
        let shared = Arc::new(Shared::default());
        let handler_shared = shared.clone();
        let addr = server::spawn_at(addr, move |req| handle(handler_shared.clone(), req)).await?;
        Ok(ResponseReceiver {
            shared,
            port: addr.port(),
            scheme: "http",
        })
    }

    /// Starts it over HTTPS, presenting `tls`'s certificate, on `addr` (port 0: an ephemeral one),
    /// as S3 serves a real presigned ResponseURL.
    pub async fn start_tls_at(
        addr: SocketAddr,
        tls: ServerTls,
    ) -> std::io::Result<ResponseReceiver> {
        let shared = Arc::new(Shared::default());
        let handler_shared = shared.clone();
        let addr =
            server::spawn_tls_at(addr, tls, move |req| handle(handler_shared.clone(), req)).await?;
        Ok(ResponseReceiver {
            shared,
            port: addr.port(),
            scheme: "https",
        })
    }

    /// Over HTTPS on a loopback port (0: an ephemeral one).
    pub async fn start_tls_on(port: u16, tls: ServerTls) -> std::io::Result<ResponseReceiver> {
        Self::start_tls_at(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), tls).await
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (or `https://`) followed by `path_and_query`, unchanged.
    pub fn url(&self, path_and_query: &str) -> String {
        format!(
            "{}://127.0.0.1:{}{}",
            self.scheme, self.port, path_and_query
        )
    }

    /// Points `event`'s ResponseURL at this receiver, keeping the original path and query (the
    /// presigned signature with it), so an event from `events/` answers here.
    pub fn redirect(&self, event: &mut serde_json::Value) {
        let original = event["ResponseURL"].as_str().unwrap_or_default();
        let path_and_query = original
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".to_string());
        event["ResponseURL"] = serde_json::Value::String(self.url(&path_and_query));
    }

    /// Everything received so far, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    /// Waits until at least `n` requests have arrived or `timeout` has passed, then returns all
    /// requests received so far.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let _ = tokio::time::timeout(timeout, async {
            loop {
                // Registered before the check so an arrival in between is not missed.
                let notified = self.shared.arrived.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.shared.state.lock().unwrap().requests.len() >= n {
                    return;
                }
                notified.await;
            }
        })
        .await;
        self.requests()
    }

    /// The next requests are answered with these statuses, in order; afterwards 200 again.
    pub fn respond_with(&self, statuses: Vec<u16>) {
        self.shared.state.lock().unwrap().statuses.extend(statuses);
    }

    /// The next `n` requests are read and recorded but never answered.
    pub fn hang_next(&self, n: usize) {
        self.shared.state.lock().unwrap().hang += n;
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let (parts, body) = req.into_parts();
    // The Uri keeps the bytes of the request-target as received; Display does not re-encode.
    let target = parts.uri.to_string();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match server::read_body(body).await {
        Ok(body) => body.to_vec(),
        Err(message) => return server::respond(400, &[], message),
    };
    let answer = {
        let mut state = shared.state.lock().unwrap();
        let status = if state.hang > 0 {
            state.hang -= 1;
            None
        } else {
            Some(state.statuses.pop_front().unwrap_or(200))
        };
        state.requests.push(Received {
            method: parts.method.as_str().to_string(),
            target,
            headers,
            body,
            at: Instant::now(),
            status,
        });
        status
    };
    shared.arrived.notify_waiters();
    match answer {
        Some(status) => server::respond(status, &[], bytes::Bytes::new()),
        None => std::future::pending().await,
    }
}
