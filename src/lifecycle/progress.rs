//! How far a request's work has got, shared with the handler so that a timeout or a panic is
//! still answered truthfully.

use std::sync::{Arc, Mutex};

use super::ownership::{Claimed, Origin};
use crate::model::ProfileRef;

/// What the work has got to, shared with the handler so that a timeout or a panic can still be
/// answered truthfully: the step it was in, and the profile a Create has already made or is
/// adopting (a cleanup deletes only the first kind).
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<Mutex<ProgressState>>);

#[derive(Debug, Default)]
struct ProgressState {
    step: String,
    create_sent: bool,
    claimed: Option<Claimed>,
}

impl Progress {
    /// Records the step now under way.
    pub fn step(&self, step: impl Into<String>) {
        let step = step.into();
        tracing::debug!(%step, "step");
        if let Ok(mut state) = self.0.lock() {
            state.step = step;
        }
    }

    /// The step under way.
    pub fn current(&self) -> String {
        let step = self.0.lock().map(|s| s.step.clone()).unwrap_or_default();
        if step.is_empty() {
            "starting".to_string()
        } else {
            step
        }
    }

    /// Records that a CreateRoutingProfile was sent: from here on a profile may exist even when
    /// no answer says so.
    pub(super) fn create_sent(&self) {
        if let Ok(mut state) = self.0.lock() {
            state.create_sent = true;
        }
    }

    /// Whether a CreateRoutingProfile was sent.
    pub fn was_create_sent(&self) -> bool {
        self.0.lock().is_ok_and(|s| s.create_sent)
    }

    /// Records a profile this request created.
    pub(super) fn created(&self, profile: &ProfileRef) {
        self.claimed(&Claimed {
            profile: profile.clone(),
            origin: Origin::Created,
        });
    }

    /// Records a profile this request created or is adopting (recorded before it is marked, so
    /// that a failure from then on answers an id whose Delete only releases it).
    pub(super) fn claimed(&self, claimed: &Claimed) {
        if let Ok(mut state) = self.0.lock() {
            state.claimed = Some(claimed.clone());
        }
    }

    /// The profile this request created or adopted, if any, and which of the two.
    pub fn claimed_profile(&self) -> Option<Claimed> {
        self.0.lock().ok().and_then(|s| s.claimed.clone())
    }
}
