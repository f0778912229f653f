//! The emulated account in memory: instances, their queues and profiles, and the call log, the
//! scripted faults and the rate limit every request passes through.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::error::{ApiResult, not_found};
use super::handle::{Call, Fault, Profile, RateLimit};

/// The state behind every clone of one emulator's handle.
#[derive(Default)]
pub(super) struct Shared {
    state: Mutex<State>,
    /// Counts requests for `x-amzn-RequestId`, outside the lock.
    pub(super) request_ids: AtomicU64,
}

impl Shared {
    /// The state; a test that panicked while holding it does not take the others down with it.
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
pub(super) struct State {
    pub(super) instances: BTreeMap<String, Instance>,
    pub(super) calls: Vec<Call>,
    pub(super) faults: Vec<Injected>,
    /// The request rate quotas, one token bucket per operation, when a test set them.
    pub(super) quotas: Option<Quotas>,
    /// Profiles created so far; the Nth gets an ID ending in N.
    pub(super) next_id: u64,
    /// The queues-per-profile quota when a test set one (else the table's default).
    pub(super) queue_quota: Option<usize>,
}

impl State {
    /// The instance with this ID, or Connect's not-found error.
    pub(super) fn instance(&mut self, id: &str) -> ApiResult<&mut Instance> {
        self.instances
            .get_mut(id)
            .ok_or_else(|| not_found(format!("Instance not found: {id}")))
    }

    /// The fault scripted for the next call of `operation`, if any, used up by one.
    pub(super) fn take_fault(&mut self, operation: &str) -> Option<Fault> {
        let fault = self
            .faults
            .iter_mut()
            .find(|f| f.remaining > 0 && (f.operation == "*" || f.operation == operation))
            .map(|f| {
                f.remaining -= 1;
                f.fault.clone()
            });
        self.faults.retain(|f| f.remaining > 0);
        fault
    }
}

#[derive(Default)]
pub(super) struct Instance {
    /// Queue ID to name.
    pub(super) queues: BTreeMap<String, String>,
    /// Profile ID to profile.
    pub(super) profiles: BTreeMap<String, Stored>,
}

impl Instance {
    /// Not found unless the queue belongs to this instance.
    pub(super) fn require_queue(&self, instance_id: &str, queue_id: &str) -> ApiResult<()> {
        if self.queues.contains_key(queue_id) {
            Ok(())
        } else {
            Err(not_found(format!(
                "Queue not found: {queue_id} in instance {instance_id}"
            )))
        }
    }

    /// The profile with this ID, or Connect's not-found error.
    pub(super) fn profile_mut(&mut self, instance_id: &str, id: &str) -> ApiResult<&mut Stored> {
        self.profiles.get_mut(id).ok_or_else(|| {
            not_found(format!(
                "RoutingProfile not found: {id} in instance {instance_id}"
            ))
        })
    }
}

/// A profile and when it last changed, which the list calls report.
pub(super) struct Stored {
    pub(super) profile: Profile,
    /// Epoch seconds.
    pub(super) modified: f64,
}

impl Stored {
    /// Records a change now.
    pub(super) fn touch(&mut self) {
        self.modified = now_epoch();
    }
}

pub(super) struct Injected {
    pub(super) operation: String,
    pub(super) fault: Fault,
    pub(super) remaining: usize,
}

/// Connect's API throttling quotas: every operation has a bucket of its own, per account and
/// Region, so a burst of Creates does not throttle the Deletes (the admin guide's "API throttling
/// quotas").
pub(super) struct Quotas {
    /// The limit of every operation without one of its own.
    pub(super) default: RateLimit,
    /// Limits set for one operation (say DescribeRoutingProfile's 10/s in some accounts).
    pub(super) overrides: BTreeMap<String, RateLimit>,
    /// Each operation's bucket, made full on its first call.
    pub(super) buckets: BTreeMap<&'static str, Bucket>,
}

impl Quotas {
    /// Takes a token from `operation`'s bucket; false when it is empty (the call is throttled).
    pub(super) fn take(&mut self, operation: &'static str) -> bool {
        let limit = self
            .overrides
            .get(operation)
            .copied()
            .unwrap_or(self.default);
        self.buckets
            .entry(operation)
            .or_insert_with(|| Bucket::full(limit))
            .take()
    }
}

pub(super) struct Bucket {
    pub(super) limit: RateLimit,
    pub(super) tokens: f64,
    pub(super) refilled: Instant,
}

impl Bucket {
    /// A bucket holding its whole burst.
    pub(super) fn full(limit: RateLimit) -> Bucket {
        Bucket {
            limit,
            tokens: f64::from(limit.burst),
            refilled: Instant::now(),
        }
    }

    /// Takes a token if one has accumulated.
    pub(super) fn take(&mut self) -> bool {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens =
            (self.tokens + elapsed * self.limit.per_second).min(f64::from(self.limit.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Seconds since the epoch, with milliseconds, as Connect's timestamps travel.
pub(super) fn now_epoch() -> f64 {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    millis as f64 / 1000.0
}
