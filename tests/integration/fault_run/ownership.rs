//! Whose profile it is, in the fault run: profiles that exist before the stack (made in the
//! console, the instance's default), templates that ask to adopt them (`AdoptExisting`), a change
//! of `AdoptExisting` alone, and forged Updates and Deletes that name a profile the resource does
//! not own, as a direct invoke can send them.
//!
//! Every choice here comes from a stream of its own ([`Rng::stream`], its share of schedules in
//! [`CLASSES`]), never from the schedule's:
//! a seed picks the same schedule it picked before this class existed, and in the schedules this
//! class leaves alone (two in five) nothing of it happens at all. The late Deletes of failed
//! adoptions draw from a stream of their own again, so that the class's other choices are as they
//! were before them.
//!
//! The promises checked: a profile that existed before the run (or that CloudFormation no longer
//! knows of) is never deleted and never written, except by a request that asked to adopt it; a
//! failed adoption leaves it released (no marker of this run), never deleted; a forged Update
//! answers FAILED and a forged Delete SUCCESS, neither writing anything; the Delete of a failed
//! adoption's id, delivered late when the resource holds the profile under a marker of its own
//! (adopted again, or created), answers SUCCESS and writes nothing; after the stack's deletion the
//! adopted profiles are gone, except an instance's default profile, which remains without a marker.

use super::*;

/// How often, between stack operations, a failed adoption's Delete comes late.
const LATE_DELETES: usize = 20;

/// What the ownership class knows of a schedule.
#[derive(Default)]
pub(super) struct Ownership {
    /// Whether this schedule has the class at all.
    pub(super) enabled: bool,
    /// Its own random stream.
    pub(super) rng: Option<Rng>,
    /// Profiles CloudFormation does not (or no longer) know of, by id: made before the run, kept
    /// after a failed cleanup, named in a Reason. Each is protected unless a request holds it.
    pub(super) watched: BTreeMap<String, Watched>,
    /// Forged requests sent so far (their RequestIds are numbered apart from the schedule's).
    pub(super) forged: u64,
    /// The stream of the late Deletes of failed adoptions.
    pub(super) late: Option<Rng>,
    /// Late Deletes sent so far (numbered apart from the forged requests).
    pub(super) late_sent: u64,
    /// The failed adoptions of the run: what their Deletes, delivered again, carry.
    pub(super) failed_adoptions: Vec<FailedAdoption>,
}

/// A Create that answered FAILED with a failed adoption's id.
#[derive(Clone, Debug)]
pub(super) struct FailedAdoption {
    pub(super) logical: &'static str,
    pub(super) request_id: String,
    pub(super) arn: String,
    pub(super) template: Template,
}

/// A profile the class watches.
#[derive(Clone, Debug)]
pub(super) struct Watched {
    pub(super) arn: String,
    pub(super) is_default: bool,
    /// A request adopted it, and it was the resource's since.
    pub(super) adopted: bool,
    /// Its resource (having adopted it) sent a Delete of its ARN: from then on it may be gone,
    /// whatever the answer said (a DeleteRoutingProfile carried out whose answer was lost).
    pub(super) delete_sent: bool,
}

impl Schedule {
    /// The class's stream, when the schedule has the class.
    fn own(&mut self) -> Option<&mut Rng> {
        if self.ownership.enabled {
            self.ownership.rng.as_mut()
        } else {
            None
        }
    }

    /// At the start: whether the schedule has the class, and the profiles that exist before the
    /// stack: one made in the console with a name the templates pick, and instances' default
    /// profiles. Then every profile there is watched.
    pub(super) fn seed_existing(&mut self) {
        let (enabled, mut rng) = Class::named("ownership").draw(self.seed);
        self.ownership.enabled = enabled;
        if self.ownership.enabled {
            if rng.percent(60) {
                let instance = rng.below(2);
                let logical = rng.pick(&LOGICAL_IDS);
                let name = if rng.percent(70) {
                    logical.to_string()
                } else {
                    format!("{logical} (renamed)")
                };
                let profile = self.world.connect.seed_profile(INSTANCES[instance], &name);
                self.counts.bump("ownership: console profiles");
                self.log(format!("console profile: {} {name:?}", profile.arn));
            }
            for instance in INSTANCES {
                if rng.percent(40) {
                    let profile = self.world.connect.seed_default_profile(instance);
                    self.counts.bump("ownership: default profiles");
                    self.log(format!("default profile: {}", profile.arn));
                }
            }
        }
        self.ownership.rng = Some(rng);
        if self.ownership.enabled {
            self.ownership.late = Some(Rng::stream(
                self.seed,
                "ownership: late failed-adoption Deletes",
            ));
        }
        let since = self.world.connect.calls().len();
        for profile in self.world.connect.profiles() {
            self.watch(&profile);
            if !self.protected.iter().any(|p| p.profile.id == profile.id) {
                self.protected.push(Protected {
                    profile,
                    since,
                    why: "made before the first request",
                });
            }
        }
    }

