//! The integration tests, one binary (so the SDK is linked once): the handler end to end over
//! HTTP (`lifecycle`, `resilience`) and the built binary under a local Lambda Runtime API
//! (`binary`), all on the harness in `world`.

mod binary;
mod lifecycle;
mod resilience;
mod world;
