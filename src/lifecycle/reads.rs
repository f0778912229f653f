//! Reads on which a decision rests and which may not show a write made moments ago: the one place
//! that decides how the lifecycle reads them again.
//!
//! Connect's reads lag its writes ("Eventual consistency in the Amazon Connect API"): a profile
//! created moments ago may answer ResourceNotFoundException or be missing from
//! ListRoutingProfiles, and a Describe may show the tags or settings from before the last write.
//! So a read that would lead a request to conclude that a write of this resource is not there (not
//! found, not listed, no marker yet) is read again, as the client's
//! [`ReadAgain`](crate::connect::ReadAgain) says, until it shows the write or the window closes; a
//! read that lets the request go on is taken at once.
//! When the deadline comes first, the request fails as out of time ([`Failure::NotShownYet`])
//! rather than concluding that the write is not there.
//!
//! Where (the predicates that say what a read may have missed are `ownership`'s):
//! - after DuplicateResourceException, the search by Name for the profile this request's own
//!   Create made, its answer lost (`ownership::claim_name`); then that profile's marker, and the
//!   profile when it is resumed;
//! - the search by Name of the Delete after a failed Create (`failed-create-...`) and of a
//!   replacement's cleanup (`ownership::undo_by_name`): that Create may have been carried out
//!   moments ago, by another invocation;
//! - the marker a Delete or cleanup reads (`ownership::dispose`): not found, no marker, or for a
//!   request's own scopes an earlier request's marker may be a profile created or adopted moments
//!   ago whose marker does not show yet;
//! - the live profile an Update reads (`ownership::read_own`) and the old profile's marker before a
//!   replacement (`ownership::ensure_replaceable`): not found or without a marker, it may be the
//!   Create or adoption right before; an Update that made it again would make a second profile of
//!   its Name;
//! - an adoption's marker, read back after its TagResource and again after converging
//!   (`ownership::adopt`, `ownership::confirm_adoption`): until it shows this request's marker or
//!   another resource's, so that a read from before the TagResource neither hides another resource
//!   adopting the profile at the same time nor lets a Delete leave a marker on;
//! - after a request's own writes ([`shown`], from `writes::converge`): before it answers, until a
//!   read shows them, so that the request CloudFormation sends next (the rollback right after a
//!   failure, say) plans from a read that shows them;
//! - the writes to a profile this client created or tagged within the window ([`write`]), while
//!   Connect answers as if it did not show that yet ([`Connect::not_shown_yet`]); after
//!   InvalidRequestException, which may be that or a request that is not valid, only while a read
//!   of the profile made once after it does not show the profile.
//!
//! This is the one loop: `Connect` makes each call once, so no read again runs inside another.
//!
//! What it costs: nothing when the first read shows the write. When the thing is really not there
//! (a failed Create whose CreateRoutingProfile never ran, a Delete of a profile already deleted, a
//! Delete of a profile that is not the resource's, an Update of a profile deleted outside
//! CloudFormation), one window (20 s by default, about 9 reads) per such read. No read again, and
//! no write made again, starts after the deadline less [`KEPT_AFTER_READING_AGAIN`] (a quarter of
//! the time left, when less; the writes of a plan stop that much before the deadline already), but
//! [`shown`], which only the answer follows. The reads of one request are in sequence, and the
//! window restarts with each: a Delete meets one at the most when nothing is there; an Update meets
//! one for the profile it reads, and when the replacement it then makes fails, one more for its
//! cleanup (and one more before that, the search by Name after DuplicateResourceException).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::Progress;
use crate::connect::{
    Connect, ConnectError, ErrorKind, Missed, Reread, Seen, Standing, Write, send_again,
};
use crate::failure::Failure;
use crate::model::{ProfileRef, ProfileState};
use crate::plan::{self, Operation, Order};

/// What a read again leaves of the time to the deadline for the calls that follow it (a Describe,
/// a Delete or a TagResource, with a throttled retry or two): this, or a quarter of the time left.
const KEPT_AFTER_READING_AGAIN: Duration = Duration::from_secs(5);

/// The latest time a read again may start before `deadline`: [`KEPT_AFTER_READING_AGAIN`] before
/// it, or a quarter of the time left when less.
pub(super) fn last_start(deadline: Instant) -> Instant {
    super::keeping(deadline, KEPT_AFTER_READING_AGAIN)
}

