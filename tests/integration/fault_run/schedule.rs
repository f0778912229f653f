//! One schedule: the stack's resources, and the stack operations CloudFormation runs on them.

use super::*;

/// What CloudFormation knows of one resource.
#[derive(Clone, Debug)]
pub(super) enum State {
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
pub(super) struct Resource {
    pub(super) logical: &'static str,
    pub(super) state: State,
}

/// A profile no later request may write or delete, as it was when it became so.
pub(super) struct Protected {
    pub(super) profile: Profile,
    /// The first call that may not touch it.
    pub(super) since: usize,
    pub(super) why: &'static str,
}

/// One schedule: a stack of one to three resources, its world, and what the checks know.
pub(super) struct Schedule {
    pub(super) seed: u64,
    pub(super) rng: Rng,
    pub(super) world: World,
    pub(super) log: Log,
    pub(super) counts: Counts,
    pub(super) stack_id: String,
    pub(super) requests: u64,
    pub(super) resources: Vec<Resource>,
    /// Profiles no request of this schedule made (leftovers of earlier requests, someone else's),
    /// as they were before the first request.
    pub(super) protected: Vec<Protected>,
    /// Calls before this index were made by the setup.
    pub(super) first_call: usize,
    /// Requests whose FAILED answer named a profile left behind, with the request's marker.
    pub(super) told: BTreeSet<String>,
    /// Old profiles whose cleanup Delete failed: CloudFormation stops tracking them.
    pub(super) kept: BTreeSet<String>,
    /// Profiles left in the stack's deletion because users are assigned to them.
    pub(super) in_use: BTreeSet<String>,
    /// Profiles a Delete was to release and Connect refused the UntagResource: kept with the
    /// marker, logged, answered SUCCESS.
    pub(super) marker_kept: BTreeSet<String>,
    /// Whose profile it is: profiles from before the stack, adoption, forged requests.
    pub(super) ownership: Ownership,
    /// What Connect is like for the whole schedule: read lag, quotas.
    pub(super) conditions: Conditions,
}

pub(super) async fn run_schedule(seed: u64, log: Log) -> Counts {
    let mut schedule = Schedule::start(seed, log).await;
    let steps = schedule.rng.range(3, 10);
    for _ in 0..steps {
        let i = schedule.rng.below(schedule.resources.len());
        schedule.step(i).await;
        schedule.own_events().await;
    }
    schedule.delete_stack().await;
    schedule.counts.bump("schedules");
    schedule
        .counts
        .add_n("Connect calls", schedule.world.connect.calls().len() as u64);
    schedule.counts
}

impl Schedule {
    pub(super) async fn start(seed: u64, log: Log) -> Schedule {
        let conditions = Conditions::draw(seed);
        let world = World::start_with(conditions.tuning(), conditions.read_again()).await;
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
            marker_kept: BTreeSet::new(),
            ownership: Ownership::default(),
            conditions,
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
        schedule.seed_existing();
        schedule.first_call = schedule.world.connect.calls().len();
        // From the first request on.
        schedule.log(format!("conditions: {}", conditions.describe()));
        conditions.count(&mut schedule.counts);
        conditions.apply(&schedule.world.connect);
        schedule
    }

    pub(super) fn log(&self, line: String) {
        self.log.line(line);
    }

