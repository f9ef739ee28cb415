//! Coordination between hamkor processes sharing a data directory: the
//! start/stop lock and the registry of processes using the server.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::EmbeddedCluster;
use super::error::{ClusterError, errno_err, io_err};
use super::layout::mkdir_mode;

/// Holds `<data_dir>/postgres.lock` until dropped.
pub(super) struct LockGuard {
    _lock: Flock<File>,
}

impl LockGuard {
    pub(super) fn take(path: &Path) -> Result<Self, ClusterError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        loop {
            match Flock::lock(file, FlockArg::LockExclusive) {
                Ok(lock) => return Ok(Self { _lock: lock }),
                Err((f, Errno::EINTR)) => file = f,
                Err((_, errno)) => {
                    return Err(errno_err(format!("locking {}", path.display()))(errno));
                }
            }
        }
    }
}

/// Distinguishes several handles of one process on the same data dir.
static HANDLE_SEQ: AtomicU64 = AtomicU64::new(0);

/// Start time of a process in clock ticks since boot (Linux only). Stored in
/// registrations so a recycled pid is not mistaken for the registered process.
fn process_start_time(pid: u32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may itself contain spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_owned)
}

fn registration_alive(name: &str, content: &str) -> bool {
    let Some(pid) = name.split('-').next().and_then(|pid| pid.parse::<i32>().ok()).filter(|pid| *pid > 0) else {
        // Not a name we write; junk must not pin the server.
        return false;
    };
    match kill(Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => {}
        Err(_) => return false,
    }
    let recorded = content.trim();
    match (recorded.is_empty(), u32::try_from(pid).ok().and_then(process_start_time)) {
        (false, Some(now)) => now == recorded,
        _ => true,
    }
}

/// Removes registrations of dead processes; returns how many live ones remain.
pub(super) fn prune_registrations(users_dir: &Path) -> Result<usize, ClusterError> {
    let entries = match fs::read_dir(users_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err(format!("listing {}", users_dir.display()))(e)),
    };
    let mut alive = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let content = fs::read_to_string(entry.path()).unwrap_or_default();
        if registration_alive(&name, &content) {
            alive += 1;
        } else {
            tracing::debug!(registration = %name, "pruning registration of a dead process");
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(alive)
}

impl EmbeddedCluster {
    pub(super) fn register(&mut self) -> Result<(), ClusterError> {
        let dir = self.layout.users_dir();
        mkdir_mode(&dir, 0o755)?;
        let pid = std::process::id();
        let seq = HANDLE_SEQ.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{pid}-{seq}"));
        let start_time = process_start_time(pid).unwrap_or_default();
        fs::write(&path, start_time).map_err(io_err(format!("writing {}", path.display())))?;
        self.registration = Some(path);
        Ok(())
    }
}
