//! Carrying out a plan: the write calls one at a time, re-planned when a quota needs removing
//! first, and a failed write told in the user's terms.

use std::collections::BTreeSet;

use tokio::time::Instant;

use super::{Progress, reads};
use crate::connect::{Connect, ConnectError, ErrorKind};
use crate::failure::Failure;
use crate::model::{ProfileRef, ProfileState};
use crate::plan::{self, Operation, Order};

/// Applies the plan from `current` to `desired`, one call at a time: queues added first, and when
/// Connect answers an association with LimitExceededException (the account's queues-per-profile
/// quota), the rest planned again from the state reached, removing first. Whether it ends in
/// success or failure, what it wrote is read back until Connect shows it (by `deadline`), so that
/// the request CloudFormation sends next plans from it ([`reads::shown`]).
pub(super) async fn converge(
    connect: &Connect,
    profile: &ProfileRef,
    desired: &ProfileState,
    current: &ProfileState,
    progress: &Progress,
    deadline: Instant,
) -> Result<(), Failure> {
    let mut written = Vec::new();
    let outcome = apply_plan(connect, profile, desired, current, progress, &mut written).await;
    reads::shown(connect, profile, &written, progress, deadline).await;
    outcome
}

/// [`converge`]'s writes, each one Connect accepted added to `written`.
async fn apply_plan(
    connect: &Connect,
    profile: &ProfileRef,
    desired: &ProfileState,
    current: &ProfileState,
    progress: &Progress,
    written: &mut Vec<Operation>,
) -> Result<(), Failure> {
    let mut order = Order::AddFirst;
    let mut state = current.clone();
    let mut ops = plan::update(desired, &state, order);
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
        match connect.apply(profile, op).await {
            Ok(()) => {
                state = plan::apply(&state, std::slice::from_ref(op));
                written.push(op.clone());
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
                ops = plan::update(desired, &state, order);
                total = done + ops.len();
                next = 0;
            }
            Err(error) => return Err(write_failure(error, op, profile, done, total)),
        }
    }
    if total == 0 {
        tracing::debug!("nothing to change");
    }
    Ok(())
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