    fn watch(&mut self, profile: &Profile) {
        self.ownership
            .watched
            .entry(profile.id.clone())
            .or_insert_with(|| Watched {
                arn: profile.arn.clone(),
                is_default: profile.is_default,
                adopted: false,
                delete_sent: false,
            });
    }

    /// The template's `AdoptExisting`, and sometimes a Name taken by a profile the run did not
    /// make, so that adoptions (and refusals) happen.
    pub(super) fn own_choices(&mut self, template: &mut Template) {
        let instance = template.instance_id();
        let names: Vec<String> = self
            .world
            .connect
            .profiles()
            .into_iter()
            .filter(|p| p.instance_id == instance && self.ownership.watched.contains_key(&p.id))
            .map(|p| p.name)
            .collect();
        let Some(rng) = self.own() else {
            return;
        };
        template.adopt = match rng.below(10) {
            0..=3 => Some(true),
            4 => Some(false),
            _ => None,
        };
        if !names.is_empty() && rng.percent(30) {
            template.name = rng
                .pick(&names.iter().map(String::as_str).collect::<Vec<_>>())
                .to_string();
        }
    }

    /// The profile a request of `logical` with `template` is to adopt: the one holding the Name
    /// in the instance, when the template asks and its marker is none or this resource's. It may
    /// be written by that request, so it is no longer protected.
    pub(super) fn adoptable(&mut self, template: &Template, logical: &str) -> Option<Profile> {
        if template.adopt != Some(true) {
            return None;
        }
        let holder = self
            .world
            .connect
            .profiles()
            .into_iter()
            .find(|p| p.instance_id == template.instance_id() && p.name == template.name)?;
        let (stack, id) = (
            holder.tags.get(OWNER_STACK_TAG),
            holder.tags.get(OWNER_LOGICAL_ID_TAG),
        );
        let unmarked =
            stack.is_none() && id.is_none() && !holder.tags.contains_key(OWNER_REQUEST_TAG);
        let this_resources =
            stack == Some(&self.stack_id) && id.map(String::as_str) == Some(logical);
        if !(unmarked || this_resources) {
            return None;
        }
        self.watch(&holder);
        self.protected.retain(|p| p.profile.id != holder.id);
        self.counts.bump("ownership: adoptions asked for");
        Some(holder)
    }

    /// The request tag of the profile a request answered SUCCESS with: its own RequestId when it
    /// created the profile, `adopted:` and its RequestId when it was to adopt `adoptable` (whose
    /// ARN the answer must be).
    pub(super) fn made_by(
        &mut self,
        adoptable: Option<&Profile>,
        answer: &Answer,
        request_id: String,
    ) -> String {
        let Some(adopted) = adoptable else {
            return request_id;
        };
        assert_eq!(
            answer.physical, adopted.arn,
            "an adoption answers the adopted ARN"
        );
        if let Some(watched) = self.ownership.watched.get_mut(&adopted.id) {
            watched.adopted = true;
        }
        self.counts.bump("ownership: adoptions (SUCCESS)");
        format!("adopted:{request_id}")
    }

    /// The write calls made since call `first`.
    fn writes_since(&self, first: usize) -> Vec<String> {
        self.world.connect.calls()[first..]
            .iter()
            .map(|c| c.operation.clone())
            .filter(|op| !op.starts_with("Describe") && !op.starts_with("List"))
            .collect()
    }