    /// Profiles this schedule's requests did not make: a leftover of an earlier request of a
    /// logical id (its Create's marker, or the two-tag marker of older versions), and a profile
    /// made by hand or by another stack. Names the templates may pick.
    pub(super) async fn leave_others(&mut self) {
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
    pub(super) async fn make_directly(
        &self,
        template: &Template,
        tags: &[(&str, String)],
    ) -> String {
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
        // A client of its own with the function's default attempt timeout: the schedule's
        // client gives up on an attempt after 300 ms, which on a loaded machine made its retry of
        // a Create already carried out meet DuplicateResourceException (5,000-schedule run).
        let patient = Connect::for_endpoint(&self.world.connect.endpoint());
        let made: ProfileRef = patient
            .create(&props.instance_id, &state)
            .await
            .expect("the setup's create succeeds");
        made.arn
    }

    /// A template for resource `i`: mostly one of its own names, sometimes a name that is taken.
    pub(super) fn new_template(&mut self, i: usize, instance: usize) -> Template {
        let name = self.name_for(i);
        self.rng.template(instance, name)
    }

    pub(super) fn name_for(&mut self, i: usize) -> String {
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
    pub(super) fn name_taken(&self, t: &Template, own: Option<&str>) -> bool {
        self.world.connect.profiles().iter().any(|p| {
            p.instance_id == t.instance_id() && p.name == t.name && Some(p.arn.as_str()) != own
        })
    }

    pub(super) fn marker(&self, logical: &str, request_id: &str) -> Marker {
        Marker {
            stack_id: self.stack_id.clone(),
            logical_id: logical.to_string(),
            request_id: request_id.to_string(),
        }
    }

    /// One stack operation on resource `i`, as its state allows.
    pub(super) async fn step(&mut self, i: usize) {
        self.counts.bump("stack operations");
        match self.resources[i].state.clone() {
            State::Absent => self.create(i).await,
            State::Live { .. } if self.rng.percent(80) => self.update(i).await,
            State::Live { .. } | State::DeleteFailed { .. } => self.delete(i, false).await,
        }
        self.check().await;
    }

    pub(super) async fn create(&mut self, i: usize) {
        let logical = self.resources[i].logical;
        let instance = self.rng.below(2);
        let mut template = self.new_template(i, instance);
        self.own_choices(&mut template);
        let adoptable = self.adoptable(&template, logical);
        let faults = self.faults(&create_ops(&template), CREATE_OPS);
        let clear = faults.absorbed() && (adoptable.is_some() || !self.name_taken(&template, None));
        let event = self.event("Create", logical, template.properties(), None, None);
        let request_id = request_id(&event);
        let answer = self.send(event, &faults).await;
        self.counts.bump("Creates");
        if answer.status == "SUCCESS" {
            let made_by = self.made_by(adoptable.as_ref(), &answer, request_id);
            let marker = self.marker(logical, &made_by);
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
                made_by,
            };
            return;
        }
        assert!(
            !clear,
            "the Create FAILED although nothing stood in its way (the SDK's retries absorb its faults): {}",
            answer.reason
        );
        let failed_id = format!("failed-create-{request_id}");
        let failed_adoption = adoptable
            .as_ref()
            .map(|p| failed_adoption_id(&request_id, &p.arn));
        assert!(
            answer.physical == failed_id
                || Some(&answer.physical) == failed_adoption.as_ref()
                || is_marked(&self.world, &answer.physical, &request_id),
            "a failed Create answers its request's id, the profile it made, or the adoption it failed: {}",
            answer.physical
        );
        if let Some(adopted) =
            adoptable.filter(|_| Some(&answer.physical) == failed_adoption.as_ref())
        {
            self.counts.bump("ownership: failed adoptions");
            self.ownership.failed_adoptions.push(FailedAdoption {
                logical,
                request_id: request_id.clone(),
                arn: adopted.arn,
                template: template.clone(),
            });
        }
        // CloudFormation deletes what the failed Create answered, with the same properties.
        self.resources[i].state = State::DeleteFailed {
            physical: answer.physical,
            template,
        };
        self.delete(i, true).await;
    }

    pub(super) async fn update(&mut self, i: usize) {
        let State::Live {
            physical,
            template,
            made_by,
        } = self.resources[i].state.clone()
        else {
            return;
        };
        let logical = self.resources[i].logical;
        let mut next = self.next_template(i, &template);
        self.own_choices(&mut next);
        if next.properties() == template.properties() {
            // CloudFormation sends no Update then: make it a change of AdoptExisting alone.
            next.adopt = Some(!template.adopt.unwrap_or(false));
        }
        let replacement = next.instance != template.instance;
        let adoptable = if replacement {
            self.adoptable(&next, logical)
        } else {
            None
        };
        if self.rng.percent(10) {
            self.edit_by_hand(&physical).await;
        }
        let faults = self.faults(&update_ops(&template, &next), UPDATE_OPS);
        let own = (!replacement).then_some(physical.as_str());
        let clear = faults.absorbed() && (adoptable.is_some() || !self.name_taken(&next, own));
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
            let made_by = self.made_by(adoptable.as_ref(), &answer, request_id);
            let marker = self.marker(logical, &made_by);
            self.expect_profile(&answer.physical, &next, &marker, "after the replacement");
            assert_eq!(
                self.world.connect.profile(&old_profile),
                before,
                "a replacement leaves the old profile as it was"
            );
            self.resources[i].state = State::Live {
                physical: answer.physical,
                template: next,
                made_by,
            };
            self.cleanup_delete(logical, &physical, &template).await;
            return;
        }
        assert!(
            !clear,
            "the Update FAILED although nothing stood in its way (the SDK's retries absorb its faults): {}",
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
    pub(super) async fn edit_by_hand(&mut self, physical: &str) {
        // Some time after the last request: the console shows what it wrote.
        tokio::time::sleep(self.conditions.longest_lag()).await;
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
        // And some time before the next stack operation: a change made outside CloudFormation
        // within Connect's lag of an Update may not be seen by it (the next one repairs it).
        tokio::time::sleep(self.conditions.longest_lag()).await;
        self.counts.bump("console edits before an Update");
        self.log(format!("{physical} edited in the console"));
    }

    /// The template an Update moves resource `i` to: edits, all new contents, or another
    /// instance; never the same properties (CloudFormation sends no Update then).
    pub(super) fn next_template(&mut self, i: usize, template: &Template) -> Template {
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
            // `AdoptExisting` is the ownership class's to draw (after this): left out here, so
            // that this loop draws what it drew before the class existed.
            let without_adopt = |t: &Template| {
                Template {
                    adopt: None,
                    ..t.clone()
                }
                .properties()
            };
            if without_adopt(&next) != without_adopt(template) {
                return next;
            }
        }
    }

    /// After a failed Update: CloudFormation's rollback Update, the properties swapped, repeated
    /// (as "continue update rollback") until it succeeds; the last tries without faults.
    pub(super) async fn rollback(
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
                !faults.absorbed(),
                "the rollback FAILED although the SDK's retries absorb its faults: {}",
                answer.reason
            );
        }
        unreachable!("the last rollback has no faults and succeeds or fails the schedule");
    }

