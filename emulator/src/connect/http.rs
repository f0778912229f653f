//! From an HTTP request to an HTTP answer: the route table, the call log, scripted faults, the
//! rate limit, and the error framing (`x-amzn-ErrorType` plus a `{"Message": ...}` body).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::{Method, Request};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::error::{ApiResult, err, invalid_request};
use super::ops::{self, Op};
use super::state::Shared;
use super::types::{Call, Fault};
use super::{shapes, validate};
use crate::server::{self, Resp};

/// Matches method and path; labels come back percent-decoded and named by their request member
/// (ARNs arrive with `:` and `/` encoded, so the raw path is split before decoding).
fn route(method: &Method, raw_path: &str) -> Option<(Op, Vec<(&'static str, String)>)> {
    let segments: Vec<String> = raw_path
        .strip_prefix('/')?
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8().map(|s| s.into_owned()))
        .collect::<Result<_, _>>()
        .ok()?;
    if segments.iter().any(String::is_empty) {
        return None;
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let op = match (method, seg.as_slice()) {
        (&Method::PUT, ["routing-profiles", _]) => Op::Create,
        (&Method::GET, ["routing-profiles", _, _]) => Op::Describe,
        (&Method::DELETE, ["routing-profiles", _, _]) => Op::Delete,
        (&Method::POST, ["routing-profiles", _, _, "name"]) => Op::UpdateName,
        (&Method::POST, ["routing-profiles", _, _, "concurrency"]) => Op::UpdateConcurrency,
        (&Method::POST, ["routing-profiles", _, _, "default-outbound-queue"]) => {
            Op::UpdateDefaultOutboundQueue
        }
        (&Method::POST, ["routing-profiles", _, _, "agent-availability-timer"]) => {
            Op::UpdateAgentAvailabilityTimer
        }
        (&Method::POST, ["routing-profiles", _, _, "queues"]) => Op::UpdateQueues,
        (&Method::GET, ["routing-profiles", _, _, "queues"]) => Op::ListQueues,
        (&Method::POST, ["routing-profiles", _, _, "associate-queues"]) => Op::AssociateQueues,
        (&Method::POST, ["routing-profiles", _, _, "disassociate-queues"]) => {
            Op::DisassociateQueues
        }
        (&Method::GET, ["routing-profiles", _, _, "manual-assignment-queues"]) => {
            Op::ListManualQueues
        }
        (&Method::GET, ["routing-profiles-summary", _]) => Op::ListProfiles,
        (&Method::POST, ["tags", _]) => Op::TagResource,
        (&Method::DELETE, ["tags", _]) => Op::UntagResource,
        (&Method::GET, ["tags", _]) => Op::ListTags,
        _ => return None,
    };
    // Labels are the segments after the first; a trailing action word is not one.
    let labels = op
        .labels()
        .iter()
        .copied()
        .zip(segments.into_iter().skip(1));
    Some((op, labels.collect()))
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

/// The query as the call log shows it.
fn query_value(query: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in query {
        let repeated = k == "tagKeys" || query.iter().filter(|(k2, _)| k2 == k).count() > 1;
        if repeated {
            let entry = map
                .entry(k.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(Value::String(v.clone()));
            }
        } else {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Value::Object(map)
}

/// Serves one request: logs it, applies a scripted fault, then the operation.
pub(super) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let route = route(&parts.method, &path);
    let operation = route
        .as_ref()
        .map_or("UnknownOperation", |(op, _)| op.name());
    let body = server::read_body(body).await;
    let has_body = parts.method == Method::PUT || parts.method == Method::POST;
    let request = match (&body, has_body) {
        (Ok(bytes), true) if bytes.is_empty() => Value::Object(Map::new()),
        (Ok(bytes), true) => serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
        _ => query_value(&query),
    };
    let request_id = format!(
        "00000000-0000-4000-a000-{:012x}",
        shared.request_ids.fetch_add(1, Ordering::Relaxed) + 1
    );

    let (index, fault) = {
        let mut state = shared.lock();
        state.calls.push(Call {
            operation: operation.to_string(),
            path: path.clone(),
            status: 0,
            error_type: None,
            request,
        });
        (state.calls.len() - 1, state.take_fault(operation))
    };

    let result: ApiResult<Value> = match fault {
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::Error {
            status,
            error_type,
            message,
        }) => {
            let body = json!({ "Message": message });
            return finish(&shared, index, &request_id, status, Some(&error_type), body);
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            run(&shared, route, &query, body)
        }
        Some(Fault::CarriedOut(then)) => {
            let result = run(&shared, route, &query, body);
            match *then {
                Fault::Hang => std::future::pending().await,
                Fault::Error {
                    status,
                    error_type,
                    message,
                } => {
                    let body = json!({ "Message": message });
                    return finish(&shared, index, &request_id, status, Some(&error_type), body);
                }
                Fault::Delay(delay) => {
                    tokio::time::sleep(delay).await;
                    result
                }
                Fault::CarriedOut(_) => result,
            }
        }
        None => run(&shared, route, &query, body),
    };
    match result {
        Ok(value) => finish(&shared, index, &request_id, 200, None, value),
        Err(e) => finish(
            &shared,
            index,
            &request_id,
            e.status,
            Some(e.code),
            json!({ "Message": e.message }),
        ),
    }
}

/// The rate limit, then the request read and checked against the model, then the operation.
fn run(
    shared: &Shared,
    route: Option<(Op, Vec<(&'static str, String)>)>,
    query: &[(String, String)],
    body: Result<bytes::Bytes, String>,
) -> ApiResult<Value> {
    let Some((op, labels)) = route else {
        return Err(err(
            404,
            "UnknownOperationException",
            "no Connect operation matches this method and path",
        ));
    };
    let body = body.map_err(invalid_request)?;
    let mut state = shared.lock();
    let throttled = state.quotas.as_mut().is_some_and(|q| !q.take(op.name()));
    if throttled {
        return Err(err(429, "ThrottlingException", "Rate exceeded"));
    }
    let input = shapes::Input::read(labels, query, &body)?;
    validate::request(op.name(), &input)?;
    ops::dispatch(&mut state, op, &input, Instant::now())
}

fn finish(
    shared: &Shared,
    index: usize,
    request_id: &str,
    status: u16,
    error_type: Option<&str>,
    body: Value,
) -> Resp {
    {
        let mut state = shared.lock();
        // clear_calls may have emptied the log while this call was in flight.
        if let Some(call) = state.calls.get_mut(index) {
            call.status = status;
            call.error_type = error_type.map(str::to_string);
        }
    }
    let mut headers = vec![("x-amzn-RequestId", request_id.to_string())];
    if let Some(code) = error_type {
        headers.push(("x-amzn-ErrorType", code.to_string()));
    }
    server::json(status, &headers, &body)
}
