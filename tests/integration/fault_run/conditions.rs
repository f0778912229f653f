//! Connect's conditions for a whole schedule, two classes of their own (see [`CLASSES`]): reads
//! that lag writes (the emulator's read lag, the same for every change or drawn anew for each), and
//! Connect's throttling quotas, a token bucket per operation (reads given more than writes, as the
//! Service Quotas console shows for some Describe and List operations). Both hold from the first
//! request to the last: the next request, the rollback right after a failure and the Delete right
//! after a failed Create all meet what the one before left.
//!
//! Times are scaled to the run's short deadlines, as the client's are ([`TUNING`]). A lag of 20 ms
//! to 300 ms against invocations of 1.2 s and 2.5 s: a Create of more than 10 queues waits one lag
//! for its profile to show and another for its associations, and both fit the shorter invocation
//! with room for its calls, as Connect's "seconds" fit Lambda's 300 s many times over. (Lags of up
//! to 600 ms made such a Create run out of time before it could read its writes back, and the
//! request after it plan from a read that did not show them: a limitation the README states, not
//! what this class is for.) The client reads again for [`LAGGING_WINDOW`] beyond the longest lag the
//! schedule draws, so that reading again can always outlast the lag (a window shorter than the lag
//! would test nothing but the window). Lambda's retry after an invocation error, and a console
//! edit, come a lag after the last request (`request.rs`, `schedule.rs`): they come a minute or
//! more later in an account. Under quotas the client retries as the function does, until the
//! deadline (its attempts unbounded in practice); the buckets let every request's calls through
//! well within its deadline, so throttling by the quotas alone must never fail a request.

use super::*;

use connect_emulator::connect::ReadLag;
use routing_profile_resource::connect::ReadAgain;

/// The lag's share of schedules.
const LAG_SHARE: usize = 35;
/// The quotas' share of schedules.
const QUOTA_SHARE: usize = 30;

/// The shortest and longest lag a schedule draws.
const LAG_RANGE: (u64, u64) = (20, 300);
/// How much longer than the schedule's longest lag the client reads again.
const LAGGING_WINDOW: Duration = Duration::from_millis(300);

/// A class of events or faults that draws from a stream of its own: a new one leaves every choice
/// the schedule's stream and the other classes' streams make for a seed as it was.
pub(super) struct Class {
    /// The stream's name.
    pub(super) name: &'static str,
    /// The share of schedules that have the class, in percent.
    pub(super) share: usize,
}

/// The classes, by weight. `ownership` is drawn in `ownership.rs`.
pub(super) const CLASSES: [Class; 3] = [
    Class {
        name: "ownership",
        share: 60,
    },
    Class {
        name: "read lag",
        share: LAG_SHARE,
    },
    Class {
        name: "operation quotas",
        share: QUOTA_SHARE,
    },
];

impl Class {
    /// The class called `name`.
    pub(super) fn named(name: &str) -> &'static Class {
        CLASSES
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no class {name}"))
    }

    /// Whether schedule `seed` has the class (its stream's first draw), and the stream after it.
    pub(super) fn draw(&self, seed: u64) -> (bool, Rng) {
        let mut rng = Rng::stream(seed, self.name);
        (rng.percent(self.share), rng)
    }
}

/// The quotas of a schedule: a bucket per operation, reads given their own rate.
#[derive(Clone, Copy, Debug)]
pub(super) struct Quotas {
    writes: RateLimit,
    reads: RateLimit,
}

/// What Connect is like for one schedule.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Conditions {
    pub(super) lag: Option<ReadLag>,
    pub(super) quotas: Option<Quotas>,
}

/// The operations the Service Quotas console gives a higher rate.
const READS: [&str; 4] = [
    "DescribeRoutingProfile",
    "ListRoutingProfiles",
    "ListRoutingProfileQueues",
    "ListRoutingProfileManualAssignmentQueues",
];

