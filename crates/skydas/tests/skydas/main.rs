//! The one integration-test binary of `skydas`: the real binary on real files, with real
//! services where a test needs them (PostgreSQL and NATS JetStream on 127.0.0.1).

mod cli;
mod contract;
mod indicators;
mod real_data;
mod scale;
mod serve;
mod share;
mod snapshots;
mod tidy;
