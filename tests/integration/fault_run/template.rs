//! The templates: random valid properties and edits of them, the properties CloudFormation sends
//! for them, and what Connect should hold for them.

use super::*;

/// The properties of one resource as the template states them, in the test's own terms, so that
/// what Connect should hold is worked out without the function's parser.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Template {
    /// Index into [`INSTANCES`].
    pub(super) instance: usize,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) default_queue: u32,
    /// (queue number, channel) to (priority, delay).
    pub(super) queues: BTreeMap<(u32, &'static str), (i64, i64)>,
    pub(super) manual: BTreeSet<(u32, &'static str)>,
    pub(super) media: BTreeMap<&'static str, ChannelTemplate>,
    pub(super) timer: Option<&'static str>,
    pub(super) tags: BTreeMap<String, String>,
    /// `AdoptExisting`, when the template gives it (drawn from the ownership stream).
    pub(super) adopt: Option<bool>,
    /// How it is written: IDs or ARNs, numbers or strings (as CloudFormation sends them), tags as
    /// a map or a list.
    pub(super) arns: bool,
    pub(super) strings: bool,
    pub(super) tag_list: bool,
}

/// A channel's workload types, as Connect holds them: name to (concurrency, behaviour).
pub(super) type Workloads = BTreeMap<String, (i64, Option<String>)>;

/// One channel of `MediaConcurrencies`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ChannelTemplate {
    pub(super) concurrency: i64,
    /// `CrossChannelBehavior`, when given.
    pub(super) behavior: Option<&'static str>,
    /// `WorkloadTypeConcurrencies`: workload type to (concurrency, behaviour when given).
    pub(super) workloads: BTreeMap<&'static str, (i64, Option<&'static str>)>,
}

/// A profile as the checks compare it: everything Connect holds that the template decides.
#[derive(Debug, PartialEq)]
pub(super) struct View {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) default_queue: String,
    pub(super) queues: BTreeMap<(String, String), (i64, i64)>,
    pub(super) manual: BTreeSet<(String, String)>,
    /// Channel to (concurrency, behaviour, workload types).
    pub(super) media: BTreeMap<String, (i64, String, Workloads)>,
    pub(super) timer: String,
    pub(super) tags: BTreeMap<String, String>,
}

pub(super) fn queue_id(instance: usize, n: u32) -> String {
    if instance == 0 {
        demo_queue_id(n)
    } else {
        demo2_queue_id(n)
    }
}

impl Template {
    pub(super) fn instance_id(&self) -> &'static str {
        INSTANCES[self.instance]
    }

    /// The ResourceProperties CloudFormation sends for it.
    pub(super) fn properties(&self) -> Value {
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
        if let Some(adopt) = self.adopt {
            p.insert(
                "AdoptExisting".into(),
                if self.strings {
                    json!(adopt.to_string())
                } else {
                    json!(adopt)
                },
            );
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
    pub(super) fn view(&self, marker: &Marker) -> View {
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

pub(super) fn view_of(p: &Profile) -> View {
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
                    // The fault run's templates give every channel its Concurrency.
                    (
                        m.concurrency.map_or(0, i64::from),
                        m.behavior_type.clone(),
                        workloads,
                    ),
                )
            })
            .collect(),
        timer: p.agent_availability_timer.clone(),
        tags: p.tags.clone(),
    }
}

/// The ownership marker a profile should carry.
#[derive(Clone, Debug)]
pub(super) struct Marker {
    pub(super) stack_id: String,
    pub(super) logical_id: String,
    pub(super) request_id: String,
}

impl Marker {
    pub(super) fn tags(&self) -> [(String, String); 3] {
        [
            (OWNER_STACK_TAG.to_string(), self.stack_id.clone()),
            (OWNER_LOGICAL_ID_TAG.to_string(), self.logical_id.clone()),
            (OWNER_REQUEST_TAG.to_string(), self.request_id.clone()),
        ]
    }
}

/// Random template parts.
impl Rng {
    pub(super) fn template(&mut self, instance: usize, name: String) -> Template {
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
            adopt: None,
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

    pub(super) fn description(&mut self) -> String {
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

    pub(super) fn media(&mut self) -> BTreeMap<&'static str, ChannelTemplate> {
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

    pub(super) fn timer(&mut self) -> Option<&'static str> {
        match self.below(3) {
            0 => None,
            n => Some(TIMERS[n - 1]),
        }
    }

    pub(super) fn tags(&mut self) -> BTreeMap<String, String> {
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

    pub(super) fn tag_key(&mut self) -> String {
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

    pub(super) fn tag_value(&mut self) -> String {
        match self.below(5) {
            0 => String::new(),
            1 => "☎".repeat(256),
            2 => "Überlauf / overflow: +1 @ 09:00".to_string(),
            _ => format!("value-{}", self.below(1000)),
        }
    }

    pub(super) fn fill_queues(&mut self, t: &mut Template, n: usize) {
        while t.queues.len() < n {
            let key = (self.range(1, QUEUES.into()) as u32, self.pick(&CHANNELS));
            let placement = (self.range(1, 99), self.pick(&[0, 0, 5, 30, 9999]));
            t.queues.insert(key, placement);
        }
    }

    pub(super) fn fill_manual(&mut self, t: &mut Template, n: usize) {
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
    pub(super) fn edit(&mut self, t: &mut Template, name: String) {
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

/// The calls a Create of `t` makes.
pub(super) fn create_ops(t: &Template) -> Vec<&'static str> {
    let mut ops = vec!["CreateRoutingProfile"];
    if t.queues.len() > 10 || t.manual.len() > 10 {
        ops.push("AssociateRoutingProfileQueues");
    }
    ops
}

/// The calls an Update from `old` to `new` makes, and for a replacement the calls of the cleanup
/// that follows when it fails.
pub(super) fn update_ops(old: &Template, new: &Template) -> Vec<&'static str> {
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
pub(super) fn delete_ops(physical: &str) -> Vec<&'static str> {
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

/// The fields in which two views differ.
pub(super) fn difference(live: &View, wanted: &View) -> String {
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
pub(super) fn the_generator_makes_only_valid_templates() {
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
