//! The function's one HTTP client: hyper's HTTP/1.1 client over rustls (ring), trusting what
//! [`Trust`] says, with a connect timeout that covers the TLS handshake. Connect's SDK calls go
//! through it (as the SDK's `HttpClient`) and so does the answer's PUT to the ResponseURL.
//!
//! Why not the SDK's own client (aws-smithy-http-client): it also brings HTTP/2, proxy support and
//! the system's root store, none of which either endpoint needs (Connect and S3 both speak
//! HTTP/1.1), for about half a megabyte of the binary; and the ResponseURL's client would then be
//! a second HTTP stack. One stack, instantiated once, is the smaller binary.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use http::Uri;
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

use crate::tls::Trust;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A hyper client for http and https URLs; requests carry an [`SdkBody`].
pub type Client = hyper_util::client::legacy::Client<TimedConnector, SdkBody>;

/// How long idle connections are kept: Connect's and S3's endpoints close theirs after about a
/// minute, and a warm invocation reuses a younger one.
const POOL_IDLE: Duration = Duration::from_secs(50);
/// The connect timeout when the SDK asks for none.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A client trusting `trust`, giving up on a connection (TCP and TLS) after `connect_timeout`.
pub fn client(trust: &Trust, connect_timeout: Duration) -> Client {
    let mut tcp = TcpConnector::new();
    // Both schemes pass through; the TLS layer above decides which gets a handshake.
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let tls = HttpsConnector::from((tcp, trust.client_config()));
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE)
        .pool_timer(TokioTimer::new())
        .build(TimedConnector {
            inner: tls,
            limit: connect_timeout,
        })
}

/// The client as the SDK's `HttpClient`, for Connect.
pub fn for_sdk(trust: &Trust) -> SharedHttpClient {
    SharedHttpClient::new(SdkClient {
        trust: trust.clone(),
        connectors: Arc::default(),
    })
}

/// Opens connections (TCP, then TLS for https) within a time limit.
#[derive(Clone, Debug)]
pub struct TimedConnector {
    inner: HttpsConnector<TcpConnector>,
    limit: Duration,
}

impl tower_service::Service<Uri> for TimedConnector {
    type Response = MaybeHttpsStream<TokioIo<TcpStream>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        let limit = self.limit;
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(Box::new(ConnectTimeout(limit)) as BoxError),
            }
        })
    }
}

/// The server did not complete the connection (TCP and TLS handshake) in time.
#[derive(Debug, thiserror::Error)]
#[error("no connection (TCP and TLS handshake) within {} ms", .0.as_millis())]
pub struct ConnectTimeout(Duration);

/// The SDK asks for a connector per set of timeouts, for every request: one per set is made and
/// kept, so connections are pooled across calls.
#[derive(Clone, Debug)]
struct SdkClient {
    trust: Trust,
    connectors: Arc<Mutex<HashMap<Option<Duration>, SharedHttpConnector>>>,
}

impl HttpClient for SdkClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let timeout = settings.connect_timeout();
        // A poisoned lock only means another request panicked while inserting: the map is intact.
        let mut connectors = self
            .connectors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        connectors
            .entry(timeout)
            .or_insert_with(|| {
                let limit = timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
                SharedHttpConnector::new(SdkConnector(client(&self.trust, limit)))
            })
            .clone()
    }
}

#[derive(Debug)]
struct SdkConnector(Client);

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let sent = self.0.request(request);
        HttpConnectorFuture::new(async move {
            match sent.await {
                Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                    .map_err(|e| ConnectorError::other(e.into(), None)),
                Err(e) => Err(connector_error(e)),
            }
        })
    }
}

/// How the SDK's retry policy sees a failed request: timeouts and I/O (refused, reset, TLS) are
/// transient and retried (a refused certificate is then stopped by Connect's retry classifier);
/// a request hyper could not send is the caller's error.
fn connector_error(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let timed_out = find::<ConnectTimeout>(&error).is_some()
        || find::<hyper::Error>(&error).is_some_and(hyper::Error::is_timeout);
    let user = find::<hyper::Error>(&error).is_some_and(hyper::Error::is_user);
    let incomplete = find::<hyper::Error>(&error).is_some_and(hyper::Error::is_incomplete_message);
    if timed_out {
        ConnectorError::timeout(error.into())
    } else if user {
        ConnectorError::user(error.into())
    } else if incomplete {
        ConnectorError::other(error.into(), Some(ErrorKind::TransientError))
    } else {
        ConnectorError::io(error.into())
    }
}

fn find<'a, E: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}
