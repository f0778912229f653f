//! The stack-scale benchmark (`bench -- --stack 50,200`): a stack of N profiles created at once
//! and then deleted at once, as CloudFormation does for a stack of N `Custom::RoutingProfile`
//! resources and for its rollback or deletion, against the Connect emulator with Connect's
//! documented API throttling quotas (each operation its own token bucket of 2 requests a second,
//! burst 5).
//!
//! Each invocation is the release binary in a process of its own, as Lambda runs concurrent
//! invocations in separate execution environments, against a Lambda Runtime API of its own. A
//! process serves its resource's Create and then, warm, its Delete (the Delete of a Create that
//! answered FAILED names the failed Create's PhysicalResourceId, as CloudFormation's does). Every
//! invocation has Lambda's deadline of the template's function, 300 s.
//!
//! It prints, for each phase, the wall time from the first event handed out to the last answer
//! PUT received, against the rate bound ((N - 5) / 2 s: every invocation makes one call of each
//! operation it uses, each operation with a bucket of its own whose burst lets the first 5 through
//! at once), how many answered FAILED or more than once (and why), the spread of the invocations' own times, and how many calls Connect throttled; then how
//! many profiles are left. Figures only: it exits 0 whatever they are.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use connect_emulator::connect::{ConnectEmulator, RateLimit};
use connect_emulator::receiver::{Received, ResponseReceiver};
use connect_emulator::runtime_api::{Outcome, RuntimeApi};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::{CREDENTIALS, Running, STEP_TIMEOUT, stats};

/// Lambda's deadline for each invocation: the function's Timeout in `template.yaml`.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the benchmark waits for a phase beyond the deadline before it reports what it has.
const PHASE_GRACE: Duration = Duration::from_secs(30);
/// The target: each phase within this multiple of the rate bound.
const TARGET_RATIO: f64 = 1.2;

/// The least time `n` calls of one operation take under `quota`: a full bucket lets `burst` of
/// them through at once, the rest come at its rate.
fn rate_bound(n: usize, quota: RateLimit) -> f64 {
    n.saturating_sub(quota.burst as usize) as f64 / quota.per_second
}

/// One phase's figures.
struct Phase {
    /// First event handed out to the last answer received.
    wall: Duration,
    /// Each invocation's time, from its event's hand-out to its answer's arrival.
    times: Vec<Duration>,
    succeeded: usize,
    /// The FAILED answers' Reasons, invocations that gave none, and those answered more than once.
    failed: Vec<String>,
    /// Calls Connect answered with ThrottlingException during the phase.
    throttled: usize,
    /// Calls made during the phase.
    calls: usize,
}

/// One process serving one resource.
struct Function {
    runtime: RuntimeApi,
    process: Running,
}

/// Runs the benchmark for each stack size; an error is a setup problem, not a slow figure.
pub async fn run(binary: &Path, template: &Value, sizes: &[usize]) -> Result<(), String> {
    println!(
        "stack-scale benchmark: {} as one process per invocation, per-operation quotas of 2/s burst 5",
        binary.display()
    );
    let mut rows = Vec::new();
    for &n in sizes {
        let (creates, deletes, left) = one_stack(binary, template, n).await?;
        rows.push((n, creates, deletes, left));
    }
    println!();
    println!(
        "{:>5} {:<8} {:>9} {:>9} {:>6} {:>7} {:>6} {:>20} {:>14}",
        "N",
        "phase",
        "wall",
        "bound",
        "ratio",
        "SUCCESS",
        "FAILED",
        "invocation p50/max",
        "throttled"
    );
    for (n, creates, deletes, left) in &rows {
        for (name, phase) in [("creates", creates), ("deletes", deletes)] {
            let bound = rate_bound(*n, RateLimit::connect_default());
            let wall = phase.wall.as_secs_f64();
            // Within the burst there is no bound to compare with.
            let ratio = if bound > 0.0 { wall / bound } else { 0.0 };
            let spread = stats(phase.times.iter().map(Duration::as_secs_f64).collect())
                .map_or("n/a".to_string(), |s| {
                    format!("{:.1} / {:.1} s", s.median, s.max)
                });
            println!(
                "{n:>5} {name:<8} {:>7.1} s {:>7.1} s {:>6.2} {:>7} {:>6} {spread:>20} {:>6} of {:>5}  {}",
                wall,
                bound,
                ratio,
                phase.succeeded,
                phase.failed.len(),
                phase.throttled,
                phase.calls,
                if ratio <= TARGET_RATIO && phase.failed.is_empty() {
                    "PASS"
                } else {
                    "MISS"
                }
            );
        }
        println!("{n:>5} left     {left} profiles");
    }
    println!(
        "target: none FAILED, each phase within {TARGET_RATIO}x the rate bound ((N - 5) / 2 s), nothing left"
    );
    Ok(())
}