/// Runs `read` until `missed` says its answer shows what it may not have shown yet (a write made
/// moments ago), as the client's [`ReadAgain`](crate::connect::ReadAgain) says: the window runs
/// from the first read, and no read starts after [`last_start`] of `deadline`. The last answer,
/// once it shows the write or the window has closed; a failure when the deadline comes first, for
/// then that it is not there cannot be told (the step under way in `progress` says where).
pub(super) async fn read_again<T, F, Fut>(
    connect: &Connect,
    deadline: Instant,
    progress: &Progress,
    read: F,
    missed: impl Fn(&T) -> bool,
) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let policy = connect.read_again();
    let reread = policy
        .read(Instant::now(), Some(last_start(deadline)), read, missed)
        .await;
    in_time(reread, progress)
}

/// The answer of a read again, or, when the deadline came first, a failure that says so.
pub(super) fn in_time<T>(reread: Reread<T>, progress: &Progress) -> Result<T, Failure> {
    match reread {
        Reread::Answer(answer) => Ok(answer),
        Reread::OutOfTime(_) => Err(Failure::NotShownYet {
            step: progress.current(),
        }),
    }
}

/// One write to `profile`, made again while its answer may be Connect not showing yet what this
/// client wrote to the profile lately ([`Connect::not_shown_yet`]: its creation, or the marker
/// IAM checks the write against): within the window from that write, no attempt starting after
/// `until`. An InvalidRequestException on a profile it created is made again only while a read of
/// the profile, made once after it, does not show the profile, or shows it without the write after
/// an attempt that may have been carried out ([`seen`], [`send_again`]); a read that shows the
/// write makes it done. An answer after an attempt that may have been carried out says so
/// ([`ConnectError::maybe_carried_out`]), whichever attempt it was. The last answer, and whether
/// `until` came while it may still be that ([`in_time`] makes that a failure).
pub(super) async fn write(
    connect: &Connect,
    profile: &ProfileRef,
    write: Write<'_>,
    until: Instant,
) -> Reread<Result<(), ConnectError>> {
    let Some(written) = connect.written_lately(profile) else {
        return Reread::Answer(connect.write(profile, write).await);
    };
    // Whether an attempt so far may have been carried out: a refusal after one may be of its work.
    let maybe_carried_out = AtomicBool::new(false);
    let send = || async {
        let mut answer = connect.write(profile, write).await;
        if let Err(e) = &mut answer {
            e.maybe_carried_out |= maybe_carried_out.load(Ordering::Relaxed);
            maybe_carried_out.store(e.maybe_carried_out, Ordering::Relaxed);
        }
        if connect.not_shown_yet(profile, write, &answer) != Missed::IfNotShown {
            return (answer, None);
        }
        let seen = seen(connect, profile, write).await;
        tracing::info!(?seen, error = ?answer.as_ref().err(), "refused right after the create; read the profile once");
        let answer = if seen == Seen::With { Ok(()) } else { answer };
        (answer, Some(seen))
    };
    let missed = |(answer, seen): &(Result<(), ConnectError>, Option<Seen>)| match connect
        .not_shown_yet(profile, write, answer)
    {
        Missed::No => false,
        Missed::Yes => true,
        Missed::IfNotShown => seen.is_some_and(|seen| {
            send_again(seen, answer.as_ref().is_err_and(|e| e.maybe_carried_out))
        }),
    };
    let policy = connect.read_again();
    match policy.read(written, Some(until), send, missed).await {
        Reread::Answer((answer, _)) => Reread::Answer(answer),
        Reread::OutOfTime((answer, _)) => Reread::OutOfTime(answer),
    }
}

/// What one read of `profile` shows of `write`: the profile not found, the profile without the
/// write (or a read that failed otherwise, which tells nothing), or with it.
async fn seen(connect: &Connect, profile: &ProfileRef, write: Write<'_>) -> Seen {
    let read = match write {
        Write::Planned(op) => connect
            .fetch(profile)
            .await
            .map(|live| shows(&live, std::slice::from_ref(op))),
        Write::Delete => connect.standing(profile).await.map(|_| false),
    };
    match read {
        Ok(true) => Seen::With,
        Ok(false) => Seen::Without,
        Err(e) if e.kind == ErrorKind::NotFound => Seen::Missing,
        Err(_) => Seen::Without,
    }
}