    /// After a Delete of `physical` that answered SUCCESS: the profile is gone, or, when it is an
    /// instance's default profile, still there without this stack's marker.
    pub(super) fn expect_removed(&mut self, physical: &str) {
        let default = self
            .world
            .connect
            .profiles()
            .into_iter()
            .find(|p| p.arn == physical && p.is_default);
        match default {
            Some(profile) => {
                assert!(
                    profile.tags.get(OWNER_STACK_TAG) != Some(&self.stack_id)
                        || self.marker_kept.contains(physical),
                    "the default profile {physical} still carries the marker after its Delete"
                );
                self.counts
                    .bump("ownership: default profiles released by a Delete");
            }
            None => self.expect_gone(physical),
        }
    }

    /// Its resource is about to send a Delete of `physical`: a watched profile of that ARN that it
    /// adopted may be deleted from now on.
    pub(super) fn delete_sent(&mut self, physical: &str) {
        for watched in self.ownership.watched.values_mut() {
            if watched.arn == physical && watched.adopted && !watched.is_default {
                watched.delete_sent = true;
            }
        }
    }

    /// Whether a resource's state refers to `profile`: its profile, or the id of a failed Create
    /// that created or was adopting it.
    fn held(&self, profile: &Profile) -> bool {
        let request = profile
            .tags
            .get(OWNER_REQUEST_TAG)
            .map(|r| r.trim_start_matches("adopted:").to_string());
        self.resources.iter().any(|r| match &r.state {
            State::Absent => false,
            State::Live { physical, .. } => *physical == profile.arn,
            State::DeleteFailed { physical, .. } => {
                *physical == profile.arn
                    || request.as_ref().is_some_and(|r| {
                        *physical == format!("failed-create-{r}")
                            || *physical == failed_adoption_id(r, &profile.arn)
                    })
            }
        })
    }

    /// After every stack operation: a watched profile is gone only when its resource deleted it,
    /// and one no request holds carries no marker of this run unless CloudFormation was told (a
    /// failed cleanup, a Reason, users still assigned); it is protected again from here on.
    pub(super) fn check_watched(&mut self) {
        let now = self.world.connect.profiles();
        let since = self.world.connect.calls().len();
        for (id, watched) in self.ownership.watched.clone() {
            let Some(profile) = now.iter().find(|p| p.id == id) else {
                assert!(
                    watched.delete_sent,
                    "{} existed before the run (or CloudFormation no longer knew it) and was deleted, not by its own resource's Delete after an adoption",
                    watched.arn
                );
                continue;
            };
            if self.held(profile) || self.protected.iter().any(|p| p.profile.id == id) {
                continue;
            }
            if let Some(request) = profile.tags.get(OWNER_REQUEST_TAG)
                && profile.tags.get(OWNER_STACK_TAG) == Some(&self.stack_id)
                && request.starts_with("adopted:")
            {
                let told = self.told.contains(request.trim_start_matches("adopted:"))
                    || self.kept.contains(&profile.arn)
                    || self.in_use.contains(&profile.arn)
                    || self.marker_kept.contains(&profile.arn);
                assert!(
                    told,
                    "{} was adopted by a request that did not keep it, and still carries its marker ({request})",
                    profile.arn
                );
            }
            self.protected.push(Protected {
                profile: profile.clone(),
                since,
                why: "existing before its adoption was asked for, and not adopted",
            });
        }
    }

    /// After the stack's deletion: the profiles it adopted are gone, except the instances' default
    /// profiles, which remain without its marker (and those CloudFormation was told it left).
    pub(super) fn check_adopted_at_the_end(&mut self) {
        let now = self.world.connect.profiles();
        for watched in self.ownership.watched.values().filter(|w| w.adopted) {
            let left = now.iter().find(|p| p.arn == watched.arn);
            let told = self.kept.contains(&watched.arn)
                || self.in_use.contains(&watched.arn)
                || self.marker_kept.contains(&watched.arn);
            match (left, watched.is_default) {
                (Some(profile), true) => assert!(
                    told || profile.tags.get(OWNER_STACK_TAG) != Some(&self.stack_id),
                    "the default profile {} keeps this stack's marker after the stack's deletion",
                    watched.arn
                ),
                (Some(profile), false) => assert!(
                    told || !self.made_by_this_stack().iter().any(|p| p.id == profile.id),
                    "the adopted profile {} is left after the stack's deletion, marked",
                    watched.arn
                ),
                (None, true) => panic!("the default profile {} was deleted", watched.arn),
                (None, false) => {}
            }
        }
    }

