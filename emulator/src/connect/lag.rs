//! Reads that lag writes, as Connect documents ("Eventual consistency in the Amazon Connect API"):
//! each change to a profile reaches reads some time after it was made.
//!
//! The history is kept only while a lag is set, and only for the profiles with a change that some
//! read may not see yet: a profile whose last change has reached reads has no history, and reads
//! see it as it is. Each entry of a profile's history is its whole value after one change (`None`
//! once deleted), with the instant reads begin to see it; a read sees the newest entry that has
//! reached it. Under uneven lag a later change may arrive before an earlier one: the read then
//! sees the later one, and the earlier one is never shown (a replica that got the later write).
//!
//! Generic over the value kept, so that this module needs nothing of the state it serves.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::types::ReadLag;

/// One profile's value after one change, and when reads begin to see it.
struct Version<V> {
    visible_at: Instant,
    value: Option<V>,
}

/// The read lag in force and the changes reads do not all see yet, by instance and profile ID.
pub(super) struct Lag<V> {
    setting: ReadLag,
    /// The state of the generator that draws each change's lag (splitmix64).
    draws: u64,
    history: BTreeMap<String, BTreeMap<String, Vec<Version<V>>>>,
}

impl<V: Clone> Lag<V> {
    /// A lag with no change pending.
    pub(super) fn new(setting: ReadLag) -> Lag<V> {
        Lag {
            setting,
            draws: setting.seed,
            history: BTreeMap::new(),
        }
    }

    /// Changes the lag of the changes to come; those already made keep theirs.
    pub(super) fn set(&mut self, setting: ReadLag) {
        self.setting = setting;
        self.draws = setting.seed;
    }

    /// Records a change made `now`: the profile was `before` and is `after` (`None`: absent).
    pub(super) fn record(
        &mut self,
        instance_id: &str,
        profile_id: &str,
        before: Option<V>,
        after: Option<V>,
        now: Instant,
    ) {
        let delay = self.draw();
        let versions = self
            .history
            .entry(instance_id.to_string())
            .or_default()
            .entry(profile_id.to_string())
            .or_default();
        if versions.is_empty() {
            // What reads saw until now, which they keep seeing until the change reaches them.
            versions.push(Version {
                visible_at: now,
                value: before,
            });
        }
        versions.push(Version {
            visible_at: now + delay,
            value: after,
        });
    }

