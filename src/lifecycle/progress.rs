//! How far a request's work has got, shared with the handler so that a timeout or a panic is
//! still answered truthfully.

use std::sync::{Arc, Mutex};

use crate::model::ProfileRef;

/// What the work has got to, shared with the handler so that a timeout or a panic can still be
/// answered truthfully: the step it was in, and the profile a Create has already made.
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<Mutex<ProgressState>>);

#[derive(Debug, Default)]
struct ProgressState {
    step: String,
    create_sent: bool,
    created: Option<ProfileRef>,
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
        if let Ok(mut state) = self.0.lock() {
            state.created = Some(profile.clone());
        }
    }

    /// The profile this request created, if any.
    pub fn created_profile(&self) -> Option<ProfileRef> {
        self.0.lock().ok().and_then(|s| s.created.clone())
    }
}
