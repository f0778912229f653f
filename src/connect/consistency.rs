//! Reading again while Connect may not show a write yet: the one place that decides how.
//!
//! Connect's API is eventually consistent. Its API Reference ("Amazon Connect eventual
//! consistency"): "It typically takes less than a few seconds for the change to propagate
//! throughout the system, but in some cases it can take several minutes. You might get unexpected
//! errors, such as a ResourceNotFoundException or an InvalidRequestException, during this time."
//! So a call on a profile just created may answer either, and ListRoutingProfiles may not list it.
//! A read that misses a write that may be that recent is therefore repeated, with a growing wait,
//! until it shows the write, the window after the write closes, or the caller's deadline comes;
//! only then is "not there" the answer.
//!
//! [`ReadAgain`] is the policy, [`ReadAgain::read`] the loop, which only the lifecycle runs
//! (`lifecycle::reads`), never one inside another, always bounded by the request's deadline: for
//! the reads on which a decision rests, and for the writes to a profile this client created or
//! tagged within the window. What this client wrote lately ([`Recent`]), and which answers to a
//! write may be that not shown yet ([`missed_recent_write`]), is known here; `Connect` itself makes
//! each call once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::error::{ConnectError, ErrorKind};
use crate::model::ProfileRef;

/// How long and how often to read again when a read may not show a write yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadAgain {
    /// How long after the write a read may still miss it.
    pub window: Duration,
    /// The wait before the first read again; it doubles up to `max_wait`.
    pub first_wait: Duration,
    /// The longest wait between two reads.
    pub max_wait: Duration,
}

impl Default for ReadAgain {
    /// 20 s, reading again after 0.25, 0.5, 1, 2 and then every 4 s (about 9 reads). Connect's
    /// changes take "less than a few seconds" typically and "several minutes" in some cases;
    /// nobody has published the lag for routing profiles. 20 s covers the typical case several
    /// times over at a fifteenth of the function's timeout, which is what reading again costs at
    /// most when the thing is really not there; a lag of minutes ends in a FAILED answer the
    /// stack operation's retry gets past.
    fn default() -> Self {
        ReadAgain {
            window: Duration::from_secs(20),
            first_wait: Duration::from_millis(250),
            max_wait: Duration::from_secs(4),
        }
    }
}

/// What follows a read that missed the write ([`ReadAgain::wait`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Read again after this wait.
    Wait(Duration),
    /// The window closes before the next read would start: the write is not there.
    Closed,
    /// The deadline comes before the next read would start, the window still open: whether the
    /// write is there cannot be told in time.
    OutOfTime,
}

/// The last answer of [`ReadAgain::read`], and whether it may be taken as the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reread<T> {
    /// It shows the write, or the window closed without it: the answer.
    Answer(T),
    /// It missed the write when the deadline came, the window still open: it cannot tell.
    OutOfTime(T),
}

impl<T> Reread<T> {
    /// The last answer, whichever it is.
    pub fn last(self) -> T {
        match self {
            Reread::Answer(answer) | Reread::OutOfTime(answer) => answer,
        }
    }
}

impl ReadAgain {
    /// What follows the `misses`-th read that missed the write, `since_write` after it, with
    /// `time_left` before the deadline (`None`: no deadline).
    pub fn wait(&self, misses: u32, since_write: Duration, time_left: Option<Duration>) -> Next {
        let doublings = misses.saturating_sub(1).min(16);
        let wait = self
            .first_wait
            .saturating_mul(1 << doublings)
            .min(self.max_wait);
        if misses == 0 || since_write.saturating_add(wait) >= self.window {
            Next::Closed
        } else if time_left.is_some_and(|left| wait >= left) {
            Next::OutOfTime
        } else {
            Next::Wait(wait)
        }
    }