impl Conditions {
    /// The conditions of schedule `seed`, each from its class's stream.
    pub(super) fn draw(seed: u64) -> Conditions {
        let (lagging, mut rng) = Class::named("read lag").draw(seed);
        let lag = lagging.then(|| {
            let (lo, hi) = LAG_RANGE;
            if rng.percent(50) {
                ReadLag::fixed(Duration::from_millis(rng.range(lo as i64, hi as i64) as u64))
            } else {
                let min = rng.range(0, (lo * 2) as i64) as u64;
                let max = rng.range((min + lo) as i64, hi as i64) as u64;
                ReadLag {
                    min: Duration::from_millis(min),
                    max: Duration::from_millis(max),
                    seed,
                }
            }
        });
        let (throttled, mut rng) = Class::named("operation quotas").draw(seed);
        let quotas = throttled.then(|| {
            let per_second = rng.range(40, 120) as f64;
            let burst = rng.range(2, 5) as u32;
            Quotas {
                writes: RateLimit { per_second, burst },
                reads: RateLimit {
                    per_second: per_second * 5.0,
                    burst: burst * 2,
                },
            }
        });
        Conditions { lag, quotas }
    }

    /// How the schedule's clients retry: as the function does under quotas (until the deadline),
    /// else with the few attempts a fault can outlast.
    pub(super) fn tuning(&self) -> Tuning {
        match self.quotas {
            Some(_) => Tuning {
                max_attempts: 1000,
                ..TUNING
            },
            None => TUNING,
        }
    }

    /// How the schedule's clients read again: beyond the longest lag when reads lag.
    pub(super) fn read_again(&self) -> ReadAgain {
        match self.lag {
            Some(lag) => ReadAgain {
                window: lag.max.max(lag.min) + LAGGING_WINDOW,
                first_wait: Duration::from_millis(20),
                max_wait: Duration::from_millis(100),
            },
            None => crate::world::QUICK_READ_AGAIN,
        }
    }

    /// Sets them on the emulator, after the schedule's setup.
    pub(super) fn apply(&self, emulator: &ConnectEmulator) {
        emulator.set_read_lag_range(self.lag);
        self.restore_quotas(emulator);
    }

    /// Sets the schedule's quotas again (full buckets) after a request that had a rate limit of
    /// its own.
    pub(super) fn restore_quotas(&self, emulator: &ConnectEmulator) {
        emulator.set_rate_limit(self.quotas.map(|q| q.writes));
        if let Some(quotas) = self.quotas {
            for read in READS {
                emulator.set_operation_rate_limit(read, quotas.reads);
            }
        }
    }

    /// What the log says of them.
    pub(super) fn describe(&self) -> String {
        let lag = match self.lag {
            None => "no read lag".to_string(),
            Some(l) if l.min == l.max => format!("read lag {} ms", l.min.as_millis()),
            Some(l) => format!("read lag {}-{} ms", l.min.as_millis(), l.max.as_millis()),
        };
        let quotas = match self.quotas {
            None => "no quotas".to_string(),
            Some(q) => format!(
                "quotas {}/s burst {} (reads {}/s burst {})",
                q.writes.per_second, q.writes.burst, q.reads.per_second, q.reads.burst
            ),
        };
        format!("{lag}, {quotas}")
    }

    /// Tallies them.
    pub(super) fn count(&self, counts: &mut Counts) {
        match self.lag {
            Some(l) if l.min == l.max => counts.bump("conditions: read lag, fixed"),
            Some(_) => counts.bump("conditions: read lag, uneven"),
            None => {}
        }
        if self.quotas.is_some() {
            counts.bump("conditions: per-operation quotas");
        }
    }

    /// The longest a change takes to reach reads.
    pub(super) fn longest_lag(&self) -> Duration {
        self.lag.map_or(Duration::ZERO, |l| l.max.max(l.min))
    }
}

impl Schedule {
    /// Tallies what the conditions did to the calls since `first`: answers of a profile not shown
    /// yet, and calls the quotas throttled.
    pub(super) fn count_conditions(&mut self, first: usize) {
        let calls = self.world.connect.calls();
        let calls = &calls[first..];
        if self.conditions.lag.is_some() {
            let not_shown = calls.iter().filter(|c| c.status == 404).count();
            self.counts.add_n(
                "conditions: calls answered 404 in schedules whose reads lag",
                not_shown as u64,
            );
        }
        if self.conditions.quotas.is_some() {
            let throttled = calls.iter().filter(|c| c.status == 429).count();
            self.counts.add_n(
                "conditions: calls answered 429 in schedules with quotas",
                throttled as u64,
            );
        }
    }
}
