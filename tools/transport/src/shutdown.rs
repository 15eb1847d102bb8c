//! A stop request shared by every server thread of one `jcos serve`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often blocked server threads look at the stop request.
pub(crate) const POLL: Duration = Duration::from_millis(50);

/// Set once to ask every server thread holding a clone to finish what it is doing and stop.
#[derive(Debug, Clone, Default)]
pub struct Shutdown(Arc<AtomicBool>);

impl Shutdown {
    /// A handle with no stop requested.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder to stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was requested.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeps for `duration` unless a stop is requested first; returns whether one was.
    pub fn sleep(&self, duration: Duration) -> bool {
        let end = Instant::now() + duration;
        loop {
            if self.is_requested() {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            std::thread::sleep((end - now).min(POLL));
        }
    }
}
