//! The randomized fault run: CloudFormation's requests for one to three routing profiles of one
//! stack, in random order and with random valid properties, through the real handler and the real
//! SDK client over HTTP to the emulator, answering to the local ResponseURL receiver, while Connect,
//! the ResponseURL and the process misbehave. After every request and every stack operation the
//! function's promises are checked (see [`Schedule::check`]).
//!
//! It drives the function the way CloudFormation and Lambda do: a failed Create is followed by the
//! Delete of the id it answered, with the same properties; a failed Update by the rollback Update
//! with the properties swapped (repeated, as "continue update rollback" does, until it succeeds);
//! a replacement that succeeded by the cleanup Delete of the old id with the old properties; and
//! the stack's deletion ends every schedule (a Delete that failed is retried, as a user retrying
//! the stack's deletion does). An invocation that ends in an error (killed, or its answer refused)
//! is run again with the same event, as Lambda retries it.
//!
//! Each schedule is deterministic by its seed: every choice comes from a SplitMix64 generator
//! seeded with the schedule's number. That was chosen over a proptest state machine: the seed is a
//! plain `u64` that replays the same schedule whatever versions of proptest or rand the lock file
//! holds; the schedule's log (printed on failure) says what happened, where shrinking an async run
//! over HTTP would re-run it many times for little; and schedules run concurrently, each with its
//! own emulator, which proptest's runner does not do. What the seed cannot fix is timing: a fault
//! that races a deadline may land on either side of it, and the checks hold on both sides.
//!
//! `FAULT_RUN_SCHEDULES=N` runs schedules 0 to N-1 (200 by default), `FAULT_RUN_SEED=S` runs
//! schedule S alone and prints its log, `FAULT_RUN_PARALLEL=P` runs P schedules at once (8).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_connect::types::{AgentAvailabilityTimer, RoutingProfileQueueReference};
use connect_emulator::connect::{
    DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault, Profile, RateLimit, demo_queue_id, demo2_queue_id,
    instance_arn, queue_arn,
};
use routing_profile_resource::connect::{Connect, Tuning};
use routing_profile_resource::handler::{Handler, InvocationError};
use routing_profile_resource::model::{
    OWNER_LOGICAL_ID_TAG, OWNER_REQUEST_TAG, OWNER_STACK_TAG, ProfileRef,
};
use routing_profile_resource::properties;
use routing_profile_resource::response::{self, MAX_BODY, Responder};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::world::{Answer, RESPONSE_TARGET, World};

/// Schedules a plain `cargo test` runs.
const DEFAULT_SCHEDULES: u64 = 200;
/// Schedules run at once: most of a schedule's time is spent waiting on hung calls.
const DEFAULT_PARALLEL: usize = 12;

/// The test's Connect client: short attempts and backoffs, so that a hang costs a fifth of a
/// second and a throttling burst a few milliseconds; fewer attempts than a burst can last.
const TUNING: Tuning = Tuning {
    attempt_timeout: Duration::from_millis(300),
    connect_timeout: Duration::from_millis(200),
    max_attempts: 4,
    initial_backoff: Duration::from_millis(2),
    max_backoff: Duration::from_millis(20),
};
/// Time to Lambda's deadline for an invocation.
const WITHIN: Duration = Duration::from_millis(2500);
/// Time to the deadline when a call is to hang past it.
const WITHIN_SHORT: Duration = Duration::from_millis(1200);

const INSTANCES: [&str; 2] = [DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID];
/// Queues in each instance (the second demo instance gets 6 to 30 added).
const QUEUES: u32 = 30;
const CHANNELS: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];
const MANUAL_CHANNELS: [&str; 3] = ["CHAT", "TASK", "EMAIL"];
const BEHAVIORS: [&str; 2] = ["ROUTE_CURRENT_CHANNEL_ONLY", "ROUTE_ANY_CHANNEL"];
const WORKLOAD_BEHAVIORS: [&str; 3] = [
    "ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY",
    "ROUTE_CURRENT_CHANNEL_ANY_WORKLOADTYPE_ONLY",
    "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE",
];
const WORKLOAD_TYPES: [&str; 6] = [
    "billing",
    "sales",
    "returns",
    "VIP ☎",
    "Nachbearbeitung",
    "x",
];
const TIMERS: [&str; 2] = ["TIME_SINCE_LAST_ACTIVITY", "TIME_SINCE_LAST_INBOUND"];
/// The queues-per-profile quota the emulator is given: an update of 50 queues to 50 others passes
/// it half-way when it adds first.
const QUEUE_QUOTA: usize = 50;
/// The most routed queues a template declares.
const MAX_QUEUES: usize = 50;
/// The most tags a template declares (50 less the three marker tags).
const MAX_TAGS: usize = 47;
const LOGICAL_IDS: [&str; 3] = ["Tier1", "Tier2", "Backoffice"];
const SERVICE_TOKEN: &str = "arn:aws:lambda:us-east-1:123456789012:function:routing-profile";
/// The name of the profile someone else made in the instance.
const FOREIGN_NAME: &str = "Made by hand";

const CREATE_OPS: &[&str] = &[
    "CreateRoutingProfile",
    "AssociateRoutingProfileQueues",
    "TagResource",
    "ListRoutingProfiles",
    "DescribeRoutingProfile",
    "DeleteRoutingProfile",
];
const UPDATE_OPS: &[&str] = &[
    "DescribeRoutingProfile",
    "ListRoutingProfileQueues",
    "ListRoutingProfileManualAssignmentQueues",
    "UpdateRoutingProfileName",
    "UpdateRoutingProfileDefaultOutboundQueue",
    "UpdateRoutingProfileConcurrency",
    "UpdateRoutingProfileAgentAvailabilityTimer",
    "UpdateRoutingProfileQueues",
    "AssociateRoutingProfileQueues",
    "DisassociateRoutingProfileQueues",
    "TagResource",
    "UntagResource",
    "CreateRoutingProfile",
    "DeleteRoutingProfile",
    "ListRoutingProfiles",
];
const DELETE_OPS: &[&str] = &[
    "DeleteRoutingProfile",
    "DescribeRoutingProfile",
    "ListRoutingProfiles",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn randomized_fault_run() {
    let settings = Settings::from_env();
    let started = std::time::Instant::now();
    let permits = Arc::new(tokio::sync::Semaphore::new(settings.parallel));
    let mut runs = tokio::task::JoinSet::new();
    for &seed in &settings.seeds {
        let permit = permits
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore open");
        let log = Log::default();
        let schedule_log = log.clone();
        runs.spawn(async move {
            let began = std::time::Instant::now();
            let outcome = tokio::spawn(run_schedule(seed, schedule_log)).await;
            drop(permit);
            (seed, log, outcome, began.elapsed())
        });
    }
    let mut total = Counts::default();
    let mut failed = Vec::new();
    let mut slowest = Vec::new();
    while let Some(joined) = runs.join_next().await {
        let (seed, log, outcome, took) = joined.expect("the schedule's wrapper does not panic");
        slowest.push((took, seed));
        match outcome {
            Ok(counts) => {
                total.add(&counts);
                if settings.verbose {
                    println!("schedule {seed}:\n{}", log.text());
                }
            }
            Err(e) => failed.push((seed, panic_message(e), log)),
        }
    }
    failed.sort_by_key(|(seed, _, _)| *seed);
    slowest.sort();
    let slowest: Vec<String> = slowest
        .iter()
        .rev()
        .take(5)
        .map(|(took, seed)| format!("{seed} ({:.1} s)", took.as_secs_f64()))
        .collect();
    println!(
        "fault run: {} schedules in {:.1} s, the slowest {}\n{}",
        settings.seeds.len() - failed.len(),
        started.elapsed().as_secs_f64(),
        slowest.join(", "),
        total
    );
    for (seed, message, log) in failed.iter().take(3) {
        eprintln!(
            "schedule {seed} FAILED: {message}\nreplay: FAULT_RUN_SEED={seed} cargo test --test integration fault_run -- --nocapture\n{}",
            log.text()
        );
    }
    let seeds: Vec<u64> = failed.iter().map(|(seed, _, _)| *seed).collect();
    assert!(
        seeds.is_empty(),
        "{} of {} schedules failed, seeds {seeds:?}; replay one with FAULT_RUN_SEED=<seed>",
        seeds.len(),
        settings.seeds.len()
    );
}

/// What the environment asks for.
struct Settings {
    seeds: Vec<u64>,
    parallel: usize,
    verbose: bool,
}

impl Settings {
    fn from_env() -> Settings {
        let number = |name: &str| {
            std::env::var(name).ok().map(|v| {
                v.trim()
                    .parse::<u64>()
                    .unwrap_or_else(|e| panic!("{name}={v}: {e}"))
            })
        };
        let parallel = number("FAULT_RUN_PARALLEL").map_or(DEFAULT_PARALLEL, |p| p.max(1) as usize);
        match number("FAULT_RUN_SEED") {
            Some(seed) => Settings {
                seeds: vec![seed],
                parallel,
                verbose: true,
            },
            None => Settings {
                seeds: (0..number("FAULT_RUN_SCHEDULES").unwrap_or(DEFAULT_SCHEDULES)).collect(),
                parallel,
                verbose: false,
            },
        }
    }
}

fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".to_string()),
        Err(e) => e.to_string(),
    }
}