/// Creates and then deletes a stack of `n` profiles; returns both phases and the profiles left.
async fn one_stack(
    binary: &Path,
    template: &Value,
    n: usize,
) -> Result<(Phase, Phase, usize), String> {
    let connect = ConnectEmulator::start().await;
    connect.seed_demo();
    connect.set_rate_limit(Some(RateLimit::connect_default()));
    let receiver = ResponseReceiver::start().await;
    let functions = start_functions(binary, &connect, n).await?;
    eprintln!("{n} processes ready; creating {n} profiles at once");

    let creates: Vec<Value> = (0..n)
        .map(|i| {
            let mut event = template.clone();
            receiver.redirect(&mut event);
            event["RequestId"] = json!(format!("stack-{n}-create-{i}"));
            event["LogicalResourceId"] = json!(format!("Profile{i}"));
            event["ResourceProperties"]["Name"] = json!(format!("Stack {n} profile {i}"));
            event
        })
        .collect();
    let (created, answers) = phase(&connect, &receiver, &functions, &creates).await;
    eprintln!(
        "creates: {:.1} s, {} FAILED; deleting at once",
        created.wall.as_secs_f64(),
        created.failed.len()
    );

    let deletes: Vec<Value> = creates
        .iter()
        .zip(&answers)
        .enumerate()
        .map(|(i, (create, answer))| {
            let mut event = create.clone();
            event["RequestType"] = json!("Delete");
            event["RequestId"] = json!(format!("stack-{n}-delete-{i}"));
            event["PhysicalResourceId"] = answer
                .as_ref()
                .map_or(json!(format!("failed-create-stack-{n}-create-{i}")), |a| {
                    a["PhysicalResourceId"].clone()
                });
            event
        })
        .collect();
    let (deleted, _) = phase(&connect, &receiver, &functions, &deletes).await;
    for (name, phase) in [("creates", &created), ("deletes", &deleted)] {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for reason in &phase.failed {
            *reasons.entry(reason.as_str()).or_default() += 1;
        }
        for (reason, count) in reasons {
            eprintln!("{name}: {count} FAILED: {reason}");
        }
    }
    drop(functions);
    Ok((created, deleted, connect.profiles().len()))
}

/// `n` processes of `binary`, each polling a Runtime API of its own.
async fn start_functions(
    binary: &Path,
    connect: &ConnectEmulator,
    n: usize,
) -> Result<Vec<Function>, String> {
    let mut functions = Vec::with_capacity(n);
    for _ in 0..n {
        let runtime = RuntimeApi::start().await;
        let mut command = runtime.function_command(binary, &connect.endpoint(), CREDENTIALS);
        command.env_remove("AWS_CA_BUNDLE");
        let process = Running::spawn(command)
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        functions.push(Function { runtime, process });
    }
    let started = Instant::now();
    for function in &mut functions {
        while function.runtime.first_poll().is_none() {
            if let Some(problem) = function.process.exited() {
                return Err(function.process.diagnose(problem));
            }
            if started.elapsed() > STEP_TIMEOUT * 3 {
                return Err(function
                    .process
                    .diagnose("no poll of /invocation/next in time"));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    Ok(functions)
}

/// Hands `events[i]` to function `i`, all at once, and waits for every answer; returns the
/// phase's figures and each answer's body (None when none came).
async fn phase(
    connect: &ConnectEmulator,
    receiver: &ResponseReceiver,
    functions: &[Function],
    events: &[Value],
) -> (Phase, Vec<Option<Value>>) {
    let calls_before = connect.calls().len();
    let puts_before = receiver.requests().len();
    let started = Instant::now();
    let deadline = SystemTime::now() + FUNCTION_TIMEOUT;
    let mut outcomes = JoinSet::new();
    for (function, event) in functions.iter().zip(events) {
        let request_id = event["RequestId"].as_str().unwrap_or_default().to_string();
        function.runtime.push(&request_id, event.clone(), deadline);
        let runtime = function.runtime.clone();
        outcomes.spawn(async move {
            let outcome = runtime
                .wait_outcome(&request_id, FUNCTION_TIMEOUT + PHASE_GRACE)
                .await;
            (request_id, outcome)
        });
    }
    let mut missing = Vec::new();
    while let Some(joined) = outcomes.join_next().await {
        match joined {
            Ok((_, Some(Outcome::Response(_)))) => {}
            Ok((id, Some(Outcome::Error(e)))) => {
                missing.push(format!("{id}: invocation error {e}"))
            }
            Ok((id, None)) => missing.push(format!("{id}: no outcome")),
            Err(e) => missing.push(format!("waiting failed: {e}")),
        }
    }
    let puts: Vec<Received> = receiver.requests().split_off(puts_before);
    let mut by_request: BTreeMap<String, Vec<&Received>> = BTreeMap::new();
    for put in &puts {
        let id = put.json()["RequestId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        by_request.entry(id).or_default().push(put);
    }
    let mut answers = Vec::with_capacity(events.len());
    let mut times = Vec::new();
    let (mut succeeded, mut failed) = (0, missing);
    for (function, event) in functions.iter().zip(events) {
        let id = event["RequestId"].as_str().unwrap_or_default();
        let Some(&[put, ref more @ ..]) = by_request.get(id).map(Vec::as_slice) else {
            answers.push(None);
            failed.push(format!("{id}: no answer PUT"));
            continue;
        };
        if !more.is_empty() {
            failed.push(format!("{id}: answered {} times", more.len() + 1));
        }
        let body = put.json();
        if body["Status"] == "SUCCESS" {
            succeeded += 1;
        } else {
            failed.push(body["Reason"].as_str().unwrap_or("(no Reason)").to_string());
        }
        if let Some(handed_out) = function.runtime.delivered_at(id) {
            times.push(put.at.saturating_duration_since(handed_out));
        }
        answers.push(Some(body));
    }
    let last = puts.iter().map(|p| p.at).max().unwrap_or(started);
    let calls = connect.calls().split_off(calls_before);
    let phase = Phase {
        wall: last.saturating_duration_since(started),
        times,
        succeeded,
        failed,
        throttled: calls.iter().filter(|c| c.status == 429).count(),
        calls: calls.len(),
    };
    (phase, answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_bound_lets_the_burst_through_at_once() {
        let quota = RateLimit::connect_default();
        assert_eq!(rate_bound(200, quota), 97.5);
        assert_eq!(rate_bound(50, quota), 22.5);
        assert_eq!(rate_bound(5, quota), 0.0);
        assert_eq!(rate_bound(1, quota), 0.0);
    }
}
