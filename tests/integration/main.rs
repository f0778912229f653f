//! The integration tests, one binary (so the SDK is linked once): the handler end to end over
//! HTTP (`lifecycle`, `concurrency`, `resilience`; `leftovers`, `limits` and `answers` for the
//! edges of issue 9; `ownership` and `adoption` for whose a profile is, issue 16; `read_again`,
//! calls on a profile Connect does not show yet, and `lagging_reads`, the lifecycle's reads while
//! Connect's reads lag its writes; `scale`, a stack of many profiles under Connect's
//! quotas; `fault_run`, random schedules of them under faults) and the built binary under a local
//! Lambda Runtime API (`binary`), all on the harness in `world`; the function over HTTPS with
//! certificate problems and slow TLS servers (`https`); and the property parser against the
//! corpus the cfn-lint rules share (`corpus`).

mod adoption;
mod answers;
mod binary;
mod concurrency;
mod corpus;
mod fault_run;
mod https;
mod lagging_reads;
mod leftovers;
mod lifecycle;
mod limits;
mod ownership;
mod read_again;
mod resilience;
mod scale;
mod workload_only;
mod world;
