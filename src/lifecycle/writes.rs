//! Carrying out a plan: the write calls one at a time, re-planned when a quota needs removing
//! first, and a failed write told in the user's terms.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

use super::{Progress, reads};
use crate::connect::{Connect, ConnectError, ErrorKind, Write};
use crate::failure::Failure;
use crate::model::{ProfileRef, ProfileState};
use crate::plan::{self, Operation, Order};

/// The most time held back from writing to read the writes back: they are read back also when
/// the writes run out of time (this, or a quarter of the time left).
const READ_BACK_BUDGET: Duration = Duration::from_secs(5);

/// Applies the plan from `current` to `desired`, one call at a time: queues added first, and when
/// Connect answers an association with LimitExceededException (the account's queues-per-profile
/// quota), the rest planned again from the state reached, removing first. A write refused when it
/// may have been carried out already (an earlier attempt of the call went unanswered, or
/// `current_may_lag`: `current` is a read that may not show this request's earlier writes, and the
/// write is an association or disassociation: [`may_be_there`]) is read back, and counts as done
/// when the profile shows it ([`reads::carried_out`]); when it does not, or the time for writes
/// runs out first, the refusal is the answer. Whether it
/// ends in success, failure or out of time, what it wrote is then read back until Connect shows it
/// (by `deadline`, the writes stopping [`READ_BACK_BUDGET`] before it), so that the request
/// CloudFormation sends next, the rollback right after a failure say, plans from it
/// ([`reads::shown`]).
pub(super) async fn converge(
    connect: &Connect,
    profile: &ProfileRef,
    desired: &ProfileState,
    current: &ProfileState,
    current_may_lag: bool,
    progress: &Progress,
    deadline: Instant,
) -> Result<(), Failure> {
    let writes_until = super::keeping(deadline, READ_BACK_BUDGET);
    let mut written = Written::default();
    let plan = Plan {
        desired,
        current,
        current_may_lag,
    };
    let writes = apply_plan(connect, profile, plan, progress, writes_until, &mut written);
    let then = "reading back what was written";
    let outcome = super::by(writes_until, writes, connect, progress, then).await;
    let Written { done, maybe } = written;
    reads::shown(connect, profile, &done, maybe.as_ref(), progress, deadline).await;
    outcome
}

/// What [`converge`] plans from and to.
#[derive(Clone, Copy, Debug)]
struct Plan<'a> {
    desired: &'a ProfileState,
    current: &'a ProfileState,
    current_may_lag: bool,
}

/// What [`converge`] wrote.
#[derive(Debug, Default)]
struct Written {
    /// The writes Connect accepted.
    done: Vec<Operation>,
    /// The write under way when the writes stopped, when it may have been carried out all the
    /// same: its answer did not come (out of time), or Connect's last answer does not say that
    /// nothing was done ([`ConnectError::maybe_carried_out`]: a server error, or a refusal of the
    /// SDK's retry of an attempt that got none), and no read back has settled it. A plain refusal
    /// says nothing was done: nothing is read back for it.
    maybe: Option<Operation>,
}

/// [`converge`]'s writes, recorded in `written` as they go; none is made again, nor read back,
/// after `until`.
async fn apply_plan(
    connect: &Connect,
    profile: &ProfileRef,
    plan: Plan<'_>,
    progress: &Progress,
    until: Instant,
    written: &mut Written,
) -> Result<(), Failure> {
    let mut order = Order::AddFirst;
    let mut state = plan.current.clone();
    let mut ops = plan::update(plan.desired, &state, order);
    let (mut done, mut next) = (0, 0);
    let mut total = ops.len();
    while let Some(op) = ops.get(next) {
        progress.step(format!(
            "{} (change {} of {total})",
            op.api_name(),
            done + 1
        ));
        tracing::info!(
            operation = op.api_name(),
            change = done + 1,
            total,
            "applying"
        );
        written.maybe = Some(op.clone());
        let applied = reads::write(connect, profile, Write::Planned(op), until).await;
        let mut applied = reads::in_time(applied, progress)?;
        // Read back within the window without showing the write: not carried out after all. Read
        // back until the time for writes ran out: not known, and the refusal is the answer, in
        // Connect's words (what it says is all there is to tell); the write is then read back once
        // more before the answer when it may have been carried out.
        let mut read_back = false;
        if let Err(error) = &applied
            && may_be_there(error, op, plan.current_may_lag)
        {
            tracing::warn!(%error, "the write may have been carried out already; reading the profile back");
            match reads::carried_out(connect, profile, op, until).await {
                Some(true) => {
                    tracing::info!(
                        operation = op.api_name(),
                        "the profile shows the write: done"
                    );
                    applied = Ok(());
                    read_back = true;
                }
                Some(false) => read_back = true,
                None => tracing::warn!(
                    operation = op.api_name(),
                    "out of time before the profile showed the write; answering the refusal"
                ),
            }
        }
        written.maybe = None;
        match applied {
            Ok(()) => {
                state = plan::apply(&state, std::slice::from_ref(op));
                written.done.push(op.clone());
                done += 1;
                next += 1;
            }
            Err(error)
                if error.kind == ErrorKind::LimitExceeded
                    && order == Order::AddFirst
                    && matches!(op, Operation::Associate { .. }) =>
            {
                tracing::warn!(error = %error, "queue quota reached while adding first; removing first instead");
                order = Order::RemoveFirst;
                ops = plan::update(plan.desired, &state, order);
                total = done + ops.len();
                next = 0;
            }
            Err(error) => {
                if error.maybe_carried_out && !read_back {
                    written.maybe = Some(op.clone());
                }
                return Err(write_failure(error, op, profile, done, total));
            }
        }
    }
    if total == 0 {
        tracing::debug!("nothing to change");
    }
    Ok(())
}