    /// Between stack operations, sometimes: a forged Update or Delete from one of the stack's
    /// logical ids naming a profile that is not that resource's, or an Update of a live resource
    /// that changes `AdoptExisting` alone.
    pub(super) async fn own_events(&mut self) {
        let Some(rng) = self.own() else {
            return;
        };
        let (forge, flip) = (rng.percent(15), rng.percent(5));
        if forge {
            self.forge().await;
        }
        if flip {
            self.flip_adopt_existing().await;
        }
        let late = self
            .ownership
            .late
            .as_mut()
            .is_some_and(|late| late.percent(LATE_DELETES));
        if late {
            self.late_failed_adoption_delete().await;
        }
        self.check().await;
    }

    /// The Delete of a failed adoption's id naming a live resource's profile, as a late delivery
    /// brings it: the very Delete CloudFormation sent after this resource's failed adoption of the
    /// profile, when there was one, else one naming a request that never adopted it. The resource
    /// holds the profile under another request's marker: SUCCESS, nothing written.
    async fn late_failed_adoption_delete(&mut self) {
        let live: Vec<(usize, String, Template)> = (0..self.resources.len())
            .filter_map(|i| match &self.resources[i].state {
                State::Live {
                    physical, template, ..
                } => Some((i, physical.clone(), template.clone())),
                _ => None,
            })
            .collect();
        let Some(rng) = self.ownership.late.as_mut() else {
            return;
        };
        if live.is_empty() {
            return;
        }
        let (i, physical, template) = live[rng.below(live.len())].clone();
        let logical = self.resources[i].logical;
        self.ownership.late_sent += 1;
        let numbered = format!(
            "{:08x}-{:04x}-4000-9000-{:012}",
            self.seed, 0xf1, self.ownership.late_sent
        );
        let replayed = self
            .ownership
            .failed_adoptions
            .iter()
            .rev()
            .find(|f| f.logical == logical && f.arn == physical)
            .cloned();
        let (adopter, template, count) = match replayed {
            Some(failed) => (
                failed.request_id,
                failed.template,
                "ownership: failed adoption's Delete delivered again, profile adopted since",
            ),
            None => (
                numbered.clone(),
                template,
                "ownership: failed adoption's Delete naming the resource's own profile",
            ),
        };
        let id = failed_adoption_id(&adopter, &physical);
        let event = self.event_as(
            &numbered,
            "Delete",
            logical,
            template.properties(),
            Some(&id),
            None,
        );
        let first = self.world.connect.calls().len();
        let before = self.world.connect.profiles();
        let answer = self.send(event, &Faults::default()).await;
        self.counts.bump(count);
        assert_eq!(answer.status, "SUCCESS", "{}", answer.reason);
        assert_eq!(answer.physical, id);
        let writes = self.writes_since(first);
        assert!(
            writes.is_empty(),
            "a late failed-adoption Delete of {physical} wrote {writes:?}"
        );
        assert_eq!(
            self.world.connect.profiles(),
            before,
            "a late failed-adoption Delete changed a profile"
        );
    }

    /// A request of this class, numbered apart from the schedule's own requests, so that theirs
    /// keep their RequestIds.
    fn own_event(
        &mut self,
        kind: &str,
        logical: &str,
        props: Value,
        physical: &str,
        old: Option<Value>,
    ) -> Value {
        self.ownership.forged += 1;
        let request_id = format!(
            "{:08x}-{:04x}-4000-9000-{:012}",
            self.seed, 0xf0, self.ownership.forged
        );
        self.event_as(&request_id, kind, logical, props, Some(physical), old)
    }

