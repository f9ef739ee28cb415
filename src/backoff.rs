//! Exponential back-off between retries, capped: every retry loop in hamkor waits this way,
//! so an outage costs a few attempts a minute, not thousands a second.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    /// Waits `first`, then twice as long each time, never longer than `cap`.
    pub fn new(first: Duration, cap: Duration) -> Self {
        Backoff { first, cap, next: first }
    }

    /// How long to wait before the next attempt.
    pub fn step(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.cap);
        wait
    }

    /// After a success: the next failure waits `first` again.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_starts_over() {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        let waits: Vec<u128> = (0..5).map(|_| backoff.step().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.step(), Duration::from_millis(250));
    }
}