/// Whether write `op`, refused with `error`, may have been refused because what it writes is there
/// already: an earlier attempt of the call may have been carried out (its answer lost, and the
/// retry met "already associated", say); or the plan came from a read that may not show this
/// request's earlier writes (`current_may_lag`), Connect says the request does not fit the profile
/// as it is, and `op` is one whose refusal can mean that: an association or disassociation, which
/// Connect may refuse for a queue the profile already has or no longer has (the emulator answers
/// InvalidParameterException "already associated" or "not associated"; Connect documents neither,
/// so the exception's name does not tell). Every other write sets a value or tags, and the earlier
/// writes, made towards the same template, can only have set the same: a refusal of it is of the
/// request, whatever its name, and the answer at once.
fn may_be_there(error: &ConnectError, op: &Operation, current_may_lag: bool) -> bool {
    let membership = matches!(
        op,
        Operation::Associate { .. } | Operation::Disassociate { .. }
    );
    error.maybe_carried_out
        || (current_may_lag
            && membership
            && matches!(error.kind, ErrorKind::InvalidRequest | ErrorKind::Other))
}

/// The failure of planned write `op` after `done` of `total` changes, in the user's terms where
/// Connect's are not enough.
fn write_failure(
    error: ConnectError,
    op: &Operation,
    profile: &ProfileRef,
    done: usize,
    total: usize,
) -> Failure {
    match (op, error.kind) {
        // The rename is the plan's first write, so nothing has changed yet.
        (Operation::UpdateName { name, .. }, ErrorKind::Duplicate) if done == 0 => {
            Failure::NameTakenOnUpdate {
                name: name.clone(),
                instance_id: profile.instance_id.clone(),
                duplicate: error,
            }
        }
        (_, ErrorKind::NotFound) => {
            let queues = match op {
                Operation::Associate { queues, manual } => queues
                    .iter()
                    .map(|(q, _)| q.queue_id.clone())
                    .chain(manual.iter().map(|q| q.queue_id.clone()))
                    .collect(),
                Operation::UpdateQueues { queues } => {
                    queues.iter().map(|(q, _)| q.queue_id.clone()).collect()
                }
                Operation::Disassociate { queues, manual } => queues
                    .iter()
                    .chain(manual)
                    .map(|q| q.queue_id.clone())
                    .collect(),
                Operation::UpdateDefaultOutboundQueue { queue_id } => {
                    BTreeSet::from([queue_id.clone()])
                }
                _ => BTreeSet::new(),
            };
            not_found(
                error,
                &profile.instance_id,
                Some(&profile.routing_profile_id),
                queues,
                done,
                total,
            )
        }
        _ => Failure::during_changes(error, done, total),
    }
}

/// ResourceNotFoundException from a call that named `queues`: which queue, when Connect's message
/// says (or which queues it may be, when it names nothing of the call); Connect's own words when
/// it is the instance or the profile that is missing.
pub(super) fn not_found(
    error: ConnectError,
    instance_id: &str,
    profile_id: Option<&str>,
    queues: BTreeSet<String>,
    done: usize,
    total: usize,
) -> Failure {
    let named: Vec<String> = queues.iter().filter(|q| error.names(q)).cloned().collect();
    let other_named = error.names(instance_id) || profile_id.is_some_and(|id| error.names(id));
    let (queues, certain) = match (named.is_empty(), other_named) {
        (false, _) => (named, true),
        (true, false) if !queues.is_empty() => (queues.into_iter().collect(), false),
        _ => return Failure::during_changes(error, done, total),
    };
    Failure::QueueNotFound {
        queues,
        certain,
        instance_id: instance_id.to_string(),
        error,
        done,
        total,
    }
}

/// The queue IDs a profile state names, both lists.
pub(super) fn queue_ids(state: &ProfileState) -> BTreeSet<String> {
    state
        .queues
        .keys()
        .chain(&state.manual_queues)
        .map(|q| q.queue_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, QueueRef};

    fn refusal(kind: ErrorKind, maybe_carried_out: bool) -> ConnectError {
        ConnectError {
            operation: "AnyWrite",
            kind,
            detail: "InvalidParameterException: refused".into(),
            maybe_carried_out,
        }
    }

    #[test]
    fn on_a_read_that_may_lag_only_a_refused_membership_write_may_be_there_already() {
        let queue = QueueRef {
            queue_id: "q-1".into(),
            channel: Channel::Voice,
        };
        let associate = Operation::Associate {
            queues: Vec::new(),
            manual: vec![queue.clone()],
        };
        let disassociate = Operation::Disassociate {
            queues: vec![queue],
            manual: Vec::new(),
        };
        let rename = Operation::UpdateName {
            name: "n".into(),
            description: "d".into(),
        };
        for kind in [ErrorKind::Other, ErrorKind::InvalidRequest] {
            let refused = refusal(kind, false);
            assert!(
                may_be_there(&refused, &associate, true),
                "already associated"
            );
            assert!(
                may_be_there(&refused, &disassociate, true),
                "not associated"
            );
            assert!(
                !may_be_there(&refused, &rename, true),
                "the earlier writes can only have set the same"
            );
            for op in [&associate, &disassociate, &rename] {
                assert!(
                    !may_be_there(&refused, op, false),
                    "a read that shows it all"
                );
                assert!(
                    may_be_there(&refusal(kind, true), op, false),
                    "an earlier attempt of the call may have been carried out"
                );
            }
        }
        assert!(
            !may_be_there(&refusal(ErrorKind::LimitExceeded, false), &associate, true),
            "a quota"
        );
    }
}