    async fn forge(&mut self) {
        let Some(rng) = self.own() else {
            return;
        };
        let i = rng.below(LOGICAL_IDS.len());
        let logical = LOGICAL_IDS[i];
        let stack_id = self.stack_id.clone();
        let targets: Vec<Profile> = self
            .world
            .connect
            .profiles()
            .into_iter()
            .filter(|p| {
                p.tags.get(OWNER_STACK_TAG) != Some(&stack_id)
                    || p.tags.get(OWNER_LOGICAL_ID_TAG).map(String::as_str) != Some(logical)
            })
            .collect();
        let Some(rng) = self.ownership.rng.as_mut() else {
            return;
        };
        if targets.is_empty() {
            return;
        }
        let target = targets[rng.below(targets.len())].clone();
        let update = rng.percent(50);
        let instance = rng.below(2);
        let mut template = rng.template(instance, format!("{logical} forged"));
        let as_adoption = rng.percent(30);
        let faults = if rng.percent(30) {
            let (likely, all) = if update {
                (UPDATE_OPS, UPDATE_OPS)
            } else {
                (DELETE_OPS, DELETE_OPS)
            };
            draw_faults(rng, &mut self.counts, likely, all)
        } else {
            Faults::default()
        };
        let first = self.world.connect.calls().len();
        let before = self.world.connect.profiles();
        if update {
            template.adopt = Some(true);
            let event = self.own_event(
                "Update",
                logical,
                template.properties(),
                &target.arn,
                Some(template.properties()),
            );
            let answer = self.send(event, &faults).await;
            self.counts.bump("ownership: forged Updates");
            assert_eq!(
                answer.status, "FAILED",
                "a forged Update of {} succeeded",
                target.arn
            );
            assert_eq!(answer.physical, target.arn);
            if faults.absorbed() {
                assert!(
                    answer.reason.starts_with(&format!(
                        "Routing profile {} is not this resource's",
                        target.arn
                    )),
                    "{}",
                    answer.reason
                );
            }
        } else {
            let physical = if as_adoption {
                // The request its marker names, if any: the forged Delete names the very
                // adoption, of another resource, that holds the profile.
                let request = target
                    .tags
                    .get(OWNER_REQUEST_TAG)
                    .map_or("forged", |r| r.trim_start_matches("adopted:"));
                failed_adoption_id(request, &target.arn)
            } else {
                target.arn.clone()
            };
            let event = self.own_event("Delete", logical, template.properties(), &physical, None);
            let answer = self.send(event, &faults).await;
            self.counts.bump("ownership: forged Deletes");
            assert_eq!(answer.physical, physical);
            assert!(
                answer.status == "SUCCESS" || !faults.absorbed(),
                "a forged Delete FAILED although the SDK's retries absorb its faults: {}",
                answer.reason
            );
        }
        let writes = self.writes_since(first);
        assert!(
            writes.is_empty(),
            "a forged request on {} ({:?}) wrote {writes:?}",
            target.arn,
            target.name
        );
        assert_eq!(
            self.world.connect.profiles(),
            before,
            "a forged request changed a profile"
        );
    }

    /// An Update of a live resource whose only change is `AdoptExisting`: SUCCESS, the same id,
    /// no write (without faults).
    async fn flip_adopt_existing(&mut self) {
        let live: Vec<usize> = (0..self.resources.len())
            .filter(|&i| matches!(self.resources[i].state, State::Live { .. }))
            .collect();
        let Some(rng) = self.own() else {
            return;
        };
        if live.is_empty() {
            return;
        }
        let i = live[rng.below(live.len())];
        let State::Live {
            physical,
            template,
            made_by,
        } = self.resources[i].state.clone()
        else {
            return;
        };
        let mut next = template.clone();
        next.adopt = match template.adopt {
            Some(true) => Some(false),
            _ => Some(true),
        };
        let logical = self.resources[i].logical;
        let event = self.own_event(
            "Update",
            logical,
            next.properties(),
            &physical,
            Some(template.properties()),
        );
        let first = self.world.connect.calls().len();
        let answer = self.send(event, &Faults::default()).await;
        self.counts.bump("ownership: AdoptExisting changed alone");
        assert_eq!(answer.status, "SUCCESS", "{}", answer.reason);
        assert_eq!(answer.physical, physical, "never a replacement");
        let writes = self.writes_since(first);
        assert!(writes.is_empty(), "AdoptExisting alone wrote {writes:?}");
        self.resources[i].state = State::Live {
            physical,
            template: next,
            made_by,
        };
    }
}
