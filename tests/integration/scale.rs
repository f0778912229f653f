//! A stack of many profiles under Connect's API throttling quotas: N Creates at once, then the N
//! Deletes of its deletion or rollback at once, each invocation with a Connect client and a
//! handler of its own (separate Lambda processes share nothing), over HTTP against the emulator
//! with a token bucket per operation of 2 requests a second, burst 5 (Connect's documented
//! default, reads included), and Lambda's deadline of the template's function, 300 s.
//!
//! `cargo test` runs it with time running 10 times faster: buckets of 20 a second, backoffs,
//! timeouts and the deadline divided by 10, so that the proportions (and the contention) are those
//! of Connect's. On demand, at full scale and in real time (about four minutes):
//!
//! ```sh
//! SCALE_PROFILES=200 SCALE_SPEEDUP=1 cargo test --test integration scale -- --nocapture
//! ```
//!
//! It prints each phase's time against the rate bound (N / 2 s, scaled); the benchmark
//! (`cargo run --release -p runner --bin bench -- --stack`) measures the release binary the same
//! way, one process per invocation.

use std::time::Duration;

use connect_emulator::connect::RateLimit;
use routing_profile_resource::connect::{Connect, Tuning};
use routing_profile_resource::handler::Handler;
use routing_profile_resource::response::Responder;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::world::*;

/// Profiles in the stack when `SCALE_PROFILES` is not set.
const DEFAULT_PROFILES: usize = 200;
/// How much faster than Connect time runs when `SCALE_SPEEDUP` is not set.
const DEFAULT_SPEEDUP: u32 = 10;
/// Lambda's deadline for each invocation: the function's Timeout in `template.yaml`.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(300);

/// A number from the environment, or `default`.
fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A stack's resources, against one emulator with Connect's quotas `speedup` times faster.
struct Stack {
    world: World,
    speedup: u32,
}

impl Stack {
    async fn start(speedup: u32) -> Stack {
        let world = World::start().await;
        world.connect.set_rate_limit(Some(RateLimit {
            per_second: 2.0 * f64::from(speedup),
            burst: 5,
        }));
        Stack { world, speedup }
    }

    /// The Create of resource `i` of the stack.
    fn create(&self, i: usize) -> Value {
        let mut event = self.world.event("create");
        event["LogicalResourceId"] = json!(format!("Profile{i}"));
        event["RequestId"] = json!(format!("00000000-0000-4000-a000-{i:012}"));
        event["ResourceProperties"]["Name"] = json!(format!("Stack profile {i}"));
        event
    }

    /// Sends every event at once, each to a handler with a client of its own, each with `within`
    /// to its deadline; returns the answers in the events' order and the phase's time.
    async fn at_once(&self, events: Vec<Value>, within: Duration) -> (Vec<Answer>, Duration) {
        let tuning = Tuning::default().faster(self.speedup);
        let endpoint = self.world.connect.endpoint();
        let started = Instant::now();
        let mut invocations = JoinSet::new();
        for (i, event) in events.iter().cloned().enumerate() {
            let handler = Handler::new(
                Connect::for_endpoint_tuned(&endpoint, tuning).with_read_again(QUICK_READ_AGAIN),
                Responder::new(false),
            );
            invocations.spawn(async move {
                let answered = handler.handle(event, Instant::now() + within).await;
                (i, answered.map(|a| a.physical_resource_id))
            });
        }
        while let Some(joined) = invocations.join_next().await {
            let (i, answered) = joined.expect("no panic");
            if let Err(e) = answered {
                panic!("invocation {i} delivered no answer: {e}");
            }
        }
        let took = started.elapsed();
        let puts = self.world.receiver.requests();
        let answers = events
            .into_iter()
            .map(|event| {
                let answered: Vec<_> = puts
                    .iter()
                    .filter(|p| p.json()["RequestId"] == event["RequestId"])
                    .collect();
                assert_eq!(
                    answered.len(),
                    1,
                    "one answer for every request: {}",
                    event["RequestId"]
                );
                Answer::of(answered[0], event)
            })
            .collect();
        (answers, took)
    }

    /// Reports a phase's figures against the rate bound (N / 2 s at Connect's rate).
    fn report(&self, phase: &str, answers: &[Answer], took: Duration) {
        let bound = answers.len() as f64 / (2.0 * f64::from(self.speedup));
        let throttled = self
            .world
            .connect
            .calls()
            .iter()
            .filter(|c| c.status == 429)
            .count();
        eprintln!(
            "{} {phase} at once ({}x Connect's rate): {:.2} s, rate bound {bound:.2} s ({:.2}x); {} FAILED; {throttled} calls throttled so far",
            answers.len(),
            self.speedup,
            took.as_secs_f64(),
            took.as_secs_f64() / bound,
            answers.iter().filter(|a| a.status != "SUCCESS").count(),
        );
    }
}

#[tokio::test]
async fn a_stack_of_many_profiles_is_created_and_deleted_under_connects_quotas() {
    let _alone = crate::world::heavy().await;
    let n = setting("SCALE_PROFILES", DEFAULT_PROFILES);
    let speedup = setting("SCALE_SPEEDUP", DEFAULT_SPEEDUP).max(1);
    let stack = Stack::start(speedup).await;
    let within = FUNCTION_TIMEOUT / speedup;

    let (created, took) = stack
        .at_once((0..n).map(|i| stack.create(i)).collect(), within)
        .await;
    stack.report("creates", &created, took);
    for answer in &created {
        assert_eq!(answer.status, "SUCCESS", "{answer}");
    }
    assert_eq!(stack.world.connect.profiles().len(), n);
    assert!(
        stack.world.connect.calls().iter().any(|c| c.status == 429),
        "the quota was really reached"
    );

    let (deleted, took) = stack
        .at_once(created.iter().map(delete_from).collect(), within)
        .await;
    stack.report("deletes", &deleted, took);
    for answer in &deleted {
        assert_eq!(answer.status, "SUCCESS", "{answer}");
    }
    assert!(stack.world.profile_arns().is_empty(), "nothing left");
}

#[tokio::test]
async fn a_stack_too_big_for_the_deadline_says_it_was_throttled_and_rolls_back_clean() {
    // 40 Creates at 20 a second need about 1.75 s; each invocation has 1 s.
    let stack = Stack::start(10).await;
    let (created, _) = stack
        .at_once(
            (0..40).map(|i| stack.create(i)).collect(),
            Duration::from_secs(1),
        )
        .await;
    let failed: Vec<&Answer> = created.iter().filter(|a| a.status == "FAILED").collect();
    assert!(!failed.is_empty(), "some ran out of time");
    assert!(failed.len() < created.len(), "the quota let some through");
    let throttled = format!(
        "Ran out of time while CreateRoutingProfile (the last attempt: {} answered HTTP 429 ThrottlingException).",
        stack.world.connect.endpoint()
    );
    for answer in &failed {
        assert!(answer.reason.starts_with(&throttled), "{}", answer.reason);
        assert!(
            answer.physical.starts_with("failed-create-"),
            "{}",
            answer.physical
        );
    }

    // The rollback, with the whole deadline: every Delete succeeds, the failed Creates' included
    // (nothing of theirs was made), and nothing is left.
    let (deleted, _) = stack
        .at_once(
            created.iter().map(delete_from).collect(),
            FUNCTION_TIMEOUT / 10,
        )
        .await;
    for answer in &deleted {
        assert_eq!(answer.status, "SUCCESS", "{answer}");
    }
    assert!(stack.world.profile_arns().is_empty(), "nothing left");
}
