//! Measuring OneWindow: a load generator over tonic clients (closed loop with a fixed
//! number of callers, or open loop at a fixed rate), latency histograms, and a bare
//! hello-world server as the limit of the machine.

#![forbid(unsafe_code)]

pub mod hello {
    tonic::include_proto!("onewindow.bench.v1");
}

pub mod load;
pub mod submission;
pub mod supervision;