/// What a search by Name found.
#[derive(Clone, Debug)]
pub(super) enum Found {
    /// No profile of that Name (one listed and not found counts as none: deleted).
    Nothing,
    /// The profile listed with that Name, and its marker.
    Marked(ProfileRef, Standing),
}

/// The profile of `name` in the instance and its marker, read again (search and marker both) while
/// the search shows none, shows one that is not found (a profile of that Name deleted moments ago
/// may still be listed while the one that holds the Name now is not yet), or `missed` says the
/// marker it shows may not be the whole story; the last read, and whether the deadline (less what
/// it keeps) came first ([`in_time`] makes that a failure).
pub(super) async fn find_marked(
    connect: &Connect,
    instance_id: &str,
    name: &str,
    deadline: Instant,
    missed: impl Fn(&Standing) -> bool,
) -> Reread<Result<Found, ConnectError>> {
    let read = || async {
        let Some(profile) = connect.find_by_name(instance_id, name).await? else {
            return Ok(Found::Nothing);
        };
        match connect.standing(&profile).await {
            Ok(standing) => Ok(Found::Marked(profile, standing)),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(Found::Nothing),
            Err(e) => Err(e),
        }
    };
    let missed = |read: &Result<Found, ConnectError>| match read {
        Ok(Found::Nothing) => true,
        Ok(Found::Marked(_, standing)) => missed(standing),
        Err(e) => e.kind == ErrorKind::NotFound,
    };
    let policy = connect.read_again();
    policy
        .read(Instant::now(), Some(last_start(deadline)), read, missed)
        .await
}

/// The profile's marker, read again while it is not found or `missed` says what it shows may
/// predate a marker written moments ago.
pub(super) async fn standing(
    connect: &Connect,
    profile: &ProfileRef,
    progress: &Progress,
    deadline: Instant,
    missed: impl Fn(&Standing) -> bool,
) -> Result<Result<Standing, ConnectError>, Failure> {
    let read = || connect.standing(profile);
    until_found(connect, progress, deadline, read, missed).await
}

/// The live profile, read again while it is not found or `missed` says what it shows may predate
/// a write made moments ago.
pub(super) async fn fetch(
    connect: &Connect,
    profile: &ProfileRef,
    progress: &Progress,
    deadline: Instant,
    missed: impl Fn(&ProfileState) -> bool,
) -> Result<Result<ProfileState, ConnectError>, Failure> {
    let read = || connect.fetch(profile);
    until_found(connect, progress, deadline, read, missed).await
}

/// [`read_again`] of a read of one profile: while it is not found, or found and `missed` says so.
async fn until_found<T, F, Fut>(
    connect: &Connect,
    progress: &Progress,
    deadline: Instant,
    read: F,
    missed: impl Fn(&T) -> bool,
) -> Result<Result<T, ConnectError>, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConnectError>>,
{
    let missed = |read: &Result<T, ConnectError>| match read {
        Ok(found) => missed(found),
        Err(e) => e.kind == ErrorKind::NotFound,
    };
    read_again(connect, deadline, progress, read, missed).await
}

/// After this request's writes `done` to `profile`, and `maybe` (a write whose outcome is not
/// known): reads the profile again until it shows them all (the window, the deadline), so that
/// whatever request comes next reads them. A write that may not have been carried out is given the
/// window, then taken as not carried out. Nothing comes of a read that never shows `done` within
/// the window (someone changed the profile meanwhile, say), nor of the deadline: the writes are
/// made either way, and the answer is what it was.
pub(super) async fn shown(
    connect: &Connect,
    profile: &ProfileRef,
    done: &[Operation],
    maybe: Option<&Operation>,
    progress: &Progress,
    deadline: Instant,
) {
    if done.is_empty() && maybe.is_none() {
        return;
    }
    progress.step("reading the routing profile until it shows the changes");
    // A read that failed (throttled past the SDK's attempts, say) is made again too: nothing would
    // tell the next request that this one's writes may not show yet.
    let missed = |read: &Result<ProfileState, ConnectError>| match read {
        Ok(live) => {
            !shows(live, done) || maybe.is_some_and(|op| !shows(live, std::slice::from_ref(op)))
        }
        Err(_) => true,
    };
    let read = || connect.fetch(profile);
    // Only the answer follows: the reads may go on until the deadline.
    let policy = connect.read_again();
    let reread = policy
        .read(Instant::now(), Some(deadline), read, missed)
        .await;
    match in_time(reread, progress) {
        Ok(Ok(live)) if shows(&live, done) => {}
        Ok(Ok(_)) => {
            tracing::warn!("the profile does not show every change made; answering as it is")
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "could not read the changes back; answering as it is")
        }
        Err(_) => {
            tracing::warn!("out of time before the profile showed every change; answering as it is")
        }
    }
}

