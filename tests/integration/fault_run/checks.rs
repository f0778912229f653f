//! The checks after every request and stack operation.

use super::*;

impl Schedule {
    /// Records the profile a FAILED answer says it left behind with its request's marker.
    pub(super) fn note_left_behind(&mut self, request_id: &str, answer: &Answer) {
        let released = answer.reason.contains("could not be released");
        let marker = if released {
            format!("adopted:{request_id}")
        } else {
            request_id.to_string()
        };
        let tag = format!("{OWNER_REQUEST_TAG}={marker}");
        if answer.status == "FAILED" && (answer.reason.contains("could not be removed") || released)
        {
            assert!(
                answer.reason.contains(&tag),
                "a profile left behind is named with its marker: {}",
                answer.reason
            );
            self.counts
                .bump("replacement profiles left behind and named in the Reason");
            self.told.insert(request_id.to_string());
            self.protect(
                |p| p.tags.get(OWNER_REQUEST_TAG) == Some(&marker),
                "left behind by a failed replacement and named in its Reason",
            );
        }
    }

    /// Records the profiles a Delete that answered SUCCESS was to release while Connect refused its
    /// last UntagResource: kept, with this stack's marker (the function logs them).
    pub(super) fn note_marker_kept(&mut self, first: usize, answer: &Answer) {
        if answer.status != "SUCCESS" || answer.request["RequestType"] != "Delete" {
            return;
        }
        let calls = self.world.connect.calls();
        for profile in self.world.connect.profiles() {
            let last = calls[first..]
                .iter()
                .rev()
                .find(|c| c.operation == "UntagResource" && c.path.contains(&profile.id));
            if last.is_some_and(|c| c.status != 200)
                && profile.tags.get(OWNER_STACK_TAG) == Some(&self.stack_id)
            {
                self.counts
                    .bump("ownership: markers kept, UntagResource refused to a Delete");
                self.marker_kept.insert(profile.arn);
            }
        }
    }

    /// From now on no request may write or delete the profiles `which` picks: CloudFormation no
    /// longer knows of them.
    pub(super) fn protect(&mut self, which: impl Fn(&Profile) -> bool, why: &'static str) {
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
    /// On a loaded machine an attempt may outlast the client's 300 ms attempt timeout after Connect
    /// carried it out: its retry, the same call again after one that succeeded, is such a loss too.
    pub(super) fn check_calls(&mut self, first: usize, faults: &Faults, request_id: &str) {
        let calls = self.world.connect.calls();
        for (i, call) in calls.iter().enumerate().skip(first) {
            assert_ne!(call.operation, "UnknownOperation", "{call:?}");
            if call.status == 400 {
                let timed_out = calls[first..i].iter().any(|earlier| {
                    earlier.status == 200
                        && earlier.operation == call.operation
                        && earlier.path == call.path
                        && earlier.request == call.request
                });
                assert!(
                    faults.lost.contains(call.operation.as_str()) || timed_out,
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
    pub(super) fn count_hits(&mut self, first: usize, faults: &Faults) {
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
    pub(super) fn expect_profile(
        &self,
        physical: &str,
        template: &Template,
        marker: &Marker,
        when: &str,
    ) {
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

    pub(super) fn expect_gone(&self, physical: &str) {
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
    pub(super) async fn check(&mut self) {
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
        // Profiles that a request was to adopt and does not hold are protected again first: they
        // are no orphans of this stack, whatever marker they kept.
        self.check_watched();
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
    pub(super) fn check_end(&mut self) {
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
    pub(super) fn made_by_this_stack(&self) -> Vec<Profile> {
        self.world
            .connect
            .profiles()
            .into_iter()
            .filter(|p| p.tags.get(OWNER_STACK_TAG) == Some(&self.stack_id))
            .filter(|p| !self.protected.iter().any(|o| o.profile.id == p.id))
            .collect()
    }

    pub(super) fn accounted(&self, profile: &Profile, end: bool) -> bool {
        let request = profile
            .tags
            .get(OWNER_REQUEST_TAG)
            .map(|r| r.trim_start_matches("adopted:").to_string())
            .unwrap_or_default();
        let known = self.resources.iter().any(|r| match &r.state {
            State::Absent => false,
            State::Live { physical, .. } => !end && *physical == profile.arn,
            State::DeleteFailed { physical, .. } => {
                !end && (*physical == profile.arn
                    || *physical == format!("failed-create-{request}")
                    || *physical == failed_adoption_id(&request, &profile.arn))
            }
        });
        known
            || self.told.contains(&request)
            || self.kept.contains(&profile.arn)
            || self.marker_kept.contains(&profile.arn)
            || self.in_use.contains(&profile.arn)
    }
}
