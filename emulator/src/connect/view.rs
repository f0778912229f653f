//! What an operation sees of the account. Both views are read-only, so no operation can change
//! the state by mistake: reads answer from a [`ReadView`], and writes compute their one
//! [`Change`](super::state::Change) from a [`WriteView`] and hand it back to be applied.
//!
//! Without a read lag both see the account as it is. Under one, a read sees each profile as its
//! newest change that has reached reads left it (a profile deleted a moment ago still shows, one
//! created a moment ago does not yet), and a write sees the account as it is, except that a
//! profile whose creation has not reached reads yet is unknown to it too.

use std::time::Instant;

use super::error::ApiResult;
use super::lag::Lag;
use super::state::{Account, Instance, Stored, profile_not_found};

/// The account, the read lag and the instant a call is made: what both views are made of.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    account: &'a Account,
    lag: Option<&'a Lag<Stored>>,
    now: Instant,
}

impl<'a> At<'a> {
    /// The account and lag as a call made `now` meets them.
    pub(super) fn new(account: &'a Account, lag: Option<&'a Lag<Stored>>, now: Instant) -> Self {
        At { account, lag, now }
    }

    /// What a read sees.
    pub(super) fn reads(self) -> ReadView<'a> {
        ReadView(self)
    }

    /// What a write sees.
    pub(super) fn writes(self) -> WriteView<'a> {
        WriteView(self)
    }

    /// What reads see of a profile that is `current` in the account.
    fn seen(&self, instance_id: &str, id: &str, current: Option<&'a Stored>) -> Option<&'a Stored> {
        match self.lag {
            Some(lag) => lag.seen(instance_id, id, current, self.now),
            None => current,
        }
    }
}

/// The account as reads see it at one instant.
pub(super) struct ReadView<'a>(At<'a>);

impl<'a> ReadView<'a> {
    /// The name of a queue of an instance that exists.
    pub(super) fn queue_name(&self, instance_id: &str, queue_id: &str) -> Option<&'a str> {
        let instance = self.0.account.instances.get(instance_id)?;
        instance.queues.get(queue_id).map(String::as_str)
    }

    /// The profile as reads see it, or Connect's not-found error.
    pub(super) fn profile(&self, instance_id: &str, id: &str) -> ApiResult<&'a Stored> {
        let instance = self.0.account.instance(instance_id)?;
        self.0
            .seen(instance_id, id, instance.profiles.get(id))
            .ok_or_else(|| profile_not_found(instance_id, id))
    }

    /// Every profile of the instance reads see, in no particular order.
    pub(super) fn profiles(&self, instance_id: &str) -> ApiResult<Vec<&'a Stored>> {
        let instance = self.0.account.instance(instance_id)?;
        let current = instance
            .profiles
            .iter()
            .map(|(id, s)| (id.as_str(), Some(s)));
        // Deleted but still seen: only the lag's history knows them.
        let deleted = self
            .0
            .lag
            .into_iter()
            .flat_map(|lag| lag.pending(instance_id))
            .filter(|id| !instance.profiles.contains_key(*id))
            .map(|id| (id, None));
        Ok(current
            .chain(deleted)
            .filter_map(|(id, stored)| self.0.seen(instance_id, id, stored))
            .collect())
    }
}

/// The account as writes see it at one instant: as it is, but for profiles not yet created as far
/// as reads know.
pub(super) struct WriteView<'a>(At<'a>);

impl<'a> WriteView<'a> {
    /// The account as it is: its counters and quotas.
    pub(super) fn account(&self) -> &'a Account {
        self.0.account
    }

    /// The instance as it is: its queues, and every profile's name (a name is taken as soon as a
    /// Create of it succeeds). Look profiles up with [`profile`](Self::profile).
    pub(super) fn instance(&self, id: &str) -> ApiResult<&'a Instance> {
        self.0.account.instance(id)
    }

    /// The profile as it is, or Connect's not-found error, also while its creation has not
    /// reached reads (Connect's documented answer to a call made right after a create).
    pub(super) fn profile(&self, instance_id: &str, id: &str) -> ApiResult<&'a Stored> {
        let current = self.0.account.instance(instance_id)?.profiles.get(id);
        // Only a create not yet propagated hides a profile that exists.
        let propagated = self.0.seen(instance_id, id, current).is_some();
        current
            .filter(|_| propagated)
            .ok_or_else(|| profile_not_found(instance_id, id))
    }
}
