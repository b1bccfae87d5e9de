//! Rate limits for anonymous callers: an in-process token bucket per client address. Each
//! replica counts alone (no shared store), which is enough to blunt scraping and password
//! guessing; a deployment that needs exact global limits puts them in its ingress. And the
//! gate that bounds how many uploads are received at once, which bounds their memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::settings::LimitSettings;

/// Buckets kept at most; past this, full (idle) buckets are forgotten.
const MAX_TRACKED: usize = 10_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    rate: f64,
    burst: f64,
    exempt: Vec<IpAddr>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(settings: &LimitSettings) -> Self {
        RateLimiter {
            rate: settings.anonymous_per_second.max(0.0),
            burst: settings.anonymous_burst.max(1.0),
            exempt: settings.exempt_addresses.clone(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`; `Err(seconds)` to wait when the bucket is empty.
    pub fn check(&self, ip: IpAddr) -> Result<(), u32> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u32> {
        if self.exempt.contains(&ip) {
            return Ok(());
        }
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_TRACKED {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else if self.rate > 0.0 {
            // At most an hour: a tiny configured rate must not make the wait overflow.
            Err(((1.0 - bucket.tokens) / self.rate).ceil().min(3600.0) as u32)
        } else {
            Err(60)
        }
    }
}

/// Turns for requests that carry files (`max_concurrent_uploads` at once). A request takes
/// its turn before its body is read, so that a waiting upload's bytes stay with its client
/// (TCP pushes back) rather than in memory, and keeps it until it is answered.
pub struct UploadGate {
    turns: Arc<Semaphore>,
    wait: Duration,
}

impl UploadGate {
    pub fn new(settings: &LimitSettings) -> Self {
        UploadGate {
            turns: Arc::new(Semaphore::new(settings.max_concurrent_uploads.max(1))),
            wait: Duration::from_secs(settings.upload_wait_secs),
        }
    }

    /// A turn, waiting up to `upload_wait_secs` for one; `Err(seconds)` to try again after
    /// when none came free.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, u32> {
        let retry = u32::try_from(self.wait.as_secs().clamp(1, 60)).unwrap_or(60);
        match tokio::time::timeout(self.wait, self.turns.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            // Timed out, or closed (never: the gate does not close its semaphore).
            Ok(Err(_)) | Err(_) => Err(retry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limiter(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter::new(&LimitSettings {
            anonymous_per_second: rate,
            anonymous_burst: burst,
            exempt_addresses: vec!["10.0.0.9".parse().unwrap()],
            ..LimitSettings::default()
        })
    }

    #[test]
    fn a_burst_passes_then_the_bucket_refills_at_the_rate() {
        let l = limiter(2.0, 3.0);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check_at(ip, t0).is_ok());
        }
        assert_eq!(l.check_at(ip, t0), Err(1));
        assert!(l.check_at(ip, t0 + Duration::from_millis(600)).is_ok());
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(
            l.check_at(other, t0).is_ok(),
            "each address has its own bucket"
        );
    }

    #[tokio::test]
    async fn an_upload_waits_for_a_turn_and_is_turned_away_when_none_comes() {
        let gate = UploadGate::new(&LimitSettings {
            max_concurrent_uploads: 1,
            upload_wait_secs: 1,
            ..LimitSettings::default()
        });
        let first = gate.enter().await.expect("a free turn");
        assert_eq!(gate.enter().await.err(), Some(1), "no turn within the wait");
        let waiting = tokio::spawn(async move { gate.enter().await.is_ok() });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(first);
        assert!(
            waiting.await.unwrap(),
            "the turn passes on when an upload ends"
        );
    }

    #[test]
    fn exempt_addresses_are_never_limited() {
        let l = limiter(0.0, 1.0);
        let kiosk: IpAddr = "10.0.0.9".parse().unwrap();
        for _ in 0..100 {
            assert!(l.check(kiosk).is_ok());
        }
    }
}
