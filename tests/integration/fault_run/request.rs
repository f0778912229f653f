//! One request as Lambda runs it: its faults, its invocations (killed, refused, retried), and
//! the one answer it must get.

use super::*;

/// An invocation's own misbehaviour, before Lambda's retry of the same event.
#[derive(Clone, Debug)]
pub(super) enum Attempt {
    /// The process dies while its `after`-th Connect call is in flight (that call carried out or
    /// not).
    Kill { after: usize, carried_out: bool },
    /// The ResponseURL refuses the answer.
    Refused(u16),
    /// The ResponseURL fails with these server errors first.
    ServerErrors(Vec<u16>),
}

/// The faults of one request.
#[derive(Clone, Debug, Default)]
pub(super) struct Faults {
    /// (operation, fault, times), injected in this order.
    pub(super) connect: Vec<(&'static str, Fault, usize)>,
    pub(super) rate_limit: Option<RateLimit>,
    /// The invocations that fail before the one that does not.
    pub(super) attempts: Vec<Attempt>,
    /// Operations whose calls may be carried out and their answer lost: the SDK's retry of such a
    /// write may then be refused by Connect (associated already, say), which the test caused.
    pub(super) lost: BTreeSet<&'static str>,
    /// A call hangs past the deadline: the invocation is given less time.
    pub(super) short: bool,
    /// What the log and the tallies call them.
    pub(super) names: Vec<String>,
}

impl Faults {
    /// Whether the SDK's retries absorb every Connect fault, so that the request must succeed:
    /// each operation fails fewer times in all than a call has attempts, nothing hangs past the
    /// deadline, no rate limit, and no lost answer of a write that Connect refuses to repeat
    /// (associating a queue that is associated already, or the reverse).
    pub(super) fn absorbed(&self) -> bool {
        let mut failures: BTreeMap<&str, usize> = BTreeMap::new();
        for (op, _, times) in &self.connect {
            *failures.entry(op).or_default() += times;
        }
        let unrepeatable = [
            "AssociateRoutingProfileQueues",
            "DisassociateRoutingProfileQueues",
        ];
        self.rate_limit.is_none()
            && !self.short
            && failures.values().all(|n| *n < TUNING.max_attempts as usize)
            && !unrepeatable.iter().any(|op| self.lost.contains(op))
    }
}

impl Schedule {
    /// A request of this stack, answering to the world's receiver.
    pub(super) fn event(
        &mut self,
        kind: &str,
        logical: &str,
        props: Value,
        physical: Option<&str>,
        old: Option<Value>,
    ) -> Value {
        self.requests += 1;
        let request_id = format!(
            "{:08x}-{:04x}-4000-9000-{:012}",
            self.seed, 0, self.requests
        );
        self.event_as(&request_id, kind, logical, props, physical, old)
    }

    /// [`Schedule::event`] with the given RequestId.
    pub(super) fn event_as(
        &self,
        request_id: &str,
        kind: &str,
        logical: &str,
        props: Value,
        physical: Option<&str>,
        old: Option<Value>,
    ) -> Value {
        let mut event = json!({
            "RequestType": kind,
            "ServiceToken": SERVICE_TOKEN,
            "ResponseURL": self.world.receiver.url(RESPONSE_TARGET),
            "StackId": self.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": logical,
            "ResourceType": "Custom::RoutingProfile",
            "ResourceProperties": props,
        });
        if let Some(physical) = physical {
            event["PhysicalResourceId"] = json!(physical);
        }
        if let Some(old) = old {
            event["OldResourceProperties"] = old;
        }
        event
    }

    /// The faults of one request, aimed mostly at the operations it is expected to call
    /// (`likely`), sometimes at any it might (`all`).
    pub(super) fn faults(&mut self, likely: &[&'static str], all: &[&'static str]) -> Faults {
        draw_faults(&mut self.rng, &mut self.counts, likely, all)
    }

