//! The operations, one function each, grouped by the resource they act on. Each reads its typed
//! request (already checked against the model), applies the documented rules, looks up what it
//! names, and changes the state only when every check has passed: a failing call changes nothing.

mod profiles;
mod queues;
mod tags;

use serde_json::{Map, Value};

use super::error::ApiResult;
use super::http::Op;
use super::shapes::Input;
use super::state::State;

/// Runs one operation.
pub(super) fn dispatch(state: &mut State, op: Op, input: &Input) -> ApiResult<Value> {
    match op {
        Op::Create => profiles::create(state, input.parse()?),
        Op::Describe => profiles::describe(state, input.parse()?),
        Op::Delete => profiles::delete(state, input.parse()?),
        Op::UpdateName => profiles::update_name(state, input.parse()?),
        Op::UpdateConcurrency => profiles::update_concurrency(state, input.parse()?),
        Op::UpdateDefaultOutboundQueue => profiles::update_default_queue(state, input.parse()?),
        Op::UpdateAgentAvailabilityTimer => profiles::update_timer(state, input.parse()?),
        Op::ListProfiles => profiles::list(state, input.parse()?),
        Op::UpdateQueues => queues::update(state, input.parse()?),
        Op::AssociateQueues => queues::associate(state, input.parse()?),
        Op::DisassociateQueues => queues::disassociate(state, input.parse()?),
        Op::ListQueues => queues::list(state, input.parse()?),
        Op::ListManualQueues => queues::list_manual(state, input.parse()?),
        Op::TagResource => tags::tag(state, input.parse()?),
        Op::UntagResource => tags::untag(state, input.parse()?),
        Op::ListTags => tags::list(state, input.parse()?),
    }
}

/// The body of an operation that answers nothing.
fn empty() -> Value {
    Value::Object(Map::new())
}
