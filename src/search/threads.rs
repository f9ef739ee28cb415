//! A search's work shared with threads started for it, on the cores other searches leave idle.

use std::sync::Mutex;

/// Runs `first` on this thread and each of `others` on a thread of its own, and answers
/// their results in that order. A job no thread can be started for (the system's limit
/// reached) runs on this thread after `first`; a panic on another thread goes on here, as
/// if the job had run here.
pub fn share<T: Send, F: FnOnce() -> T + Send>(first: impl FnOnce() -> T, others: Vec<F>) -> Vec<T> {
    // Each job waits in a slot: a thread that could not be started leaves it there.
    let slots: Vec<Mutex<Option<F>>> = others.into_iter().map(|job| Mutex::new(Some(job))).collect();
    let take = |slot: &Mutex<Option<F>>| slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    std::thread::scope(|scope| {
        let started: Vec<_> = slots
            .iter()
            .map(|slot| std::thread::Builder::new().spawn_scoped(scope, move || take(slot).map(|job| job())).ok())
            .collect();
        let mut results = vec![first()];
        for (slot, thread) in slots.iter().zip(started) {
            let result = match thread.map(|thread| thread.join()) {
                Some(Ok(result)) => result,
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => take(slot).map(|job| job()),
            };
            results.extend(result);
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_runs_once_and_answers_in_order() {
        let jobs: Vec<_> = (1..=4).map(|i| move || i * 10).collect();
        assert_eq!(share(|| 0, jobs), [0, 10, 20, 30, 40]);
        assert_eq!(share(|| 7, Vec::<fn() -> i32>::new()), [7]);
    }
}