    /// Runs one request as Lambda does: the event, and again after an invocation error; checks
    /// that it got exactly one answer and that no call broke the model; returns that answer.
    pub(super) async fn send(&mut self, event: Value, faults: &Faults) -> Answer {
        let request_id = request_id(&event);
        let first_call = self.world.connect.calls().len();
        let first_put = self.world.receiver.requests().len();
        let connect = &self.world.connect;
        connect.clear_faults();
        // A kill comes first, so its calls are counted from the start of the invocation.
        if let Some(Attempt::Kill { after, carried_out }) = faults.attempts.first() {
            connect.inject("*", Fault::Delay(Duration::ZERO), after - 1);
            let hang = if *carried_out {
                Fault::answer_lost()
            } else {
                Fault::Hang
            };
            connect.inject("*", hang, 1);
        }
        for (op, fault, times) in &faults.connect {
            connect.inject(op, fault.clone(), *times);
        }
        if faults.rate_limit.is_some() {
            // This request's own limit, on every operation, instead of the schedule's quotas.
            connect.set_rate_limit(faults.rate_limit);
        }
        let within = if faults.short { WITHIN_SHORT } else { WITHIN };

        let mut delivered = None;
        let mut errors = Vec::new();
        let attempts = faults.attempts.iter().cloned().map(Some).chain([None]);
        for (n, attempt) in attempts.enumerate() {
            if n > 0 {
                // Lambda retries a failed invocation a minute later ("How Lambda handles errors
                // and retries with asynchronous invocation"): long after Connect shows what the
                // failed one wrote.
                tokio::time::sleep(self.conditions.longest_lag()).await;
            }
            self.counts.bump("invocations");
            let outcome = match attempt {
                Some(Attempt::Kill { after, .. }) => {
                    match self.killed(event.clone(), within, first_call, after).await {
                        Some(outcome) => outcome,
                        None => {
                            self.counts.bump("faults: process killed mid-request");
                            errors.push("killed".to_string());
                            continue;
                        }
                    }
                }
                Some(Attempt::Refused(status)) => {
                    self.counts.bump("faults: ResponseURL 4xx");
                    self.world.receiver.respond_with(vec![status]);
                    self.world.invoke(event.clone(), within).await
                }
                Some(Attempt::ServerErrors(statuses)) => {
                    self.counts.bump("faults: ResponseURL 5xx");
                    self.world.receiver.respond_with(statuses);
                    self.world.invoke(event.clone(), within).await
                }
                None => self.world.invoke(event.clone(), within).await,
            };
            match outcome {
                Ok(answer) => {
                    delivered = Some(answer);
                    break;
                }
                Err(e) => {
                    self.counts.bump("invocation errors (Lambda retries)");
                    errors.push(e.to_string());
                }
            }
        }
        self.world.connect.clear_faults();
        if faults.rate_limit.is_some() {
            self.conditions.restore_quotas(&self.world.connect);
        }
        self.counts.bump("requests");

        let puts: Vec<_> = self.world.receiver.requests()[first_put..].to_vec();
        for put in &puts {
            assert_eq!(
                put.json()["RequestId"],
                json!(request_id),
                "an answer to another request arrived"
            );
            assert!(
                put.body.len() <= MAX_BODY,
                "an answer of {} bytes",
                put.body.len()
            );
        }
        let accepted: Vec<_> = puts
            .iter()
            .filter(|p| p.status.is_some_and(|s| (200..300).contains(&s)))
            .collect();
        let Some(returned) = delivered else {
            panic!(
                "{request_id} got no answer after Lambda's retries: {errors:?}; {} PUTs",
                puts.len()
            );
        };
        assert_eq!(
            accepted.len(),
            1,
            "{request_id} must get exactly one answer, got {}: {puts:?}",
            accepted.len()
        );
        let answer = Answer::of(accepted[0], event.clone());
        assert_eq!(
            (answer.status.as_str(), answer.physical.as_str()),
            (
                if returned.status == response::Status::Success {
                    "SUCCESS"
                } else {
                    "FAILED"
                },
                returned.physical_resource_id.as_str()
            ),
            "the answer PUT is the answer the handler returned"
        );
        self.counts.bump(if answer.status == "SUCCESS" {
            "answers: SUCCESS"
        } else {
            failure_kind(&answer.reason)
        });
        self.note_left_behind(&request_id, &answer);
        self.note_marker_kept(first_call, &answer);
        self.check_calls(first_call, faults, &request_id);
        self.count_hits(first_call, faults);
        self.count_conditions(first_call);
        let reason: String = answer.reason.chars().take(300).collect();
        self.log(format!(
            "{} {} {} {} [{}] -> {} {} {reason}{}",
            request_id,
            event["RequestType"].as_str().unwrap_or_default(),
            event["LogicalResourceId"].as_str().unwrap_or_default(),
            event["PhysicalResourceId"].as_str().unwrap_or("-"),
            faults.names.join(", "),
            answer.status,
            answer.physical,
            if errors.is_empty() {
                String::new()
            } else {
                format!(" (after invocation errors {errors:?})")
            }
        ));
        if std::env::var_os("FAULT_RUN_CALLS").is_some() {
            // Every call of the request, for a replay: FAULT_RUN_CALLS=1 FAULT_RUN_SEED=S.
            let calls = self.world.connect.calls();
            for call in &calls[first_call..] {
                let profile = call.path.rsplit('/').find(|p| p.len() == 36).unwrap_or("");
                self.log(format!("    {} {} {profile}", call.status, call.operation));
            }
        }
        answer
    }

