//! The operations, one function each, grouped by the resource they act on, and [`Op`], the names
//! the rest of the emulator knows them by.
//!
//! Each reads its typed request (already checked against the model) and applies the documented
//! rules. A read answers from a `ReadView`. A write gets a `WriteView`, which cannot change
//! anything, and returns its answer with the one [`Change`] it makes; [`dispatch`] applies the
//! change only when the whole call has passed, so a refused call changes nothing, by
//! construction rather than by care.

mod profiles;
mod queues;
mod tags;

use std::time::Instant;

use serde_json::{Map, Value};

use super::error::ApiResult;
use super::shapes::Input;
use super::state::{Change, State};
use super::view::At;

/// The Connect operations the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Create,
    Describe,
    Delete,
    UpdateName,
    UpdateConcurrency,
    UpdateDefaultOutboundQueue,
    UpdateAgentAvailabilityTimer,
    UpdateQueues,
    AssociateQueues,
    DisassociateQueues,
    ListQueues,
    ListManualQueues,
    ListProfiles,
    TagResource,
    UntagResource,
    ListTags,
}

impl Op {
    /// The operation's name in Connect's API (and in the constraints table).
    pub(super) fn name(self) -> &'static str {
        match self {
            Op::Create => "CreateRoutingProfile",
            Op::Describe => "DescribeRoutingProfile",
            Op::Delete => "DeleteRoutingProfile",
            Op::UpdateName => "UpdateRoutingProfileName",
            Op::UpdateConcurrency => "UpdateRoutingProfileConcurrency",
            Op::UpdateDefaultOutboundQueue => "UpdateRoutingProfileDefaultOutboundQueue",
            Op::UpdateAgentAvailabilityTimer => "UpdateRoutingProfileAgentAvailabilityTimer",
            Op::UpdateQueues => "UpdateRoutingProfileQueues",
            Op::AssociateQueues => "AssociateRoutingProfileQueues",
            Op::DisassociateQueues => "DisassociateRoutingProfileQueues",
            Op::ListQueues => "ListRoutingProfileQueues",
            Op::ListManualQueues => "ListRoutingProfileManualAssignmentQueues",
            Op::ListProfiles => "ListRoutingProfiles",
            Op::TagResource => "TagResource",
            Op::UntagResource => "UntagResource",
            Op::ListTags => "ListTagsForResource",
        }
    }

    /// The request members the path labels carry, in path order.
    pub(super) fn labels(self) -> &'static [&'static str] {
        match self {
            Op::Create | Op::ListProfiles => &["InstanceId"],
            Op::TagResource | Op::UntagResource | Op::ListTags => &["resourceArn"],
            _ => &["InstanceId", "RoutingProfileId"],
        }
    }
}

/// A write's answer and the one change it makes.
pub(super) struct Write {
    answer: Value,
    change: Change,
}

impl Write {
    /// Answers nothing, as every write but Create does.
    fn quiet(change: Change) -> Write {
        Write {
            answer: empty(),
            change,
        }
    }
}

/// Runs one operation at `now`.
pub(super) fn dispatch(state: &mut State, op: Op, input: &Input, now: Instant) -> ApiResult<Value> {
    state.settle(now);
    let at = At::new(&state.account, state.lag.as_ref(), now);
    let (read, write) = (at.reads(), at.writes());
    let written = match op {
        Op::Describe => return profiles::describe(&read, input.parse()?),
        Op::ListProfiles => return profiles::list(&read, input.parse()?),
        Op::ListQueues => return queues::list(&read, input.parse()?),
        Op::ListManualQueues => return queues::list_manual(&read, input.parse()?),
        Op::ListTags => return tags::list(&read, input.parse()?),
        Op::Create => profiles::create(&write, input.parse()?),
        Op::Delete => profiles::delete(&write, input.parse()?),
        Op::UpdateName => profiles::update_name(&write, input.parse()?),
        Op::UpdateConcurrency => profiles::update_concurrency(&write, input.parse()?),
        Op::UpdateDefaultOutboundQueue => profiles::update_default_queue(&write, input.parse()?),
        Op::UpdateAgentAvailabilityTimer => profiles::update_timer(&write, input.parse()?),
        Op::UpdateQueues => queues::update(&write, input.parse()?),
        Op::AssociateQueues => queues::associate(&write, input.parse()?),
        Op::DisassociateQueues => queues::disassociate(&write, input.parse()?),
        Op::TagResource => tags::tag(&write, input.parse()?),
        Op::UntagResource => tags::untag(&write, input.parse()?),
    }?;
    state.apply(written.change, now);
    Ok(written.answer)
}

/// The body of an operation that answers nothing.
fn empty() -> Value {
    Value::Object(Map::new())
}