    /// Runs `read` until its answer shows the write (`missed` says it does not), the window after
    /// `written` closes, or `deadline` (the time the caller must have an answer by; `None`: only
    /// the window bounds it) comes; returns the last answer, and which of these ended it.
    ///
    /// `written` is when the write was made, or, where that is not known (a Create whose answer
    /// was lost, one made by another invocation), the time of the first read: the window runs
    /// from there. Where the lifecycle reads again, and what that costs: `lifecycle::reads`.
    pub async fn read<T, F, Fut>(
        &self,
        written: Instant,
        deadline: Option<Instant>,
        mut read: F,
        missed: impl Fn(&T) -> bool,
    ) -> Reread<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut misses = 0;
        loop {
            let answer = read().await;
            if !missed(&answer) {
                return Reread::Answer(answer);
            }
            misses += 1;
            let now = Instant::now();
            let time_left = deadline.map(|d| d.saturating_duration_since(now));
            let wait = match self.wait(misses, now.saturating_duration_since(written), time_left) {
                Next::Wait(wait) => wait,
                Next::Closed => return Reread::Answer(answer),
                Next::OutOfTime => {
                    tracing::warn!(
                        misses,
                        "out of time while Connect does not show a recent write yet"
                    );
                    return Reread::OutOfTime(answer);
                }
            };
            tracing::info!(
                misses,
                wait_ms = wait.as_millis(),
                "Connect does not show a recent write yet; reading again"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

/// What a client wrote to a profile lately that Connect may not show yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Written {
    /// When the last of those writes was made: the window runs from there.
    pub(super) at: Instant,
    /// The client created the profile (not only tagged it): a NotFound may be that creation not
    /// shown yet.
    pub(super) created: bool,
}

/// The profiles a client created or tagged lately, and when: a call on one of them that answers
/// as if that write had not happened is read again within the window. Shared by a client's
/// clones; entries older than the window go.
#[derive(Clone, Debug, Default)]
pub(super) struct Recent(Arc<Mutex<HashMap<String, Written>>>);

impl Recent {
    /// Notes that `profile` was created (`created`) or tagged now, forgetting profiles written
    /// before `window`.
    pub(super) fn note(&self, profile: &ProfileRef, created: bool, window: Duration) {
        if let Ok(mut written) = self.0.lock() {
            written.retain(|_, w| w.at.elapsed() < window);
            let created = created || written.get(&key(profile)).is_some_and(|w| w.created);
            written.insert(
                key(profile),
                Written {
                    at: Instant::now(),
                    created,
                },
            );
        }
    }

    /// What this client wrote to `profile` lately, if it did.
    pub(super) fn of(&self, profile: &ProfileRef) -> Option<Written> {
        self.0.lock().ok()?.get(&key(profile)).copied()
    }
}

fn key(profile: &ProfileRef) -> String {
    format!("{}/{}", profile.instance_id, profile.routing_profile_id)
}

/// Whether a call on a profile this client wrote lately (`written`) missed that write:
/// - ResourceNotFoundException, when the client created the profile, whose message names none of
///   `queues` (the queues the call named). A message that names one of them says it is the queue
///   that is missing, which reading again cannot change; one that names none (or the profile) may
///   be about the profile that Connect does not show yet, and costs at most the rest of the window
///   when it was a queue after all. From DeleteRoutingProfile (`deletes`), only when no earlier
///   attempt of the call may have been carried out: then not found is that attempt's work (its
///   answer lost), and sending it again would meet the same answer for the window. Without such an
///   attempt it may be the profile not shown yet to the Delete, although the marker read showed it:
///   Connect does not document that a read showing a profile means a write sees it.
/// - InvalidRequestException, when the client created the profile: Connect's documentation names
///   it, with ResourceNotFoundException, among the answers of a call made before a change has
///   propagated, but it is also Connect saying that the request is wrong. So it is neither sent
///   again nor taken at once: the profile is read once first ([`Missed::IfNotShown`], then
///   [`send_again`]). Not from a Delete. On any other profile it is the answer at once.
/// - AccessDeniedException from a call IAM authorizes against the profile's marker tag
///   (`marker_checked`: the function's role allows its writes only on profiles that carry it),
///   when the client created the profile with the marker or tagged it: authorization may not see
///   a tag written moments ago, as reads may not. Connect and IAM do not say how soon it does; a
///   denial that stays costs at most the rest of the window, and is the answer then.
pub(super) fn missed_recent_write<T>(
    answer: &Result<T, ConnectError>,
    queues: &[&str],
    written: Written,
    marker_checked: bool,
    deletes: bool,
) -> Missed {
    let yes = |missed: bool| if missed { Missed::Yes } else { Missed::No };
    match answer {
        Err(e) if e.kind == ErrorKind::NotFound && deletes => {
            yes(written.created && !e.maybe_carried_out)
        }
        Err(e) if e.kind == ErrorKind::NotFound => {
            yes(written.created && !queues.iter().any(|q| e.names(q)))
        }
        Err(e) if e.kind == ErrorKind::InvalidRequest && written.created && !deletes => {
            Missed::IfNotShown
        }
        Err(e) if e.kind == ErrorKind::AccessDenied => yes(marker_checked),
        _ => Missed::No,
    }
}

/// Whether an answer to a write may be Connect not showing yet what this client wrote lately
/// ([`missed_recent_write`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    /// No: the answer is the answer.
    No,
    /// Yes: the write is made again within the window.
    Yes,
    /// Only if a read of the profile, made once now, does not show it ([`send_again`]).
    IfNotShown,
}

/// What one read of the profile, made after a write answered [`Missed::IfNotShown`], shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// ResourceNotFoundException: Connect does not show the profile yet.
    Missing,
    /// The profile without the write, or nothing that tells (the read failed otherwise).
    Without,
    /// The profile with the write: carrying it out again would change nothing.
    With,
}