    /// One invocation in a process of its own that dies while its `after`-th Connect call is in
    /// flight: `None` when it was killed, its outcome when it ended first.
    pub(super) async fn killed(
        &self,
        event: Value,
        within: Duration,
        first_call: usize,
        after: usize,
    ) -> Option<Result<response::Answer, InvocationError>> {
        let endpoint = self.world.connect.endpoint();
        let (tuning, read_again) = (self.conditions.tuning(), self.conditions.read_again());
        let deadline = Instant::now() + within;
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        let process = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the process");
            let outcome = runtime.block_on(async move {
                let handler = Handler::new(
                    Connect::for_endpoint_tuned(&endpoint, tuning).with_read_again(read_again),
                    Responder::new(false),
                );
                tokio::select! {
                    outcome = handler.handle(event, deadline) => Some(outcome),
                    _ = killed => None,
                }
            });
            // Everything the process was doing stops here: the work's own task too.
            runtime.shutdown_background();
            outcome
        });
        let hung = first_call + after - 1;
        while !process.is_finished() {
            let calls = self.world.connect.calls();
            if calls.get(hung).is_some_and(|c| c.status == 0) {
                let _ = kill.send(());
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::task::spawn_blocking(move || process.join())
            .await
            .expect("joined")
            .expect("the process does not panic")
    }
}

/// The faults of one request drawn from `rng` (see [`Schedule::faults`]), tallied in `counts`.
pub(super) fn draw_faults(
    rng: &mut Rng,
    counts: &mut Counts,
    likely: &[&'static str],
    all: &[&'static str],
) -> Faults {
    let mut faults = Faults::default();
    let mut tallies = Vec::new();
    if rng.percent(45) {
        for _ in 0..rng.range(1, 3) {
            let op = if rng.percent(85) && !likely.is_empty() {
                rng.pick(likely)
            } else {
                rng.pick(all)
            };
            let (fault, times, name) = match rng.below(12) {
                0..=2 => (
                    Fault::throttling(),
                    rng.range(1, 5) as usize,
                    "faults: throttling burst",
                ),
                3..=4 => (Fault::internal(), rng.range(1, 4) as usize, "faults: 5xx"),
                5..=6 => {
                    faults.lost.insert(op);
                    (
                        Fault::answer_lost_to_500(),
                        1,
                        "faults: answer lost after the call was carried out (5xx)",
                    )
                }
                7 => {
                    faults.lost.insert(op);
                    (
                        Fault::answer_lost(),
                        1,
                        "faults: answer lost after the call was carried out (hang, the SDK retries)",
                    )
                }
                8 => {
                    // Carried out, then every retry hangs too: only the deadline ends it.
                    faults.lost.insert(op);
                    faults.short = true;
                    faults.connect.push((op, Fault::answer_lost(), 1));
                    (
                        Fault::Hang,
                        8,
                        "faults: answer lost after the call was carried out (hang past the deadline)",
                    )
                }
                9 => (
                    Fault::Hang,
                    rng.range(1, 2) as usize,
                    "faults: hang (the SDK retries)",
                ),
                10 => {
                    faults.short = true;
                    (Fault::Hang, 8, "faults: hang past the deadline")
                }
                _ => {
                    faults.rate_limit = Some(RateLimit {
                        per_second: 40.0,
                        burst: rng.range(1, 3) as u32,
                    });
                    faults.names.push("rate limit".to_string());
                    continue;
                }
            };
            let short_name = name.trim_start_matches("faults: ");
            faults.names.push(format!("{short_name} on {op} x{times}"));
            tallies.push(name);
            faults.connect.push((op, fault, times));
        }
        if faults.rate_limit.is_some() {
            tallies.push("faults: rate limit");
        }
    }
    for tally in tallies {
        counts.bump(tally);
    }
    if rng.percent(15) {
        let mut attempts = Vec::new();
        if rng.percent(60) {
            attempts.push(Attempt::Kill {
                after: rng.pick(&[1, 1, 2, 2, 3, 4, 6, 9]),
                carried_out: rng.percent(50),
            });
        }
        if attempts.is_empty() || rng.percent(30) {
            attempts.push(if rng.percent(50) || faults.short {
                Attempt::Refused(rng.pick(&[400, 403, 404]))
            } else {
                Attempt::ServerErrors(
                    (0..rng.range(1, 2))
                        .map(|_| rng.pick(&[500, 502, 503]))
                        .collect(),
                )
            });
        }
        faults
            .names
            .extend(attempts.iter().map(|a| format!("{a:?}")));
        faults.attempts = attempts;
    }
    faults
}

/// What a FAILED answer's Reason says, in a word, for the tallies.
pub(super) fn failure_kind(reason: &str) -> &'static str {
    if reason.contains("could not be removed") || reason.contains("could not be released") {
        "answers: FAILED, replacement left behind and named"
    } else if reason.starts_with("Ran out of time") {
        "answers: FAILED, out of time"
    } else if reason.contains("with the marker of an earlier request of this resource") {
        "answers: FAILED, name taken by an earlier request's profile"
    } else if reason.contains("and carries no ownership marker") {
        "answers: FAILED, name taken by a profile without marker"
    } else if reason.starts_with("A routing profile named") {
        "answers: FAILED, name taken by another's profile"
    } else if reason.contains("is not this resource's") {
        "answers: FAILED, not this resource's profile"
    } else if reason.contains("was adopted by another resource at the same time") {
        "answers: FAILED, adopted by another resource at the same time"
    } else if reason.contains("tags of its own") {
        "answers: FAILED, too many tags to adopt"
    } else if reason.starts_with("Cannot rename") {
        "answers: FAILED, name taken on update"
    } else if reason.contains("still assigned to users") {
        "answers: FAILED, in use"
    } else if reason.starts_with("Internal error") {
        "answers: FAILED, internal error (a bug)"
    } else if reason.contains("Exception") {
        "answers: FAILED, Connect's error"
    } else {
        "answers: FAILED, other"
    }
}

pub(super) fn request_id(event: &Value) -> String {
    event["RequestId"]
        .as_str()
        .expect("a RequestId")
        .to_string()
}

pub(super) fn answer_profile(physical: &str) -> ProfileRef {
    routing_profile_resource::arn::routing_profile(physical)
        .unwrap_or_else(|| panic!("{physical} is not a routing profile ARN"))
}