/// SplitMix64: small, fast, and the same numbers for the same seed on every platform and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 to `n` - 1.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `lo` to `hi`, both included.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// What one schedule logs; kept outside the schedule so that a panic leaves it readable.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn line(&self, line: String) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(line);
        }
    }

    fn text(&self) -> String {
        self.0.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

/// Named tallies, summed over schedules.
#[derive(Default)]
struct Counts(BTreeMap<&'static str, u64>);

impl Counts {
    fn bump(&mut self, what: &'static str) {
        *self.0.entry(what).or_default() += 1;
    }

    fn add_n(&mut self, what: &'static str, n: u64) {
        *self.0.entry(what).or_default() += n;
    }

    fn add(&mut self, other: &Counts) {
        for (what, n) in &other.0 {
            self.add_n(what, *n);
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (what, n) in &self.0 {
            writeln!(f, "  {what}: {n}")?;
        }
        Ok(())
    }
}

/// The properties of one resource as the template states them, in the test's own terms, so that
/// what Connect should hold is worked out without the function's parser.
#[derive(Clone, Debug, PartialEq)]
struct Template {
    /// Index into [`INSTANCES`].
    instance: usize,
    name: String,
    description: String,
    default_queue: u32,
    /// (queue number, channel) to (priority, delay).
    queues: BTreeMap<(u32, &'static str), (i64, i64)>,
    manual: BTreeSet<(u32, &'static str)>,
    media: BTreeMap<&'static str, ChannelTemplate>,
    timer: Option<&'static str>,
    tags: BTreeMap<String, String>,
    /// How it is written: IDs or ARNs, numbers or strings (as CloudFormation sends them), tags as
    /// a map or a list.
    arns: bool,
    strings: bool,
    tag_list: bool,
}

/// One channel of `MediaConcurrencies`.
#[derive(Clone, Debug, PartialEq)]
struct ChannelTemplate {
    concurrency: i64,
    /// `CrossChannelBehavior`, when given.
    behavior: Option<&'static str>,
    /// `WorkloadTypeConcurrencies`: workload type to (concurrency, behaviour when given).
    workloads: BTreeMap<&'static str, (i64, Option<&'static str>)>,
}

/// A profile as the checks compare it: everything Connect holds that the template decides.
#[derive(Debug, PartialEq)]
struct View {
    name: String,
    description: String,
    default_queue: String,
    queues: BTreeMap<(String, String), (i64, i64)>,
    manual: BTreeSet<(String, String)>,
    /// Channel to (concurrency, behaviour, workload type to (concurrency, behaviour)).
    media: BTreeMap<String, (i64, String, BTreeMap<String, (i64, Option<String>)>)>,
    timer: String,
    tags: BTreeMap<String, String>,
}

fn queue_id(instance: usize, n: u32) -> String {
    if instance == 0 {
        demo_queue_id(n)
    } else {
        demo2_queue_id(n)
    }
}

impl Template {
    fn instance_id(&self) -> &'static str {
        INSTANCES[self.instance]
    }

    /// The ResourceProperties CloudFormation sends for it.
    fn properties(&self) -> Value {
        let instance = self.instance_id();
        let number = |n: i64| {
            if self.strings {
                json!(n.to_string())
            } else {
                json!(n)
            }
        };
        let queue = |n: u32| {
            let id = queue_id(self.instance, n);
            if self.arns {
                queue_arn(instance, &id)
            } else {
                id
            }
        };
        let mut p = Map::new();
        p.insert("ServiceToken".into(), json!(SERVICE_TOKEN));
        p.insert("ServiceTimeout".into(), number(600));
        p.insert(
            "InstanceId".into(),
            json!(if self.arns {
                instance_arn(instance)
            } else {
                instance.to_string()
            }),
        );
        p.insert("Name".into(), json!(self.name));
        p.insert("Description".into(), json!(self.description));
        p.insert(
            "DefaultOutboundQueueId".into(),
            json!(queue(self.default_queue)),
        );
        if !self.queues.is_empty() {
            let configs: Vec<Value> = self
                .queues
                .iter()
                .map(|((n, channel), (priority, delay))| {
                    json!({
                        "QueueReference": { "QueueId": queue(*n), "Channel": channel },
                        "Priority": number(*priority),
                        "Delay": number(*delay),
                    })
                })
                .collect();
            p.insert("QueueConfigs".into(), json!(configs));
        }
        if !self.manual.is_empty() {
            let configs: Vec<Value> = self
                .manual
                .iter()
                .map(|(n, channel)| json!({ "QueueReference": { "QueueId": queue(*n), "Channel": channel } }))
                .collect();
            p.insert("ManualAssignmentQueueConfigs".into(), json!(configs));
        }
        let media: Vec<Value> = self
            .media
            .iter()
            .map(|(channel, c)| {
                let mut m = json!({ "Channel": channel, "Concurrency": number(c.concurrency) });
                if let Some(behavior) = c.behavior {
                    m["CrossChannelBehavior"] = json!({ "BehaviorType": behavior });
                }
                if !c.workloads.is_empty() {
                    let workloads: Vec<Value> = c
                        .workloads
                        .iter()
                        .map(|(name, (concurrency, behavior))| {
                            let mut w =
                                json!({ "WorkloadType": name, "Concurrency": number(*concurrency) });
                            if let Some(behavior) = behavior {
                                w["CrossChannelWorkloadBehavior"] =
                                    json!({ "ChannelWorkloadBehaviorType": behavior });
                            }
                            w
                        })
                        .collect();
                    m["WorkloadTypeConcurrencies"] = json!(workloads);
                }
                m
            })
            .collect();
        p.insert("MediaConcurrencies".into(), json!(media));
        if let Some(timer) = self.timer {
            p.insert("AgentAvailabilityTimer".into(), json!(timer));
        }
        if !self.tags.is_empty() {
            let tags = if self.tag_list {
                json!(
                    self.tags
                        .iter()
                        .map(|(k, v)| json!({ "Key": k, "Value": v }))
                        .collect::<Vec<_>>()
                )
            } else {
                json!(self.tags)
            };
            p.insert("Tags".into(), tags);
        }
        Value::Object(p)
    }

    /// What Connect should hold for it, marked as made by `marker`.
    fn view(&self, marker: &Marker) -> View {
        let mut tags = self.tags.clone();
        tags.extend(marker.tags());
        View {
            name: self.name.clone(),
            description: self.description.clone(),
            default_queue: queue_id(self.instance, self.default_queue),
            queues: self
                .queues
                .iter()
                .map(|((n, c), placement)| {
                    ((queue_id(self.instance, *n), c.to_string()), *placement)
                })
                .collect(),
            manual: self
                .manual
                .iter()
                .map(|(n, c)| (queue_id(self.instance, *n), c.to_string()))
                .collect(),
            media: self
                .media
                .iter()
                .map(|(channel, c)| {
                    let behavior = c.behavior.unwrap_or("ROUTE_CURRENT_CHANNEL_ONLY");
                    // The function sends the default workload behaviour rather than leave it out.
                    let workloads = c
                        .workloads
                        .iter()
                        .map(|(name, (n, b))| {
                            let b = b.unwrap_or(WORKLOAD_BEHAVIORS[0]);
                            (name.to_string(), (*n, Some(b.to_string())))
                        })
                        .collect();
                    (
                        channel.to_string(),
                        (c.concurrency, behavior.to_string(), workloads),
                    )
                })
                .collect(),
            timer: self.timer.unwrap_or("TIME_SINCE_LAST_ACTIVITY").to_string(),
            tags,
        }
    }
}

fn view_of(p: &Profile) -> View {
    View {
        name: p.name.clone(),
        description: p.description.clone(),
        default_queue: p.default_outbound_queue_id.clone(),
        queues: p
            .queue_configs
            .iter()
            .map(|q| {
                (
                    (q.queue_id.clone(), q.channel.clone()),
                    (i64::from(q.priority), i64::from(q.delay)),
                )
            })
            .collect(),
        manual: p
            .manual_assignment_queues
            .iter()
            .map(|m| (m.queue_id.clone(), m.channel.clone()))
            .collect(),
        media: p
            .media_concurrencies
            .iter()
            .map(|m| {
                let workloads = m
                    .workload_types
                    .iter()
                    .map(|w| {
                        (
                            w.workload_type.clone(),
                            (i64::from(w.concurrency), w.behavior_type.clone()),
                        )
                    })
                    .collect();
                (
                    m.channel.clone(),
                    (i64::from(m.concurrency), m.behavior_type.clone(), workloads),
                )
            })
            .collect(),
        timer: p.agent_availability_timer.clone(),
        tags: p.tags.clone(),
    }
}

/// The ownership marker a profile should carry.
#[derive(Clone, Debug)]
struct Marker {
    stack_id: String,
    logical_id: String,
    request_id: String,
}

impl Marker {
    fn tags(&self) -> [(String, String); 3] {
        [
            (OWNER_STACK_TAG.to_string(), self.stack_id.clone()),
            (OWNER_LOGICAL_ID_TAG.to_string(), self.logical_id.clone()),
            (OWNER_REQUEST_TAG.to_string(), self.request_id.clone()),
        ]
    }
}

/// Random template parts.
impl Rng {
    fn template(&mut self, instance: usize, name: String) -> Template {
        let mut t = Template {
            instance,
            name,
            description: self.description(),
            default_queue: self.range(1, QUEUES.into()) as u32,
            queues: BTreeMap::new(),
            manual: BTreeSet::new(),
            media: self.media(),
            timer: self.timer(),
            tags: self.tags(),
            arns: self.percent(40),
            strings: self.percent(60),
            tag_list: self.percent(60),
        };
        let routed = match self.below(10) {
            0 | 1 => 0,
            2..=5 => self.range(1, 10),
            _ => self.range(11, MAX_QUEUES as i64),
        };
        self.fill_queues(&mut t, routed as usize);
        let manual = match self.below(3) {
            0 => 0,
            1 => self.range(1, 5),
            _ => self.range(6, 15),
        };
        self.fill_manual(&mut t, manual as usize);
        t
    }

    fn description(&mut self) -> String {
        match self.below(5) {
            0 => "x".to_string(),
            1 => "é".repeat(250),
            2 => "Nuit / night shift ☾, voice first".to_string(),
            _ => format!(
                "Agents answering voice and chat, variant {}",
                self.below(1000)
            ),
        }
    }

    fn media(&mut self) -> BTreeMap<&'static str, ChannelTemplate> {
        let mut media = BTreeMap::new();
        while media.is_empty() {
            for channel in CHANNELS {
                if self.percent(60) {
                    let concurrency = if channel == "VOICE" {
                        1
                    } else {
                        self.range(1, 10)
                    };
                    let behavior = match self.below(3) {
                        0 => None,
                        n => Some(BEHAVIORS[n - 1]),
                    };
                    let mut workloads = BTreeMap::new();
                    if self.percent(40) {
                        for _ in 0..self.range(1, 5) {
                            let concurrency = if channel == "VOICE" {
                                1
                            } else {
                                self.range(1, 10)
                            };
                            let behavior = match self.below(4) {
                                0 => None,
                                n => Some(WORKLOAD_BEHAVIORS[n - 1]),
                            };
                            workloads.insert(self.pick(&WORKLOAD_TYPES), (concurrency, behavior));
                        }
                    }
                    media.insert(
                        channel,
                        ChannelTemplate {
                            concurrency,
                            behavior,
                            workloads,
                        },
                    );
                }
            }
        }
        media
    }

    fn timer(&mut self) -> Option<&'static str> {
        match self.below(3) {
            0 => None,
            n => Some(TIMERS[n - 1]),
        }
    }

    fn tags(&mut self) -> BTreeMap<String, String> {
        let n = match self.below(10) {
            0..=2 => 0,
            3..=6 => self.range(1, 10),
            _ => self.range(40, MAX_TAGS as i64),
        };
        let mut tags = BTreeMap::new();
        while tags.len() < n as usize {
            tags.insert(self.tag_key(), self.tag_value());
        }
        tags
    }

    fn tag_key(&mut self) -> String {
        let i = self.below(100_000);
        match self.below(7) {
            0 => format!("team{i}"),
            1 => format!("cost centre {i}"),
            2 => format!("owner@corp.example/{i}"),
            3 => format!("Kostenstelle_ÄÖÜ-{i}"),
            4 => format!("{}{i:05}", "k".repeat(123)),
            5 => format!("a+b=c:{i}"),
            _ => format!("Ω.{i}"),
        }
    }

    fn tag_value(&mut self) -> String {
        match self.below(5) {
            0 => String::new(),
            1 => "☎".repeat(256),
            2 => "Überlauf / overflow: +1 @ 09:00".to_string(),
            _ => format!("value-{}", self.below(1000)),
        }
    }

    fn fill_queues(&mut self, t: &mut Template, n: usize) {
        while t.queues.len() < n {
            let key = (self.range(1, QUEUES.into()) as u32, self.pick(&CHANNELS));
            let placement = (self.range(1, 99), self.pick(&[0, 0, 5, 30, 9999]));
            t.queues.insert(key, placement);
        }
    }

    fn fill_manual(&mut self, t: &mut Template, n: usize) {
        while t.manual.len() < n {
            t.manual.insert((
                self.range(1, QUEUES.into()) as u32,
                self.pick(&MANUAL_CHANNELS),
            ));
        }
    }

    /// One to three edits of `t`, in place: a new name, description, default queue, half the
    /// queues swapped, priorities moved, manual queues added or dropped, channels, timer, tags
    /// swapped or dropped, or only the way it is written.
    fn edit(&mut self, t: &mut Template, name: String) {
        for _ in 0..self.range(1, 3) {
            match self.below(11) {
                0 => t.name = name.clone(),
                1 => t.description = self.description(),
                2 => t.default_queue = self.range(1, QUEUES.into()) as u32,
                3 => {
                    let keys: Vec<_> = t.queues.keys().copied().collect();
                    let keep = keys.len() / 2;
                    for key in &keys[keep..] {
                        t.queues.remove(key);
                    }
                    let target = (keys.len() + self.below(10)).min(MAX_QUEUES);
                    let target = if self.percent(30) { MAX_QUEUES } else { target };
                    self.fill_queues(t, target);
                }
                4 => {
                    for placement in t.queues.values_mut() {
                        if self.percent(30) {
                            *placement = (self.range(1, 99), self.range(0, 60));
                        }
                    }
                }
                5 => {
                    let keys: Vec<_> = t.manual.iter().copied().collect();
                    t.manual.retain(|_| self.percent(50));
                    let n = keys.len() / 2 + self.below(6);
                    self.fill_manual(t, n);
                }
                6 => t.media = self.media(),
                7 => t.timer = self.timer(),
                8 => {
                    let keys: Vec<String> = t.tags.keys().cloned().collect();
                    let n = keys.len();
                    for key in keys.iter().filter(|_| self.percent(50)) {
                        t.tags.remove(key);
                    }
                    let target = if self.percent(50) { MAX_TAGS } else { n };
                    while t.tags.len() < target {
                        t.tags.insert(self.tag_key(), self.tag_value());
                    }
                }
                9 => t.tags = self.tags(),
                _ => {
                    t.arns = !t.arns;
                    t.strings = !t.strings;
                    t.tag_list = !t.tag_list;
                }
            }
        }
    }
}

/// What CloudFormation knows of one resource.
#[derive(Clone, Debug)]
enum State {
    /// Not in the stack.
    Absent,
    /// In the stack as `physical`, the profile made by request `made_by`, as `template` says.
    Live {
        physical: String,
        template: Template,
        made_by: String,
    },
    /// Its Delete failed; the stack's deletion retries it.
    DeleteFailed {
        physical: String,
        template: Template,
    },
}

#[derive(Clone, Debug)]
struct Resource {
    logical: &'static str,
    state: State,
}

/// An invocation's own misbehaviour, before Lambda's retry of the same event.
#[derive(Clone, Debug)]
enum Attempt {
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
struct Faults {
    /// (operation, fault, times), injected in this order.
    connect: Vec<(&'static str, Fault, usize)>,
    rate_limit: Option<RateLimit>,
    /// The invocations that fail before the one that does not.
    attempts: Vec<Attempt>,
    /// Operations whose calls may be carried out and their answer lost: the SDK's retry of such a
    /// write may then be refused by Connect (associated already, say), which the test caused.
    lost: BTreeSet<&'static str>,
    /// A call hangs past the deadline: the invocation is given less time.
    short: bool,
    /// What the log and the tallies call them.
    names: Vec<String>,
}

impl Faults {
    /// No fault that can make Connect's part fail.
    fn connect_clean(&self) -> bool {
        self.connect.is_empty() && self.rate_limit.is_none()
    }
}

/// A profile no later request may write or delete, as it was when it became so.
struct Protected {
    profile: Profile,
    /// The first call that may not touch it.
    since: usize,
    why: &'static str,
}

/// One schedule: a stack of one to three resources, its world, and what the checks know.
struct Schedule {
    seed: u64,
    rng: Rng,
    world: World,
    log: Log,
    counts: Counts,
    stack_id: String,
    requests: u64,
    resources: Vec<Resource>,
    /// Profiles no request of this schedule made (leftovers of earlier requests, someone else's),
    /// as they were before the first request.
    protected: Vec<Protected>,
    /// Calls before this index were made by the setup.
    first_call: usize,
    /// Requests whose FAILED answer named a profile left behind, with the request's marker.
    told: BTreeSet<String>,
    /// Old profiles whose cleanup Delete failed: CloudFormation stops tracking them.
    kept: BTreeSet<String>,
    /// Profiles left in the stack's deletion because users are assigned to them.
    in_use: BTreeSet<String>,
}

async fn run_schedule(seed: u64, log: Log) -> Counts {
    let mut schedule = Schedule::start(seed, log).await;
    let steps = schedule.rng.range(3, 10);
    for _ in 0..steps {
        let i = schedule.rng.below(schedule.resources.len());
        schedule.step(i).await;
    }
    schedule.delete_stack().await;
    schedule.counts.bump("schedules");
    schedule
        .counts
        .add_n("Connect calls", schedule.world.connect.calls().len() as u64);
    schedule.counts
}

impl Schedule {
    async fn start(seed: u64, log: Log) -> Schedule {
        let world = World::start_tuned(TUNING).await;
        for n in 6..=QUEUES {
            world.connect.add_queue(
                DEMO_INSTANCE2_ID,
                &demo2_queue_id(n),
                &format!("Overflow {n}"),
            );
        }
        world.connect.set_queues_per_profile(Some(QUEUE_QUOTA));
        let mut rng = Rng(seed);
        let count = rng.range(1, 3) as usize;
        let resources = LOGICAL_IDS[..count]
            .iter()
            .map(|&logical| Resource {
                logical,
                state: State::Absent,
            })
            .collect();
        let mut schedule = Schedule {
            seed,
            rng,
            world,
            log,
            counts: Counts::default(),
            stack_id: format!(
                "arn:aws:cloudformation:us-east-1:123456789012:stack/fault-run/{seed:08x}-0000-4000-8000-000000000000"
            ),
            requests: 0,
            resources,
            protected: Vec::new(),
            first_call: 0,
            told: BTreeSet::new(),
            kept: BTreeSet::new(),
            in_use: BTreeSet::new(),
        };
        schedule.log(format!(
            "schedule {seed}: resources {:?}",
            schedule
                .resources
                .iter()
                .map(|r| r.logical)
                .collect::<Vec<_>>()
        ));
        schedule.leave_others().await;
        schedule.first_call = schedule.world.connect.calls().len();
        schedule
    }

    fn log(&self, line: String) {
        self.log.line(line);
    }

    /// Profiles this schedule's requests did not make: a leftover of an earlier request of a
    /// logical id (its Create's marker, or the two-tag marker of older versions), and a profile
    /// made by hand or by another stack. Names the templates may pick.
    async fn leave_others(&mut self) {
        for i in 0..self.resources.len() {
            if !self.rng.percent(40) {
                continue;
            }
            let logical = self.resources[i].logical;
            let instance = self.rng.below(2);
            let template = self.rng.template(instance, retained_name(logical));
            let mut tags = vec![
                (OWNER_STACK_TAG, self.stack_id.clone()),
                (OWNER_LOGICAL_ID_TAG, logical.to_string()),
            ];
            let two_tags = self.rng.percent(30);
            if !two_tags {
                tags.push((OWNER_REQUEST_TAG, format!("earlier-{logical}")));
            }
            let arn = self.make_directly(&template, &tags).await;
            self.counts.bump("leftover profiles of an earlier request");
            self.log(format!(
                "leftover of an earlier request of {logical}{}: {arn} {:?}",
                if two_tags { " (two-tag marker)" } else { "" },
                template.name
            ));
        }
        if self.rng.percent(70) {
            let instance = self.rng.below(2);
            let template = self.rng.template(instance, FOREIGN_NAME.to_string());
            let tags = if self.rng.percent(50) {
                vec![
                    (
                        OWNER_STACK_TAG,
                        "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1".to_string(),
                    ),
                    (OWNER_LOGICAL_ID_TAG, self.resources[0].logical.to_string()),
                    (OWNER_REQUEST_TAG, "another-stacks-request".to_string()),
                ]
            } else {
                Vec::new()
            };
            let arn = self.make_directly(&template, &tags).await;
            self.counts.bump("foreign profiles");
            self.log(format!("foreign profile: {arn} {FOREIGN_NAME:?}"));
        }
        let since = self.world.connect.calls().len();
        self.protected = self
            .world
            .connect
            .profiles()
            .into_iter()
            .map(|profile| Protected {
                profile,
                since,
                why: "made before the first request",
            })
            .collect();
    }

    /// Creates a profile through the SDK, as a person or an earlier version of the function did.
    async fn make_directly(&self, template: &Template, tags: &[(&str, String)]) -> String {
        let props = properties::parse(&template.properties()).expect("valid template");
        let mut state = props.profile;
        state
            .tags
            .extend(tags.iter().map(|(k, v)| (k.to_string(), v.clone())));
        // Create takes at most 10 queues of each kind; the rest do not matter here.
        while state.queues.len() > 10 {
            let key = state.queues.keys().next_back().cloned().expect("a queue");
            state.queues.remove(&key);
        }
        while state.manual_queues.len() > 10 {
            state.manual_queues.pop_last();
        }
        let made: ProfileRef = self
            .world
            .client
            .create(&props.instance_id, &state)
            .await
            .expect("the setup's create succeeds");
        made.arn
    }

    /// A template for resource `i`: mostly one of its own names, sometimes a name that is taken.
    fn new_template(&mut self, i: usize, instance: usize) -> Template {
        let name = self.name_for(i);
        self.rng.template(instance, name)
    }

    fn name_for(&mut self, i: usize) -> String {
        let logical = self.resources[i].logical;
        if self.rng.percent(85) {
            match self.rng.below(3) {
                0 => logical.to_string(),
                1 => format!("{logical} (renamed)"),
                _ => format!("{logical} – Überlauf ☎"),
            }
        } else {
            match self.rng.below(3) {
                0 => retained_name(logical),
                1 => FOREIGN_NAME.to_string(),
                _ => self.rng.pick(&LOGICAL_IDS).to_string(),
            }
        }
    }

    /// Whether a profile other than `own` holds the template's name in its instance.
    fn name_taken(&self, t: &Template, own: Option<&str>) -> bool {
        self.world.connect.profiles().iter().any(|p| {
            p.instance_id == t.instance_id() && p.name == t.name && Some(p.arn.as_str()) != own
        })
    }

    fn marker(&self, logical: &str, request_id: &str) -> Marker {
        Marker {
            stack_id: self.stack_id.clone(),
            logical_id: logical.to_string(),
            request_id: request_id.to_string(),
        }
    }

    /// One stack operation on resource `i`, as its state allows.
    async fn step(&mut self, i: usize) {
        self.counts.bump("stack operations");
        match self.resources[i].state.clone() {
            State::Absent => self.create(i).await,
            State::Live { .. } if self.rng.percent(80) => self.update(i).await,
            State::Live { .. } | State::DeleteFailed { .. } => self.delete(i, false).await,
        }
        self.check().await;
    }

    async fn create(&mut self, i: usize) {
        let logical = self.resources[i].logical;
        let instance = self.rng.below(2);
        let template = self.new_template(i, instance);
        let faults = self.faults(&create_ops(&template), CREATE_OPS);
        let clear = faults.connect_clean() && !self.name_taken(&template, None);
        let event = self.event("Create", logical, template.properties(), None, None);
        let request_id = request_id(&event);
        let answer = self.send(event, &faults).await;
        self.counts.bump("Creates");
        if answer.status == "SUCCESS" {
            let marker = self.marker(logical, &request_id);
            self.expect_profile(&answer.physical, &template, &marker, "after the Create");
            let profile = answer.profile();
            assert_eq!(
                answer.data,
                json!({ "RoutingProfileArn": profile.arn, "RoutingProfileId": profile.routing_profile_id }),
                "the Create's Data"
            );
            self.resources[i].state = State::Live {
                physical: answer.physical,
                template,
                made_by: request_id,
            };
            return;
        }
        assert!(
            !clear,
            "the Create FAILED although nothing stood in its way: {}",
            answer.reason
        );
        let failed_id = format!("failed-create-{request_id}");
        assert!(
            answer.physical == failed_id || is_marked(&self.world, &answer.physical, &request_id),
            "a failed Create answers its request's id or the profile it made: {}",
            answer.physical
        );
        // CloudFormation deletes what the failed Create answered, with the same properties.
        self.resources[i].state = State::DeleteFailed {
            physical: answer.physical,
            template,
        };
        self.delete(i, true).await;
    }

    async fn update(&mut self, i: usize) {
        let State::Live {
            physical,
            template,
            made_by,
        } = self.resources[i].state.clone()
        else {
            return;
        };
        let logical = self.resources[i].logical;
        let next = self.next_template(i, &template);
        let replacement = next.instance != template.instance;
        if self.rng.percent(10) {
            self.edit_by_hand(&physical).await;
        }
        let faults = self.faults(&update_ops(&template, &next), UPDATE_OPS);
        let own = (!replacement).then_some(physical.as_str());
        let clear = faults.connect_clean() && !self.name_taken(&next, own);
        let event = self.event(
            "Update",
            logical,
            next.properties(),
            Some(&physical),
            Some(template.properties()),
        );
        let request_id = request_id(&event);
        let old_profile = answer_profile(&physical).routing_profile_id;
        let before = self.world.connect.profile(&old_profile);
        let answer = self.send(event, &faults).await;
        self.counts.bump(if replacement {
            "Updates with replacement"
        } else {
            "Updates in place"
        });
        let old = self.marker(logical, &made_by);
        if answer.status == "SUCCESS" {
            if !replacement {
                assert_eq!(answer.physical, physical, "an update in place keeps the id");
                self.expect_profile(&physical, &next, &old, "after the update in place");
                self.resources[i].state = State::Live {
                    physical,
                    template: next,
                    made_by,
                };
                return;
            }
            assert_ne!(answer.physical, physical, "a replacement has a new id");
            let marker = self.marker(logical, &request_id);
            self.expect_profile(&answer.physical, &next, &marker, "after the replacement");
            assert_eq!(
                self.world.connect.profile(&old_profile),
                before,
                "a replacement leaves the old profile as it was"
            );
            self.resources[i].state = State::Live {
                physical: answer.physical,
                template: next,
                made_by: request_id,
            };
            self.cleanup_delete(logical, &physical, &template).await;
            return;
        }
        assert!(
            !clear,
            "the Update FAILED although nothing stood in its way: {}",
            answer.reason
        );
        assert_eq!(answer.physical, physical, "a failed Update keeps the id");
        if replacement {
            assert_eq!(
                self.world.connect.profile(&old_profile),
                before,
                "a failed replacement leaves the old profile as it was"
            );
        }
        self.rollback(i, &physical, &template, &next, &made_by)
            .await;
    }

    /// Someone changes the profile in the console between stack operations: the next Update works
    /// from the live profile, so it repairs the change (and the rollback, if it fails).
    async fn edit_by_hand(&mut self, physical: &str) {
        let profile = answer_profile(physical);
        let (instance, id) = (&profile.instance_id, &profile.routing_profile_id);
        let live = self.world.connect.profile(id).expect("the profile exists");
        let sdk = self.world.client.client();
        let edit = match self.rng.below(4) {
            0 => sdk
                .update_routing_profile_name()
                .instance_id(instance)
                .routing_profile_id(id)
                .description("edited in the console")
                .send()
                .await
                .map(drop)
                .map_err(|e| format!("{e:?}")),
            1 if live.tags.len() < 50 => sdk
                .tag_resource()
                .resource_arn(physical)
                .tags("edited", "in the console")
                .send()
                .await
                .map(drop)
                .map_err(|e| format!("{e:?}")),
            2 => sdk
                .update_routing_profile_agent_availability_timer()
                .instance_id(instance)
                .routing_profile_id(id)
                .agent_availability_timer(AgentAvailabilityTimer::TimeSinceLastInbound)
                .send()
                .await
                .map(drop)
                .map_err(|e| format!("{e:?}")),
            _ => {
                let Some(queue) = live.queue_configs.first() else {
                    return;
                };
                let reference = RoutingProfileQueueReference::builder()
                    .queue_id(&queue.queue_id)
                    .channel(aws_sdk_connect::types::Channel::from(
                        queue.channel.as_str(),
                    ))
                    .build()
                    .expect("a complete reference");
                sdk.disassociate_routing_profile_queues()
                    .instance_id(instance)
                    .routing_profile_id(id)
                    .queue_references(reference)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| format!("{e:?}"))
            }
        };
        if let Err(e) = edit {
            panic!("the console edit of {physical} failed: {e}");
        }
        self.counts.bump("console edits before an Update");
        self.log(format!("{physical} edited in the console"));
    }

    /// The template an Update moves resource `i` to: edits, all new contents, or another
    /// instance; never the same properties (CloudFormation sends no Update then).
    fn next_template(&mut self, i: usize, template: &Template) -> Template {
        loop {
            let next = match self.rng.below(10) {
                0 => self.new_template(i, template.instance),
                1 => self.new_template(i, 1 - template.instance),
                2 => Template {
                    instance: 1 - template.instance,
                    ..template.clone()
                },
                _ => {
                    let mut next = template.clone();
                    let name = self.name_for(i);
                    self.rng.edit(&mut next, name);
                    next
                }
            };
            if next.properties() != template.properties() {
                return next;
            }
        }
    }

    /// After a failed Update: CloudFormation's rollback Update, the properties swapped, repeated
    /// (as "continue update rollback") until it succeeds; the last tries without faults.
    async fn rollback(
        &mut self,
        i: usize,
        physical: &str,
        template: &Template,
        failed: &Template,
        made_by: &str,
    ) {
        let logical = self.resources[i].logical;
        for attempt in 0..3 {
            let faults = if attempt < 2 {
                self.faults(&update_ops(failed, template), UPDATE_OPS)
            } else {
                Faults::default()
            };
            let event = self.event(
                "Update",
                logical,
                template.properties(),
                Some(physical),
                Some(failed.properties()),
            );
            let answer = self.send(event, &faults).await;
            self.counts.bump("rollback Updates");
            if answer.status == "SUCCESS" {
                assert_eq!(answer.physical, physical, "a rollback keeps the id");
                let marker = self.marker(logical, made_by);
                self.expect_profile(physical, template, &marker, "after the rollback");
                self.resources[i].state = State::Live {
                    physical: physical.to_string(),
                    template: template.clone(),
                    made_by: made_by.to_string(),
                };
                return;
            }
            assert!(
                !faults.connect_clean() || attempt < 2,
                "the rollback FAILED without faults: {}",
                answer.reason
            );
        }
        unreachable!("the last rollback has no faults and succeeds or fails the schedule");
    }

    /// The cleanup Delete of a replaced profile. When it fails, CloudFormation stops tracking the
    /// old profile (it said DELETE_FAILED and moved on).
    async fn cleanup_delete(&mut self, logical: &'static str, physical: &str, template: &Template) {
        let users = self.rng.percent(5);
        if users {
            self.assign_users(physical);
        }
        let faults = self.faults(&delete_ops(physical), DELETE_OPS);
        let event = self.event(
            "Delete",
            logical,
            template.properties(),
            Some(physical),
            None,
        );
        let answer = self.send(event, &faults).await;
        self.counts.bump("cleanup Deletes");
        assert_eq!(answer.physical, physical, "a Delete answers its id");
        if answer.status == "SUCCESS" {
            self.expect_gone(physical);
        } else {
            assert!(
                users || !faults.connect_clean(),
                "the cleanup Delete FAILED without faults: {}",
                answer.reason
            );
            self.counts
                .bump("old profiles kept after a failed cleanup Delete");
            self.kept.insert(physical.to_string());
        }
    }

    /// The Delete of resource `i` (removed from the template, after a failed Create, or in the
    /// stack's deletion).
    async fn delete(&mut self, i: usize, after_failed_create: bool) {
        self.delete_as(i, after_failed_create, true).await;
    }

    async fn delete_as(&mut self, i: usize, after_failed_create: bool, users_may_come: bool) {
        let (physical, template) = match self.resources[i].state.clone() {
            State::Absent => return,
            State::Live {
                physical, template, ..
            }
            | State::DeleteFailed { physical, template } => (physical, template),
        };
        let logical = self.resources[i].logical;
        let users = users_may_come
            && !after_failed_create
            && self.rng.percent(8)
            && self.assign_users(&physical);
        let users = users || self.in_use_now(&physical);
        let faults = self.faults(&delete_ops(&physical), DELETE_OPS);
        let event = self.event(
            "Delete",
            logical,
            template.properties(),
            Some(&physical),
            None,
        );
        let answer = self.send(event, &faults).await;
        self.counts.bump(if after_failed_create {
            "Deletes after a failed Create"
        } else {
            "Deletes"
        });
        assert_eq!(answer.physical, physical, "a Delete answers its id");
        if answer.status == "SUCCESS" {
            self.expect_gone(&physical);
            self.resources[i].state = State::Absent;
        } else {
            assert!(
                users || !faults.connect_clean(),
                "the Delete FAILED without faults: {}",
                answer.reason
            );
            self.resources[i].state = State::DeleteFailed { physical, template };
        }
    }

    /// Assigns a user to the profile, if it is one; the Delete then fails until they are moved.
    fn assign_users(&mut self, physical: &str) -> bool {
        let Some(profile) = routing_profile_resource::arn::routing_profile(physical) else {
            return false;
        };
        let assigned =
            self.world
                .connect
                .set_users(&profile.instance_id, &profile.routing_profile_id, 1);
        if assigned {
            self.counts.bump("faults: users assigned before a Delete");
            self.log(format!("users assigned to {physical}"));
        }
        assigned
    }

    /// The stack's deletion: every resource deleted, a failed Delete retried (the last time
    /// without faults). A profile in use is left in use half the time, its users moved otherwise.
    async fn delete_stack(&mut self) {
        self.log("stack deletion".to_string());
        for i in 0..self.resources.len() {
            for attempt in 0..3 {
                let physical = match &self.resources[i].state {
                    State::Absent => break,
                    State::Live { physical, .. } | State::DeleteFailed { physical, .. } => {
                        physical.clone()
                    }
                };
                if self.in_use_now(&physical) {
                    if self.rng.percent(50) {
                        self.log(format!("{physical} stays in use"));
                        self.in_use.insert(physical);
                        self.resources[i].state = State::Absent;
                        break;
                    }
                    self.release_users(&physical);
                }
                if attempt == 2 {
                    self.delete_clean(i).await;
                } else {
                    self.delete_as(i, false, attempt == 0).await;
                }
            }
        }
        self.check().await;
        self.check_end();
    }

    fn in_use_now(&self, physical: &str) -> bool {
        self.world
            .connect
            .profiles()
            .iter()
            .any(|p| p.arn == physical && p.users > 0)
    }

    fn release_users(&self, physical: &str) {
        if let Some(profile) = routing_profile_resource::arn::routing_profile(physical) {
            self.world
                .connect
                .set_users(&profile.instance_id, &profile.routing_profile_id, 0);
        }
    }

    /// The last try of a Delete: no faults, no users.
    async fn delete_clean(&mut self, i: usize) {
        let (State::DeleteFailed { physical, template }
        | State::Live {
            physical, template, ..
        }) = self.resources[i].state.clone()
        else {
            return;
        };
        self.release_users(&physical);
        let logical = self.resources[i].logical;
        let event = self.event(
            "Delete",
            logical,
            template.properties(),
            Some(&physical),
            None,
        );
        let answer = self.send(event, &Faults::default()).await;
        assert_eq!(
            answer.status, "SUCCESS",
            "a Delete without faults FAILED: {}",
            answer.reason
        );
        self.expect_gone(&physical);
        self.resources[i].state = State::Absent;
    }

    /// A request of this stack, answering to the world's receiver.
    fn event(
        &mut self,
        kind: &str,
        logical: &str,
        props: Value,
        physical: Option<&str>,
        old: Option<Value>,
    ) -> Value {
        self.requests += 1;
        let mut event = json!({
            "RequestType": kind,
            "ServiceToken": SERVICE_TOKEN,
            "ResponseURL": self.world.receiver.url(RESPONSE_TARGET),
            "StackId": self.stack_id,
            "RequestId": format!("{:08x}-{:04x}-4000-9000-{:012}", self.seed, 0, self.requests),
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
    fn faults(&mut self, likely: &[&'static str], all: &[&'static str]) -> Faults {
        let mut faults = Faults::default();
        let mut tallies = Vec::new();
        let rng = &mut self.rng;
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
            self.counts.bump(tally);
        }
        let rng = &mut self.rng;
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

    /// Runs one request as Lambda does: the event, and again after an invocation error; checks
    /// that it got exactly one answer and that no call broke the model; returns that answer.
    async fn send(&mut self, event: Value, faults: &Faults) -> Answer {
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
        connect.set_rate_limit(faults.rate_limit);
        let within = if faults.short { WITHIN_SHORT } else { WITHIN };

        let mut delivered = None;
        let mut errors = Vec::new();
        let attempts = faults.attempts.iter().cloned().map(Some).chain([None]);
        for attempt in attempts {
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
        self.world.connect.set_rate_limit(None);
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
        self.check_calls(first_call, faults, &request_id);
        self.count_hits(first_call, faults);
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
        answer
    }

    /// One invocation in a process of its own that dies while its `after`-th Connect call is in
    /// flight: `None` when it was killed, its outcome when it ended first.
    async fn killed(
        &self,
        event: Value,
        within: Duration,
        first_call: usize,
        after: usize,
    ) -> Option<Result<response::Answer, InvocationError>> {
        let endpoint = self.world.connect.endpoint();
        let deadline = Instant::now() + within;
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        let process = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the process");
            let outcome = runtime.block_on(async move {
                let handler = Handler::new(
                    Connect::for_endpoint_tuned(&endpoint, TUNING),
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

    /// Records the profile a FAILED answer says it left behind with its request's marker.
    fn note_left_behind(&mut self, request_id: &str, answer: &Answer) {
        let tag = format!("{OWNER_REQUEST_TAG}={request_id}");
        if answer.status == "FAILED" && answer.reason.contains("could not be removed") {
            assert!(
                answer.reason.contains(&tag),
                "a profile left behind is named with its marker: {}",
                answer.reason
            );
            self.counts
                .bump("replacement profiles left behind and named in the Reason");
            self.told.insert(request_id.to_string());
            self.protect(
                |p| p.tags.get(OWNER_REQUEST_TAG).map(String::as_str) == Some(request_id),
                "left behind by a failed replacement and named in its Reason",
            );
        }
    }

    /// From now on no request may write or delete the profiles `which` picks: CloudFormation no
    /// longer knows of them.
    fn protect(&mut self, which: impl Fn(&Profile) -> bool, why: &'static str) {
        let since = self.world.connect.calls().len();
        for profile in self.world.connect.profiles() {
            if which(&profile) && !self.protected.iter().any(|p| p.profile.id == profile.id) {
                self.protected.push(Protected {
                    profile,
                    since,
                    why,
                });
            }
        }
    }

    /// The calls of one request: none refused by the model (400) unless the test caused it (the
    /// SDK's retry of a write whose answer was lost), none on a profile this stack did not make.
    fn check_calls(&mut self, first: usize, faults: &Faults, request_id: &str) {
        let calls = self.world.connect.calls();
        for call in &calls[first..] {
            assert_ne!(call.operation, "UnknownOperation", "{call:?}");
            if call.status == 400 {
                assert!(
                    faults.lost.contains(call.operation.as_str()),
                    "{request_id}: Connect refused a request (400 {:?}) the test did not provoke: {} {} {}",
                    call.error_type,
                    call.operation,
                    call.path,
                    call.request
                );
                self.counts
                    .bump("400s: the SDK's retry of a write whose answer was lost");
                self.log(format!(
                    "  {request_id}: 400 {} {:?}, the SDK's retry of a write whose answer was lost",
                    call.operation, call.error_type
                ));
            }
        }
    }

    /// Counts the Connect faults that met a call (a fault on an operation the request never
    /// called changes nothing).
    fn count_hits(&mut self, first: usize, faults: &Faults) {
        let calls = self.world.connect.calls();
        for (op, _, _) in &faults.connect {
            if calls[first..].iter().any(|c| c.operation == *op) {
                self.counts.bump("Connect faults that met a call");
            }
        }
        self.counts
            .add_n("Connect faults drawn", faults.connect.len() as u64);
    }

    /// The profile `physical` holds exactly `template`, marked by `marker`.
    fn expect_profile(&self, physical: &str, template: &Template, marker: &Marker, when: &str) {
        let profile = answer_profile(physical);
        let Some(live) = self.world.connect.profile(&profile.routing_profile_id) else {
            panic!("{when}: {physical} does not exist");
        };
        assert_eq!(
            live.instance_id,
            template.instance_id(),
            "{when}: {physical}'s instance"
        );
        let (live, wanted) = (view_of(&live), template.view(marker));
        assert!(
            live == wanted,
            "{when}: {physical} is not as the template says:\n{}",
            difference(&live, &wanted)
        );
    }

    fn expect_gone(&self, physical: &str) {
        assert!(
            !self
                .world
                .connect
                .profiles()
                .iter()
                .any(|p| p.arn == physical),
            "{physical} still exists after its Delete succeeded"
        );
    }

    /// After every stack operation: each resource's profile is as its template says, the profiles
    /// others made are untouched and were never written, and every profile this stack's requests
    /// made is one CloudFormation knows of (or was told of in a Reason).
    async fn check(&mut self) {
        for resource in self.resources.clone() {
            if let State::Live {
                physical,
                template,
                made_by,
            } = &resource.state
            {
                let marker = self.marker(resource.logical, made_by);
                self.expect_profile(physical, template, &marker, "between operations");
            }
        }
        let now = self.world.connect.profiles();
        for before in &self.protected {
            let after = now.iter().find(|p| p.id == before.profile.id);
            assert_eq!(
                after,
                Some(&before.profile),
                "a profile no request may touch ({}) was changed or deleted",
                before.why
            );
        }
        let calls = self.world.connect.calls();
        for (i, call) in calls.iter().enumerate() {
            let write =
                !call.operation.starts_with("Describe") && !call.operation.starts_with("List");
            if let Some(theirs) = self
                .protected
                .iter()
                .find(|p| write && i >= p.since && call.path.contains(&p.profile.id))
            {
                panic!(
                    "{} was called on {} ({:?}), a profile no request may touch ({})",
                    call.operation, theirs.profile.arn, theirs.profile.name, theirs.why
                );
            }
        }
        for profile in self.made_by_this_stack() {
            assert!(
                self.accounted(&profile, false),
                "orphan: {} ({:?}, made by request {:?}) is known to no one",
                profile.arn,
                profile.name,
                profile.tags.get(OWNER_REQUEST_TAG)
            );
        }
    }

    /// After the stack's deletion, only profiles CloudFormation was told of remain: in use, kept
    /// after a failed cleanup Delete, or named in a Reason.
    fn check_end(&mut self) {
        for profile in self.made_by_this_stack() {
            assert!(
                self.accounted(&profile, true),
                "left after the stack's deletion: {} ({:?}, made by request {:?})",
                profile.arn,
                profile.name,
                profile.tags.get(OWNER_REQUEST_TAG)
            );
        }
        self.counts
            .add_n("profiles left in use at the end", self.in_use.len() as u64);
    }

    /// Profiles carrying this stack's marker that the setup did not make.
    fn made_by_this_stack(&self) -> Vec<Profile> {
        self.world
            .connect
            .profiles()
            .into_iter()
            .filter(|p| p.tags.get(OWNER_STACK_TAG) == Some(&self.stack_id))
            .filter(|p| !self.protected.iter().any(|o| o.profile.id == p.id))
            .collect()
    }

    fn accounted(&self, profile: &Profile, end: bool) -> bool {
        let request = profile
            .tags
            .get(OWNER_REQUEST_TAG)
            .cloned()
            .unwrap_or_default();
        let known = self.resources.iter().any(|r| match &r.state {
            State::Absent => false,
            State::Live { physical, .. } => !end && *physical == profile.arn,
            State::DeleteFailed { physical, .. } => {
                !end && (*physical == profile.arn
                    || *physical == format!("failed-create-{request}"))
            }
        });
        known
            || self.told.contains(&request)
            || self.kept.contains(&profile.arn)
            || self.in_use.contains(&profile.arn)
    }
}

/// The calls a Create of `t` makes.
fn create_ops(t: &Template) -> Vec<&'static str> {
    let mut ops = vec!["CreateRoutingProfile"];
    if t.queues.len() > 10 || t.manual.len() > 10 {
        ops.push("AssociateRoutingProfileQueues");
    }
    ops
}

/// The calls an Update from `old` to `new` makes, and for a replacement the calls of the cleanup
/// that follows when it fails.
fn update_ops(old: &Template, new: &Template) -> Vec<&'static str> {
    if old.instance != new.instance {
        let mut ops = create_ops(new);
        ops.extend(["ListRoutingProfiles", "DeleteRoutingProfile"]);
        return ops;
    }
    let mut ops = vec![
        "DescribeRoutingProfile",
        "ListRoutingProfileQueues",
        "ListRoutingProfileManualAssignmentQueues",
    ];
    let changed = |differs: bool, op: &'static str, ops: &mut Vec<&'static str>| {
        if differs {
            ops.push(op);
        }
    };
    changed(
        old.name != new.name || old.description != new.description,
        "UpdateRoutingProfileName",
        &mut ops,
    );
    changed(
        old.default_queue != new.default_queue,
        "UpdateRoutingProfileDefaultOutboundQueue",
        &mut ops,
    );
    let marker = Marker {
        stack_id: String::new(),
        logical_id: String::new(),
        request_id: String::new(),
    };
    let (a, b) = (old.view(&marker), new.view(&marker));
    changed(
        a.media != b.media,
        "UpdateRoutingProfileConcurrency",
        &mut ops,
    );
    changed(
        a.timer != b.timer,
        "UpdateRoutingProfileAgentAvailabilityTimer",
        &mut ops,
    );
    changed(
        b.queues.keys().any(|k| !a.queues.contains_key(k))
            || b.manual.difference(&a.manual).next().is_some(),
        "AssociateRoutingProfileQueues",
        &mut ops,
    );
    changed(
        a.queues.keys().any(|k| !b.queues.contains_key(k))
            || a.manual.difference(&b.manual).next().is_some(),
        "DisassociateRoutingProfileQueues",
        &mut ops,
    );
    changed(
        b.queues
            .iter()
            .any(|(k, p)| a.queues.get(k).is_some_and(|q| q != p)),
        "UpdateRoutingProfileQueues",
        &mut ops,
    );
    changed(
        b.tags.iter().any(|(k, v)| a.tags.get(k) != Some(v)),
        "TagResource",
        &mut ops,
    );
    changed(
        a.tags.keys().any(|k| !b.tags.contains_key(k)),
        "UntagResource",
        &mut ops,
    );
    ops
}

/// The calls a Delete of `physical` makes.
fn delete_ops(physical: &str) -> Vec<&'static str> {
    if physical.starts_with("failed-create-") {
        vec![
            "ListRoutingProfiles",
            "DescribeRoutingProfile",
            "DeleteRoutingProfile",
        ]
    } else {
        vec!["DeleteRoutingProfile"]
    }
}

/// What a FAILED answer's Reason says, in a word, for the tallies.
fn failure_kind(reason: &str) -> &'static str {
    if reason.contains("could not be removed") {
        "answers: FAILED, replacement left behind and named"
    } else if reason.starts_with("Ran out of time") {
        "answers: FAILED, out of time"
    } else if reason.contains("created by an earlier request of this resource") {
        "answers: FAILED, name taken by an earlier request's profile"
    } else if reason.starts_with("A routing profile named") {
        "answers: FAILED, name taken by another's profile"
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

fn retained_name(logical: &str) -> String {
    format!("{logical} (retained)")
}

fn request_id(event: &Value) -> String {
    event["RequestId"]
        .as_str()
        .expect("a RequestId")
        .to_string()
}

fn answer_profile(physical: &str) -> ProfileRef {
    routing_profile_resource::arn::routing_profile(physical)
        .unwrap_or_else(|| panic!("{physical} is not a routing profile ARN"))
}

/// Whether `physical` is a profile carrying request `request_id`'s marker.
fn is_marked(world: &World, physical: &str, request_id: &str) -> bool {
    world.connect.profiles().iter().any(|p| {
        p.arn == physical && p.tags.get(OWNER_REQUEST_TAG).map(String::as_str) == Some(request_id)
    })
}

/// The fields in which two views differ.
fn difference(live: &View, wanted: &View) -> String {
    let mut out = String::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            let _ = writeln!(out, "  {name}: live {a}\n  {name}: wanted {b}");
        }
    };
    field(
        "name",
        format!("{:?}", live.name),
        format!("{:?}", wanted.name),
    );
    field(
        "description",
        format!("{:?}", live.description),
        format!("{:?}", wanted.description),
    );
    field(
        "default queue",
        live.default_queue.clone(),
        wanted.default_queue.clone(),
    );
    field(
        "queues",
        format!("{:?}", live.queues),
        format!("{:?}", wanted.queues),
    );
    field(
        "manual",
        format!("{:?}", live.manual),
        format!("{:?}", wanted.manual),
    );
    field(
        "media",
        format!("{:?}", live.media),
        format!("{:?}", wanted.media),
    );
    field("timer", live.timer.clone(), wanted.timer.clone());
    field(
        "tags",
        format!("{:?}", live.tags),
        format!("{:?}", wanted.tags),
    );
    out
}

#[test]
fn the_generator_makes_only_valid_templates() {
    let mut rng = Rng(7);
    for _ in 0..300 {
        let instance = rng.below(2);
        let mut t = rng.template(instance, "Profile".to_string());
        if let Err(e) = properties::parse(&t.properties()) {
            panic!("{e}\n{}", t.properties());
        }
        rng.edit(&mut t, "Other".to_string());
        if let Err(e) = properties::parse(&t.properties()) {
            panic!("{e}\n{}", t.properties());
        }
        assert!(t.queues.len() <= MAX_QUEUES && t.tags.len() <= MAX_TAGS);
    }
}