    /// The cleanup Delete of a replaced profile. When it fails, CloudFormation stops tracking the
    /// old profile (it said DELETE_FAILED and moved on).
    pub(super) async fn cleanup_delete(
        &mut self,
        logical: &'static str,
        physical: &str,
        template: &Template,
    ) {
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
        self.delete_sent(physical);
        let answer = self.send(event, &faults).await;
        self.counts.bump("cleanup Deletes");
        assert_eq!(answer.physical, physical, "a Delete answers its id");
        if answer.status == "SUCCESS" {
            self.expect_removed(physical);
        } else {
            assert!(
                users || !faults.absorbed(),
                "the cleanup Delete FAILED although the SDK's retries absorb its faults: {}",
                answer.reason
            );
            self.counts
                .bump("old profiles kept after a failed cleanup Delete");
            self.kept.insert(physical.to_string());
        }
    }

    /// The Delete of resource `i` (removed from the template, after a failed Create, or in the
    /// stack's deletion).
    pub(super) async fn delete(&mut self, i: usize, after_failed_create: bool) {
        self.delete_as(i, after_failed_create, true).await;
    }

    pub(super) async fn delete_as(
        &mut self,
        i: usize,
        after_failed_create: bool,
        users_may_come: bool,
    ) {
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
        self.delete_sent(&physical);
        let answer = self.send(event, &faults).await;
        self.counts.bump(if after_failed_create {
            "Deletes after a failed Create"
        } else {
            "Deletes"
        });
        assert_eq!(answer.physical, physical, "a Delete answers its id");
        if answer.status == "SUCCESS" {
            self.expect_removed(&physical);
            self.resources[i].state = State::Absent;
        } else {
            assert!(
                users || !faults.absorbed(),
                "the Delete FAILED although the SDK's retries absorb its faults: {}",
                answer.reason
            );
            self.resources[i].state = State::DeleteFailed { physical, template };
        }
    }

    /// Assigns a user to the profile, if it is one; the Delete then fails until they are moved.
    pub(super) fn assign_users(&mut self, physical: &str) -> bool {
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
    pub(super) async fn delete_stack(&mut self) {
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
        self.check_adopted_at_the_end();
    }

    pub(super) fn in_use_now(&self, physical: &str) -> bool {
        self.world
            .connect
            .profiles()
            .iter()
            .any(|p| p.arn == physical && p.users > 0)
    }

    pub(super) fn release_users(&self, physical: &str) {
        if let Some(profile) = routing_profile_resource::arn::routing_profile(physical) {
            self.world
                .connect
                .set_users(&profile.instance_id, &profile.routing_profile_id, 0);
        }
    }

    /// The last try of a Delete: no faults, no users.
    pub(super) async fn delete_clean(&mut self, i: usize) {
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
        self.delete_sent(&physical);
        let answer = self.send(event, &Faults::default()).await;
        assert_eq!(
            answer.status, "SUCCESS",
            "a Delete without faults FAILED: {}",
            answer.reason
        );
        self.expect_removed(&physical);
        self.resources[i].state = State::Absent;
    }
}

pub(super) fn retained_name(logical: &str) -> String {
    format!("{logical} (retained)")
}

/// Whether `physical` is a profile carrying request `request_id`'s marker.
pub(super) fn is_marked(world: &World, physical: &str, request_id: &str) -> bool {
    world.connect.profiles().iter().any(|p| {
        p.arn == physical && p.tags.get(OWNER_REQUEST_TAG).map(String::as_str) == Some(request_id)
    })
}
