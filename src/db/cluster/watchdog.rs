//! Tying the server's life to one process, for test suites.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use super::EmbeddedCluster;
use super::error::{ClusterError, io_err};
use super::server::describe;

impl EmbeddedCluster {
    /// Ties the server's life to this process, for test suites: a watchdog
    /// child stops it (immediate mode) as soon as this process exits for any
    /// reason, including SIGKILL, and optionally deletes the data dir. The
    /// server is stopped even if other processes still use it.
    pub fn stop_when_process_exits(mut self, remove_data_dir: bool) {
        // Our registration stays in place so that releases of other handles in
        // this process don't stop the server early; once we are dead it is
        // pruned like any other.
        self.registration = None;
        if let Err(err) = self.spawn_watchdog(remove_data_dir) {
            tracing::error!(%err, "could not start the PostgreSQL watchdog; the server will outlive this process");
        }
    }

    fn spawn_watchdog(&self, remove_data_dir: bool) -> Result<(), ClusterError> {
        // The parent keeps the write end open for the rest of its life, never
        // writing: the watchdogs see EOF on stdin exactly when the parent is
        // gone, however it died. std creates the pipe close-on-exec, so no
        // other child inherits the write end and delays the EOF.
        let (reader, writer) = std::io::pipe().map_err(io_err("creating the watchdog pipe"))?;
        let wait_for_eof = "trap '' HUP INT TERM; cat >/dev/null";

        // pg_ctl must run as the server user, while deleting the data dir needs
        // our own rights (it holds files owned by us), so those are two
        // watchdogs sharing one pipe; the remover waits for the server to go.
        let pg_ctl = self.bins.program("pg_ctl");
        let mut stopper = self.server_command("sh");
        stopper
            .arg("-c")
            .arg(format!("{wait_for_eof}; exec \"$0\" stop -D \"$1\" -m immediate -w -t 30 -s"))
            .arg(&pg_ctl)
            .arg(&self.layout.cluster_dir);
        spawn_detached(&mut stopper, reader.try_clone().map_err(io_err("duplicating the watchdog pipe"))?)?;

        if remove_data_dir {
            let mut remover = Command::new("sh");
            remover
                .arg("-c")
                .arg(format!(
                    "{wait_for_eof}; i=0; while [ -e \"$0\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; rm -rf \"$@\""
                ))
                .arg(self.layout.postmaster_pid())
                .arg(&self.layout.data_dir)
                .current_dir("/");
            if let Some(container) = &self.layout.relocated {
                remover.arg(container);
            }
            if self.layout.socket_in_tmp {
                remover.arg(&self.layout.socket_dir);
            }
            spawn_detached(&mut remover, reader)?;
        } else {
            drop(reader);
        }
        std::mem::forget(writer);
        Ok(())
    }
}

/// Watchdogs must not hold the test harness's stdout/stderr (cargo test would
/// wait for them) nor share its process group (a Ctrl-C would kill them before
/// they could stop the server).
fn spawn_detached(cmd: &mut Command, stdin: std::io::PipeReader) -> Result<(), ClusterError> {
    cmd.stdin(Stdio::from(stdin)).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    cmd.spawn().map(drop).map_err(io_err(format!("spawning watchdog {}", describe(cmd))))
}