    /// What a read at `now` sees of a profile that is `current` in the state.
    pub(super) fn seen<'a>(
        &'a self,
        instance_id: &str,
        profile_id: &str,
        current: Option<&'a V>,
        now: Instant,
    ) -> Option<&'a V> {
        let Some(versions) = self.versions(instance_id, profile_id) else {
            return current;
        };
        versions
            .iter()
            .rev()
            .find(|v| v.visible_at <= now)
            .and_then(|v| v.value.as_ref())
    }

    /// The profiles of an instance with a change pending, deleted ones included.
    pub(super) fn pending(&self, instance_id: &str) -> impl Iterator<Item = &str> {
        self.history
            .get(instance_id)
            .into_iter()
            .flat_map(|profiles| profiles.keys().map(String::as_str))
    }

    /// Applies a change made outside the API (a test's) to every value reads may still see, so
    /// that reads see it at once.
    pub(super) fn patch(&mut self, instance_id: &str, profile_id: &str, edit: impl Fn(&mut V)) {
        let versions = self
            .history
            .get_mut(instance_id)
            .and_then(|profiles| profiles.get_mut(profile_id));
        for value in versions
            .into_iter()
            .flatten()
            .filter_map(|v| v.value.as_mut())
        {
            edit(value);
        }
    }

    /// Forgets what no read can see any more: every entry older than the newest one that has
    /// reached reads, and a profile's whole history once its last change has.
    pub(super) fn settle(&mut self, now: Instant) {
        for profiles in self.history.values_mut() {
            profiles.retain(|_, versions| {
                let newest_seen = versions.iter().rposition(|v| v.visible_at <= now);
                if let Some(i) = newest_seen {
                    versions.drain(..i);
                }
                versions.len() > 1
            });
        }
        self.history.retain(|_, profiles| !profiles.is_empty());
    }

    fn versions(&self, instance_id: &str, profile_id: &str) -> Option<&Vec<Version<V>>> {
        self.history.get(instance_id)?.get(profile_id)
    }

    /// The next change's lag: `min`, or uniform between `min` and `max`.
    fn draw(&mut self) -> Duration {
        let ReadLag { min, max, .. } = self.setting;
        if max <= min {
            return min;
        }
        // splitmix64: tiny, seedable, and good enough to spread delays.
        self.draws = self.draws.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.draws;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        min + (max - min).mul_f64(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn fixed(lag: Duration) -> Lag<&'static str> {
        Lag::new(ReadLag::fixed(lag))
    }

    #[test]
    fn a_change_reaches_reads_after_the_lag() {
        let mut lag = fixed(100 * MS);
        let t = Instant::now();
        lag.record("i", "p", None, Some("v1"), t);
        assert_eq!(
            lag.seen("i", "p", Some(&"v1"), t),
            None,
            "created, not yet seen"
        );
        assert_eq!(lag.seen("i", "p", Some(&"v1"), t + 99 * MS), None);
        assert_eq!(lag.seen("i", "p", Some(&"v1"), t + 100 * MS), Some(&"v1"));

        lag.record("i", "p", Some("v1"), Some("v2"), t + 100 * MS);
        lag.record("i", "p", Some("v2"), None, t + 150 * MS);
        assert_eq!(lag.seen("i", "p", None, t + 199 * MS), Some(&"v1"));
        assert_eq!(lag.seen("i", "p", None, t + 200 * MS), Some(&"v2"));
        assert_eq!(
            lag.seen("i", "p", None, t + 249 * MS),
            Some(&"v2"),
            "deleted, still seen"
        );
        assert_eq!(lag.seen("i", "p", None, t + 250 * MS), None);
        assert_eq!(
            lag.seen("i", "q", Some(&"untouched"), t),
            Some(&"untouched")
        );
    }

    #[test]
    fn settling_keeps_only_what_a_read_may_still_see() {
        let mut lag = fixed(100 * MS);
        let t = Instant::now();
        lag.record("i", "p", None, Some("v1"), t);
        lag.record("i", "p", Some("v1"), Some("v2"), t + 50 * MS);
        lag.settle(t + 120 * MS);
        assert_eq!(lag.versions("i", "p").map(Vec::len), Some(2));
        assert_eq!(lag.seen("i", "p", Some(&"v2"), t + 120 * MS), Some(&"v1"));
        assert_eq!(lag.pending("i").collect::<Vec<_>>(), ["p"]);
        lag.settle(t + 150 * MS);
        assert!(lag.history.is_empty(), "every change has reached reads");
        assert_eq!(lag.seen("i", "p", Some(&"v2"), t + 150 * MS), Some(&"v2"));
    }

    #[test]
    fn uneven_lag_shows_the_newest_change_that_arrived() {
        let mut lag: Lag<u32> = Lag::new(ReadLag {
            min: Duration::ZERO,
            max: Duration::from_secs(10),
            seed: 7,
        });
        let t = Instant::now();
        lag.record("i", "p", None, Some(0), t);
        for n in 1..50 {
            lag.record("i", "p", Some(n - 1), Some(n), t);
        }
        let delays: Vec<Instant> = lag.versions("i", "p").expect("history")[1..]
            .iter()
            .map(|v| v.visible_at)
            .collect();
        assert!(delays.windows(2).any(|w| w[0] > w[1]), "the draws differ");
        // Whatever arrived, a read never goes back to an older change once a newer one arrived.
        let mut last = None;
        for ms in (0..=10_000).step_by(250) {
            let seen = lag.seen("i", "p", Some(&49), t + ms * MS).copied();
            assert!(seen >= last, "{seen:?} after {last:?}");
            last = seen;
        }
        assert_eq!(last, Some(49));
        let again: Lag<u32> = Lag::new(ReadLag {
            min: Duration::ZERO,
            max: Duration::from_secs(10),
            seed: 7,
        });
        let mut again = again;
        again.record("i", "p", None, Some(0), t);
        let first = lag.versions("i", "p").expect("history")[1].visible_at;
        assert_eq!(
            again.versions("i", "p").expect("history")[1].visible_at,
            first,
            "a seed draws the same lags"
        );
    }

    #[test]
    fn patches_reach_every_value_still_seen() {
        let mut lag: Lag<u32> = Lag::new(ReadLag::fixed(100 * MS));
        let t = Instant::now();
        lag.record("i", "p", Some(1), Some(2), t);
        lag.patch("i", "p", |v| *v += 10);
        assert_eq!(lag.seen("i", "p", Some(&12), t), Some(&11));
        assert_eq!(lag.seen("i", "p", Some(&12), t + 100 * MS), Some(&12));
    }
}