/// Whether a write refused with InvalidRequestException on a profile this client created lately is
/// made again, after one read of the profile showed `seen`; `maybe_carried_out`: an earlier attempt
/// of the write may have been carried out (it got no answer, or a server error). While Connect does
/// not show the profile, the refusal may be that (its "Eventual consistency" page). Once it shows
/// the profile without the write, the refusal is of the request (the reference maps
/// InvalidRequestException to "the request is not valid"), and the answer at once; unless an
/// earlier attempt may have been carried out: then the refusal may be of the profile as that
/// attempt left it, not shown yet, or of the profile not shown yet to the write after a plain
/// server error, and only another attempt tells. A profile that shows the write needs nothing
/// more: the write is done.
pub fn send_again(seen: Seen, maybe_carried_out: bool) -> bool {
    match seen {
        Seen::Missing => true,
        Seen::Without => maybe_carried_out,
        Seen::With => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const MS: Duration = Duration::from_millis(1);

    /// `missed` for a call on one resource: it answered ResourceNotFoundException.
    fn not_found<T>(answer: &Result<T, ConnectError>) -> bool {
        matches!(answer, Err(e) if e.kind == ErrorKind::NotFound)
    }

    /// `missed` for a search: it found nothing (or the instance was not found).
    fn not_listed<T>(answer: &Result<Option<T>, ConnectError>) -> bool {
        matches!(answer, Ok(None)) || not_found(answer)
    }

    /// Whether [`missed_recent_write`] says anything but no.
    fn missed<T>(
        answer: &Result<T, ConnectError>,
        queues: &[&str],
        written: Written,
        marker_checked: bool,
        deletes: bool,
    ) -> bool {
        missed_recent_write(answer, queues, written, marker_checked, deletes) != Missed::No
    }

    fn policy() -> ReadAgain {
        ReadAgain {
            window: 1000 * MS,
            first_wait: 100 * MS,
            max_wait: 300 * MS,
        }
    }

    #[test]
    fn waits_double_up_to_the_longest_wait() {
        let p = policy();
        let waits: Vec<_> = (1..=5)
            .map(|misses| p.wait(misses, Duration::ZERO, None))
            .collect();
        assert_eq!(
            waits,
            [
                Next::Wait(100 * MS),
                Next::Wait(200 * MS),
                Next::Wait(300 * MS),
                Next::Wait(300 * MS),
                Next::Wait(300 * MS)
            ]
        );
        assert_eq!(
            p.wait(0, Duration::ZERO, None),
            Next::Closed,
            "nothing missed yet"
        );
        assert_eq!(p.wait(u32::MAX, Duration::ZERO, None), Next::Wait(300 * MS));
    }

    #[test]
    fn no_read_starts_after_the_window_closes() {
        let p = policy();
        assert_eq!(p.wait(1, 850 * MS, None), Next::Wait(100 * MS));
        assert_eq!(
            p.wait(1, 900 * MS, None),
            Next::Closed,
            "it would start as the window closes"
        );
        assert_eq!(p.wait(3, 750 * MS, None), Next::Closed);
        assert_eq!(
            p.wait(1, 5000 * MS, None),
            Next::Closed,
            "long after the write"
        );
        assert_eq!(
            p.wait(1, 900 * MS, Some(Duration::ZERO)),
            Next::Closed,
            "the window closes first: the answer, although the deadline has come too"
        );
    }

    #[test]
    fn no_read_starts_after_the_deadline() {
        let p = policy();
        assert_eq!(
            p.wait(1, Duration::ZERO, Some(101 * MS)),
            Next::Wait(100 * MS)
        );
        assert_eq!(p.wait(1, Duration::ZERO, Some(100 * MS)), Next::OutOfTime);
        assert_eq!(
            p.wait(2, Duration::ZERO, Some(Duration::ZERO)),
            Next::OutOfTime
        );
    }

    #[test]
    fn the_default_reads_for_twenty_seconds() {
        let p = ReadAgain::default();
        let mut since = Duration::ZERO;
        let mut reads = 1;
        while let Next::Wait(wait) = p.wait(reads, since, None) {
            since += wait;
            reads += 1;
        }
        assert_eq!(reads, 9, "reads within the window");
        assert!(
            since > Duration::from_secs(15) && since < Duration::from_secs(20),
            "{since:?}"
        );
    }

    fn missing() -> Result<u32, ConnectError> {
        Err(ConnectError {
            operation: "DescribeRoutingProfile",
            kind: ErrorKind::NotFound,
            detail: "ResourceNotFoundException: RoutingProfile not found: rp-1".into(),
            maybe_carried_out: false,
        })
    }

    /// A policy for the loop's tests, which run in real time: short waits, a long window.
    fn quick() -> ReadAgain {
        ReadAgain {
            window: 1000 * MS,
            first_wait: 10 * MS,
            max_wait: 30 * MS,
        }
    }

    #[tokio::test]
    async fn reads_until_the_write_shows() {
        let reads = Cell::new(0);
        let started = Instant::now();
        let answer = quick()
            .read(
                started,
                None,
                || {
                    reads.set(reads.get() + 1);
                    let n = reads.get();
                    async move { if n < 3 { missing() } else { Ok(n) } }
                },
                not_found,
            )
            .await;
        assert!(matches!(answer, Reread::Answer(Ok(3))), "{answer:?}");
        assert!(started.elapsed() >= 30 * MS, "waited 10 ms, then 20 ms");
    }

    #[tokio::test]
    async fn concludes_not_there_when_the_window_closes() {
        let reads = Cell::new(0);
        let window = ReadAgain {
            window: 100 * MS,
            ..quick()
        };
        let started = Instant::now();
        let answer = window
            .read(
                started,
                None,
                || {
                    reads.set(reads.get() + 1);
                    async { missing() }
                },
                not_found,
            )
            .await;
        let Reread::Answer(answer) = answer else {
            panic!("the window closed: not there is the answer");
        };
        assert!(not_found(&answer));
        // At 0, 10, 30, 60 and 90 ms at the most; none after the window.
        assert!((2..=5).contains(&reads.get()), "{} reads", reads.get());
        assert!(started.elapsed() < 1000 * MS);
    }

    #[tokio::test]
    async fn the_deadline_comes_before_the_window() {
        let reads = Cell::new(0);
        let started = Instant::now();
        let answer = quick()
            .read(
                started,
                Some(started + 25 * MS),
                || {
                    reads.set(reads.get() + 1);
                    async { Ok::<Option<u32>, ConnectError>(None) }
                },
                not_listed,
            )
            .await;
        assert!(
            matches!(answer, Reread::OutOfTime(Ok(None))),
            "the window still open, it cannot tell: {answer:?}"
        );
        assert_eq!(
            reads.get(),
            2,
            "at 0 and 10 ms; the next would wait past the deadline"
        );
    }

    #[tokio::test]
    async fn an_answer_that_shows_the_write_is_not_read_again() {
        let reads = Cell::new(0);
        let answer = quick()
            .read(
                Instant::now(),
                None,
                || {
                    reads.set(reads.get() + 1);
                    async { Ok::<Option<u32>, ConnectError>(Some(7)) }
                },
                not_listed,
            )
            .await;
        assert!(matches!(answer, Reread::Answer(Ok(Some(7)))), "{answer:?}");
        assert_eq!(reads.get(), 1);
    }

    fn error(operation: &'static str, kind: ErrorKind, detail: &str) -> Result<(), ConnectError> {
        Err(ConnectError {
            operation,
            kind,
            detail: detail.into(),
            maybe_carried_out: false,
        })
    }

    const CREATED: fn() -> Written = || Written {
        at: Instant::now(),
        created: true,
    };
    const TAGGED: fn() -> Written = || Written {
        at: Instant::now(),
        created: false,
    };

    #[test]
    fn a_missing_queue_named_by_connect_is_not_the_new_profile() {
        let queue_missing = error(
            "AssociateRoutingProfileQueues",
            ErrorKind::NotFound,
            "ResourceNotFoundException: Queue not found: q-9 in instance i-1",
        );
        assert!(!missed(
            &queue_missing,
            &["q-8", "q-9"],
            CREATED(),
            true,
            false
        ));
        assert!(
            missed(&queue_missing, &["q-8"], CREATED(), true, false),
            "names none of the call's"
        );
        assert!(
            missed(&missing(), &["q-8"], CREATED(), false, false),
            "the profile"
        );
        assert!(!missed(
            &Ok::<(), ConnectError>(()),
            &[],
            CREATED(),
            true,
            false
        ));
        let throttled = error(
            "AssociateRoutingProfileQueues",
            ErrorKind::Other,
            "ThrottlingException: Rate exceeded",
        );
        assert!(!missed(&throttled, &[], CREATED(), true, false));
    }

    #[test]
    fn a_deletes_not_found_is_the_profile_gone_only_after_an_attempt_that_may_have_deleted_it() {
        let gone = |maybe_carried_out| {
            Err::<(), _>(ConnectError {
                operation: "DeleteRoutingProfile",
                kind: ErrorKind::NotFound,
                detail: "ResourceNotFoundException: RoutingProfile not found: rp-1".into(),
                maybe_carried_out,
            })
        };
        assert!(
            !missed(&gone(true), &[], CREATED(), true, true),
            "an earlier attempt may have deleted it"
        );
        assert!(
            missed(&gone(false), &[], CREATED(), true, true),
            "the new profile may not be shown to the Delete yet, whatever the marker read showed"
        );
        assert!(
            !missed(&gone(false), &[], TAGGED(), true, true),
            "the profile was there before"
        );
        let denied = error(
            "DeleteRoutingProfile",
            ErrorKind::AccessDenied,
            "AccessDeniedException: not authorized",
        );
        assert!(
            missed(&denied, &[], CREATED(), true, true),
            "authorization may still not see the marker"
        );
    }

    #[test]
    fn an_invalid_request_on_a_new_profile_may_be_it_not_shown_yet_but_bad_input_is_not() {
        let invalid = |maybe_carried_out| {
            Err::<(), _>(ConnectError {
                operation: "AssociateRoutingProfileQueues",
                kind: ErrorKind::InvalidRequest,
                detail: "InvalidRequestException: The request is not valid.".into(),
                maybe_carried_out,
            })
        };
        assert_eq!(
            missed_recent_write(&invalid(false), &[], CREATED(), true, false),
            Missed::IfNotShown,
            "not shown yet, or the request is wrong: a read tells"
        );
        assert_eq!(
            missed_recent_write(&invalid(true), &[], CREATED(), true, false),
            Missed::IfNotShown,
            "after an attempt that may have been carried out too"
        );
        assert!(
            !missed(&invalid(false), &[], CREATED(), true, true),
            "not from a Delete"
        );
        assert!(
            !missed(&invalid(false), &[], TAGGED(), true, false),
            "the profile was there before"
        );
        let bad_input = error(
            "AssociateRoutingProfileQueues",
            ErrorKind::Other,
            "InvalidParameterException: Priority must be at least 1",
        );
        assert!(!missed(&bad_input, &[], CREATED(), true, false));
    }

    #[test]
    fn an_invalid_request_is_sent_again_only_while_connect_does_not_show_the_profile() {
        for maybe_carried_out in [false, true] {
            assert!(send_again(Seen::Missing, maybe_carried_out));
            assert!(!send_again(Seen::With, maybe_carried_out), "done");
        }
        assert!(
            !send_again(Seen::Without, false),
            "Connect shows the profile: the refusal is the request's"
        );
        assert!(
            send_again(Seen::Without, true),
            "after a server error, the refusal may still be the profile not shown to the write"
        );
    }

    #[test]
    fn a_profile_only_tagged_was_there_before_so_its_not_found_is_the_answer() {
        assert!(!missed(&missing(), &[], TAGGED(), true, false));
    }

    #[test]
    fn a_denial_is_read_again_only_where_iam_checks_the_marker() {
        let denied = error(
            "AssociateRoutingProfileQueues",
            ErrorKind::AccessDenied,
            "AccessDeniedException: not authorized",
        );
        for written in [CREATED(), TAGGED()] {
            assert!(missed(&denied, &["q-1"], written, true, false));
            assert!(
                !missed(&denied, &["q-1"], written, false, false),
                "TagResource, UntagResource and reads are not conditioned on the marker"
            );
        }
    }

    #[test]
    fn written_profiles_are_remembered_for_the_window() {
        let recent = Recent::default();
        let profile = |id: &str| ProfileRef {
            instance_id: "i-1".into(),
            routing_profile_id: id.into(),
            arn: format!("arn:rp/{id}"),
        };
        let window = Duration::from_secs(20);
        recent.note(&profile("rp-1"), true, window);
        assert!(recent.of(&profile("rp-1")).is_some_and(|w| w.created));
        assert!(recent.of(&profile("rp-2")).is_none());
        // Tagged after it was created: still one this client created.
        recent.note(&profile("rp-1"), false, window);
        assert!(recent.of(&profile("rp-1")).is_some_and(|w| w.created));
        recent.note(&profile("rp-3"), false, window);
        assert!(recent.of(&profile("rp-3")).is_some_and(|w| !w.created));
        // A note with a window of zero forgets every older one.
        recent.note(&profile("rp-2"), true, Duration::ZERO);
        assert!(recent.of(&profile("rp-1")).is_none());
        assert!(recent.of(&profile("rp-2")).is_some());
    }
}
