//! The emulated account in memory: instances, their queues and profiles, and the call log, the
//! scripted faults, the rate limit and the read lag every request passes through. Writes change
//! the account only here, one [`Change`] per call.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::error::{ApiError, ApiResult, not_found};
use super::lag::Lag;
use super::types::{Call, Fault, Profile, RateLimit};

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
    /// The account as it is: what writes act on.
    pub(super) account: Account,
    pub(super) calls: Vec<Call>,
    pub(super) faults: Vec<Injected>,
    /// The request rate quotas, one token bucket per operation, when a test set them.
    pub(super) quotas: Option<Quotas>,
    /// The read lag when a test set one, with the changes reads do not all see yet.
    pub(super) lag: Option<Lag<Stored>>,
}

impl State {
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

    /// Forgets the history no read can see any more.
    pub(super) fn settle(&mut self, now: Instant) {
        if let Some(lag) = self.lag.as_mut() {
            lag.settle(now);
        }
    }

    /// Carries out a write's one change, made `now`; under a read lag, records it for reads.
    pub(super) fn apply(&mut self, change: Change, now: Instant) {
        let (instance_id, profile_id, after) = match change {
            Change::Create(stored) => {
                self.account.next_id += 1;
                let p = &stored.profile;
                (p.instance_id.clone(), p.id.clone(), Some(stored))
            }
            Change::Update(stored) => {
                let p = &stored.profile;
                (p.instance_id.clone(), p.id.clone(), Some(stored))
            }
            Change::Delete {
                instance_id,
                profile_id,
            } => (instance_id, profile_id, None),
        };
        // Copies only while a lag is set: without one a write costs what it did before lag.
        let recorded = self.lag.is_some().then(|| after.clone());
        let profiles = &mut self
            .account
            .instances
            .entry(instance_id.clone())
            .or_default()
            .profiles;
        let before = match after {
            Some(stored) => profiles.insert(profile_id.clone(), stored),
            None => profiles.remove(&profile_id),
        };
        if let (Some(lag), Some(after)) = (self.lag.as_mut(), recorded) {
            lag.record(&instance_id, &profile_id, before, after, now);
        }
    }
}

/// The one change a write makes, made only when the whole call has passed every check: a call
/// is carried out entirely or not at all.
pub(super) enum Change {
    /// A new profile, which takes the account's next ID.
    Create(Stored),
    /// A profile's value after the call.
    Update(Stored),
    /// A profile removed.
    Delete {
        instance_id: String,
        profile_id: String,
    },
}

/// What the API acts on: instances with their queues and profiles, and the account's counters
/// and quotas.
#[derive(Default)]
pub(super) struct Account {
    pub(super) instances: BTreeMap<String, Instance>,
    /// Profiles created so far; the Nth gets an ID ending in N.
    pub(super) next_id: u64,
    /// The queues-per-profile quota when a test set one (else the table's default).
    pub(super) queue_quota: Option<usize>,
}

impl Account {
    /// The instance with this ID, or Connect's not-found error.
    pub(super) fn instance(&self, id: &str) -> ApiResult<&Instance> {
        self.instances
            .get(id)
            .ok_or_else(|| not_found(format!("Instance not found: {id}")))
    }

    /// The ID the next profile created gets.
    pub(super) fn next_profile_id(&self) -> String {
        profile_id(self.next_id + 1)
    }
}

/// The ID of the Nth profile made.
pub(super) fn profile_id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

#[derive(Default)]
pub(super) struct Instance {
    /// Queue ID to name.
    pub(super) queues: BTreeMap<String, String>,
    /// Profile ID to profile, as they are.
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
}

/// Connect's answer for a profile a call names that is not there (or not yet, under read lag).
pub(super) fn profile_not_found(instance_id: &str, id: &str) -> ApiError {
    not_found(format!(
        "RoutingProfile not found: {id} in instance {instance_id}"
    ))
}

/// A profile and when it last changed, which the list calls report.
#[derive(Clone)]
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
