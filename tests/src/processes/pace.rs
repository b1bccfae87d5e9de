//! How far a load that runs until told to stop has got: the writes acknowledged so far, for
//! the test to strike in the middle of it, and the signal that ends it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long a test waits for a load to get on: generous, it only turns a hung load into
/// a failure with a message.
const WAIT_POLLS: u32 = 3000;
const WAIT_POLL: Duration = Duration::from_millis(20);

#[derive(Clone, Default)]
pub struct Pace {
    done: Arc<AtomicU64>,
    stop: CancellationToken,
}

impl Pace {
    /// Operations acknowledged so far.
    pub fn progress(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    pub(super) fn acknowledged(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Tells the load to finish what it is doing and end.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Waits, a bounded while, until `more` operations beyond `from` were acknowledged.
    pub async fn wait_past(&self, label: &str, from: u64, more: u64) {
        for _ in 0..WAIT_POLLS {
            if self.progress() >= from + more {
                return;
            }
            tokio::time::sleep(WAIT_POLL).await;
        }
        panic!(
            "{label}: the load stopped getting on at {} (waited for {})",
            self.progress(),
            from + more
        );
    }
}