/// Whether planned write `op`, which Connect refused or did not answer when it may have been
/// carried out already, shows in the profile: read again until a read shows it or the window
/// closes (Connect may not show it yet), no read starting after `until`. `None` when `until` came
/// first: whether it was carried out cannot be told.
pub(super) async fn carried_out(
    connect: &Connect,
    profile: &ProfileRef,
    op: &Operation,
    until: Instant,
) -> Option<bool> {
    let written = std::slice::from_ref(op);
    let missed = |read: &Result<ProfileState, ConnectError>| match read {
        Ok(live) => !shows(live, written),
        Err(_) => true,
    };
    let read = || connect.fetch(profile);
    let policy = connect.read_again();
    match policy.read(Instant::now(), Some(until), read, missed).await {
        Reread::Answer(read) => Some(read.is_ok_and(|live| shows(&live, written))),
        Reread::OutOfTime(_) => None,
    }
}

/// Whether `live` shows the writes `done`: carrying them out again would change nothing, as the
/// plan compares (a channel given by its workload types alone compares as the plan says), and the
/// tags, the marker's included (which the plan leaves alone), are as they would be.
pub(super) fn shows(live: &ProfileState, done: &[Operation]) -> bool {
    let again = plan::apply(live, done);
    again.tags == live.tags && plan::update(&again, live, Order::AddFirst).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    /// The profile one of the sample events declares.
    fn state(event: &str) -> ProfileState {
        crate::properties::parse(&super::super::tests::properties(event))
            .expect("valid properties")
            .profile
    }

    #[test]
    fn a_read_shows_the_writes_once_carrying_them_out_again_would_change_nothing() {
        for (from, to) in [("create", "update"), ("update", "create-large")] {
            let (before, wanted) = (state(from), state(to));
            let done = plan::update(&wanted, &before, Order::AddFirst);
            assert!(!done.is_empty());
            let after = plan::apply(&before, &done);
            assert!(shows(&after, &done), "{from} to {to}");
            assert!(!shows(&before, &done), "{from} to {to}: a read from before");
            // Half of them written, or shown: a read that shows only the first half misses the rest.
            let half = &done[..done.len() / 2];
            assert!(shows(&plan::apply(&before, half), half));
            if half.len() < done.len() {
                assert!(!shows(&plan::apply(&before, half), &done));
            }
        }
        assert!(shows(&state("create"), &[]), "nothing written");
    }

    #[test]
    fn a_release_shows_once_the_marker_is_gone() {
        let mut marked = state("create");
        marked
            .tags
            .insert("cfn-custom-resource:stack-id".into(), "s".into());
        let release = [Operation::Untag {
            keys: vec!["cfn-custom-resource:stack-id".into()],
        }];
        assert!(
            !shows(&marked, &release),
            "the plan leaves the marker alone"
        );
        assert!(shows(&state("create"), &release));
        let mark = [Operation::Tag {
            tags: [("cfn-custom-resource:stack-id".to_string(), "s".to_string())].into(),
        }];
        assert!(shows(&marked, &mark));
        assert!(!shows(&state("create"), &mark));
    }

    #[test]
    fn a_channel_given_by_its_workload_types_shows_whatever_concurrency_connect_reports() {
        let before = state("create");
        let wanted = state("create-large");
        assert!(
            wanted
                .concurrency
                .get(&Channel::Email)
                .is_some_and(|c| c.max_contacts.is_none()),
            "create-large gives EMAIL by its workload types alone"
        );
        let done = plan::update(&wanted, &before, Order::AddFirst);
        let mut after = plan::apply(&before, &done);
        if let Some(email) = after.concurrency.get_mut(&Channel::Email) {
            email.max_contacts = Some(2);
        }
        assert!(shows(&after, &done));
    }
}
