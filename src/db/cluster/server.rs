//! Running `pg_ctl`: starting, stopping and checking on the server.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::error::{ClusterError, io_err};
use super::{ClusterOptions, EmbeddedCluster, SOCKET_FILE};

/// Generous, but bounded: a peer waiting on our lock waits at most this long.
const PG_CTL_TIMEOUT_SECS: u32 = 60;

fn tail_of_file(path: &Path, max_lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(8192)));
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(max_lines)..].join("\n")
}

pub(super) fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

impl EmbeddedCluster {
    /// A command for a PostgreSQL program, run as the server user. The
    /// working directory is `/` because ours may be unreadable to that user,
    /// which makes PostgreSQL programs fail. Its own process group keeps a
    /// Ctrl-C meant for one hamkor command from reaching a shared server.
    pub(super) fn server_command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir("/")
            .stdin(Stdio::null())
            .process_group(0)
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .env_remove("PGOPTIONS");
        if let Some(user) = &self.user {
            cmd.uid(user.uid).gid(user.gid);
        }
        cmd
    }

    pub(super) fn run(&self, mut cmd: Command, log: Option<&Path>) -> Result<(), ClusterError> {
        let command = describe(&cmd);
        let out =
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).output().map_err(io_err(format!("running {command}")))?;
        if out.status.success() {
            return Ok(());
        }
        let mut log_tail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !stdout.trim().is_empty() {
            log_tail = format!("{}\n{log_tail}", stdout.trim());
        }
        if let Some(log) = log {
            let tail = tail_of_file(log, 20);
            if !tail.is_empty() {
                log_tail.push_str(&format!("\n--- last lines of {} ---\n{tail}", log.display()));
            }
        }
        Err(ClusterError::CommandFailed { command, status: out.status.to_string(), log_tail })
    }

    /// A crash can leave a postmaster.pid whose pid now belongs to an
    /// unrelated process (common in containers, where pids restart low);
    /// PostgreSQL would then refuse to start. Linux only: elsewhere we rely
    /// on PostgreSQL's own stale-lock detection.
    fn clear_recycled_postmaster_pid(&self) {
        let pid_file = self.layout.postmaster_pid();
        let Ok(content) = fs::read_to_string(&pid_file) else {
            return;
        };
        let Some(pid) = content.lines().next().and_then(|l| l.trim().parse::<u32>().ok()) else {
            return;
        };
        if !Path::new("/proc/self").exists() {
            return;
        }
        let Ok(comm) = fs::read_to_string(format!("/proc/{pid}/comm")) else {
            return; // dead: PostgreSQL handles that itself
        };
        if !matches!(comm.trim(), "postgres" | "postmaster") {
            tracing::warn!(pid, process = comm.trim(), "removing stale postmaster.pid left by a crash");
            let _ = fs::remove_file(&pid_file);
            let _ = fs::remove_file(self.layout.socket_dir.join(format!("{SOCKET_FILE}.lock")));
        }
    }

    pub(super) fn is_running(&self) -> Result<bool, ClusterError> {
        self.clear_recycled_postmaster_pid();
        if !self.layout.postmaster_pid().exists() {
            return Ok(false);
        }
        let mut cmd = self.server_command(self.bins.program("pg_ctl"));
        cmd.arg("status").arg("-D").arg(&self.layout.cluster_dir).stdout(Stdio::null()).stderr(Stdio::null());
        let status = cmd.status().map_err(io_err(format!("running {}", describe(&cmd))))?;
        // 0: running; 3: not running; 4: no accessible data directory.
        Ok(status.success())
    }

    pub(super) fn start(&self, options: ClusterOptions) -> Result<(), ClusterError> {
        self.write_config(options)?;
        self.prepare_socket_dir()?;
        self.prepare_log()?;
        tracing::info!(cluster = %self.layout.cluster_dir.display(), socket = %self.layout.socket_dir.display(), "starting PostgreSQL");
        let mut attempts = 0;
        loop {
            match self.run(self.start_command(), Some(&self.layout.log_file)) {
                // After a crash, children of the dead postmaster may still be
                // attached to its shared memory for a moment; PostgreSQL
                // refuses to start until they are gone.
                Err(ClusterError::CommandFailed { log_tail, .. })
                    if attempts < 5 && log_tail.contains("is still in use") =>
                {
                    attempts += 1;
                    tracing::info!("old PostgreSQL processes still exiting; retrying start");
                    std::thread::sleep(Duration::from_secs(1));
                }
                result => return result,
            }
        }
    }

    fn start_command(&self) -> Command {
        let mut cmd = self.server_command(self.bins.program("pg_ctl"));
        cmd.arg("start")
            .arg("-D")
            .arg(&self.layout.cluster_dir)
            .arg("-l")
            .arg(&self.layout.log_file)
            .args(["-w", "-s", "-t"])
            .arg(PG_CTL_TIMEOUT_SECS.to_string());
        cmd
    }

    pub(super) fn stop(&self) -> Result<(), ClusterError> {
        tracing::info!(cluster = %self.layout.cluster_dir.display(), "stopping PostgreSQL");
        let mut cmd = self.server_command(self.bins.program("pg_ctl"));
        cmd.arg("stop")
            .arg("-D")
            .arg(&self.layout.cluster_dir)
            .args(["-m", "fast", "-w", "-s", "-t"])
            .arg(PG_CTL_TIMEOUT_SECS.to_string());
        self.run(cmd, Some(&self.layout.log_file))?;
        if self.layout.socket_in_tmp {
            // Only succeeds when empty, i.e. the server cleaned up its socket.
            let _ = fs::remove_dir(&self.layout.socket_dir);
        }
        Ok(())
    }
}
