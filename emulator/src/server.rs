//! The HTTP plumbing the three stand-ins share: HTTP/1.1 on loopback, in plain text or over TLS.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use crate::tls::ServerTls;

/// Bodies larger than this are refused: nothing the clients under test send comes close, and an
/// unbounded read would let a runaway test eat the machine's memory.
const MAX_BODY: usize = 16 * 1024 * 1024;

pub(crate) type Resp = Response<Full<Bytes>>;

/// Binds an ephemeral port on loopback and serves `handler` on it from background tasks.
///
/// Panics if loopback cannot be bound: the servers are test fixtures and there is nothing useful a
/// test could do with the error.
pub(crate) async fn spawn<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Resp> + Send + 'static,
{
    spawn_at(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), handler)
        .await
        .expect("cannot bind 127.0.0.1:0 for a local test server")
}

/// Binds `addr` (port 0: an ephemeral one) and serves `handler` on it from background tasks.
pub(crate) async fn spawn_at<F, Fut>(addr: SocketAddr, handler: F) -> std::io::Result<SocketAddr>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Resp> + Send + 'static,
{
    listen(addr, None, handler).await
}

/// Like [`spawn_at`], over TLS with `tls`'s certificate (and its scripted handshake stalls).
pub(crate) async fn spawn_tls_at<F, Fut>(
    addr: SocketAddr,
    tls: ServerTls,
    handler: F,
) -> std::io::Result<SocketAddr>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Resp> + Send + 'static,
{
    listen(addr, Some(tls), handler).await
}

async fn listen<F, Fut>(
    addr: SocketAddr,
    tls: Option<ServerTls>,
    handler: F,
) -> std::io::Result<SocketAddr>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Resp> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Usually EMFILE under a heavy benchmark: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            };
            // Without this, a keep-alive client waits for the delayed ACK (~40 ms) whenever a
            // response leaves in two writes (headers, then body).
            let _ = stream.set_nodelay(true);
            let handler = handler.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let Some(tls) = tls else {
                    return serve(stream, handler).await;
                };
                // Taken at accept time, so each connection gets the next scripted stall.
                if let Some(stall) = tls.next_stall() {
                    tokio::time::sleep(stall).await;
                }
                // A failed handshake (a client that does not trust the certificate, say) is what
                // some tests are about; the client reports it, the server has nothing to add.
                if let Ok(stream) = tls.acceptor().accept(stream).await {
                    tls.handshake_completed();
                    serve(stream, handler).await;
                }
            });
        }
    });
    Ok(addr)
}

/// Serves HTTP/1.1 with keep-alive on one connection until the client hangs up.
async fn serve<S, F, Fut>(stream: S, handler: F)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Resp> + Send + 'static,
{
    let service = service_fn(move |req| {
        let handler = handler.clone();
        async move { Ok::<_, Infallible>(handler(req).await) }
    });
    // Errors here are clients hanging up mid-request, which tests do on purpose.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Reads the whole request body (hyper undoes Content-Length framing and chunked encoding).
pub(crate) async fn read_body(body: Incoming) -> Result<Bytes, String> {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| format!("cannot read the request body: {e}"))
}

/// A response with the given status, extra headers and body.
pub(crate) fn respond(status: u16, headers: &[(&str, String)], body: impl Into<Bytes>) -> Resp {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) {
            resp.headers_mut().append(name, value);
        }
    }
    resp
}

/// A JSON response.
pub(crate) fn json(status: u16, headers: &[(&str, String)], value: &serde_json::Value) -> Resp {
    let mut all = vec![("content-type", "application/json".to_string())];
    all.extend(headers.iter().cloned());
    respond(status, &all, value.to_string())
}
