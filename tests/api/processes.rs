//! The real `hamkor` binary as a child process, for the test modules that run it (`cli`,
//! `search_processes`): a guard that always stops and reaps the child, commands run to
//! completion with their output collected, and a running `hamkor serve` found through its
//! ready line.
//!
//! Every wait is bounded, and every child process is stopped even when an assertion fails.
//! How the `Command` is built (data dir, DATABASE_URL, environment) is up to each module.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

pub const HAMKOR: &str = env!("CARGO_BIN_EXE_hamkor");
/// What `hamkor serve` prints on stdout, followed by `ADDRESS/graphql`, once it is ready.
pub const READY_PREFIX: &str = "hamkor is ready: open http://";
/// The longest any one command, start-up or shutdown may take (initdb included).
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// How long a child that is dropped while running has to exit after SIGTERM before it is
/// killed.
const GRACE: Duration = Duration::from_secs(15);

/// `hamkor ARGS --data-dir DIR`, with nothing taken from the environment that could point it
/// elsewhere (no DATABASE_URL: it uses the embedded PostgreSQL unless the caller sets one)
/// and no stdin.
pub fn hamkor(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(HAMKOR);
    command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("HAMKOR_DATA_DIR")
        .env_remove("HAMKOR_INDEX_DIR")
        .env_remove("HAMKOR_LISTEN")
        .env_remove("HAMKOR_DEMO")
        .env_remove("HAMKOR_LOG_FORMAT")
        .stdin(Stdio::null());
    command
}

/// Stops the child when dropped (SIGTERM, then SIGKILL after [`GRACE`]) and reaps it, so a
/// failing assertion never leaves a process behind.
pub struct ChildGuard {
    pub child: Child,
    /// What the child is, for messages.
    pub what: String,
}

impl ChildGuard {
    pub fn spawn(mut command: Command, what: &str) -> ChildGuard {
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {what} ({HAMKOR}): {e}"));
        ChildGuard { child, what: what.to_owned() }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.child.id()).expect("a pid fits in i32"))
    }

    /// The exit status, if the child has exited.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap_or_else(|e| panic!("cannot wait for {}: {e}", self.what))
    }

    /// Waits at most `timeout` for the child to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_status() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Not `try_status`: no panic while dropping (perhaps during a panic already).
        if let Ok(None) = self.child.try_wait() {
            // SIGTERM first: hamkor then stops the embedded PostgreSQL it may have started.
            let _ = kill(self.pid(), Signal::SIGTERM);
            let deadline = Instant::now() + GRACE;
            while let Ok(None) = self.child.try_wait() {
                if Instant::now() >= deadline {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Whether `pid` names a live (not zombie) process.
pub fn process_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may itself hold spaces.
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

/// Whether `pid` is gone within a few seconds: `pg_ctl stop` returns once postmaster.pid is
/// removed, which can be a moment before the process itself has exited.
pub fn exits_soon(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Collects everything a pipe yields on a thread of its own.
pub fn collect(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// A command run to completion.
pub struct Outcome {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    #[track_caller]
    pub fn assert_success(&self, what: &str) {
        assert!(
            self.status.success(),
            "`{what}` failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
    }
}

/// Runs `command` to completion, at most [`TIMEOUT`], and returns what it printed.
#[track_caller]
pub fn run_command(command: Command, what: &str) -> Outcome {
    Running::start(command, what).finish(TIMEOUT)
}

/// A child whose output is collected, to be waited for later.
pub struct Running {
    pub guard: ChildGuard,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

impl Running {
    pub fn start(mut command: Command, what: &str) -> Running {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut guard = ChildGuard::spawn(command, what);
        let stdout = collect(guard.child.stdout.take().expect("piped stdout"));
        let stderr = collect(guard.child.stderr.take().expect("piped stderr"));
        Running { guard, stdout: Some(stdout), stderr: Some(stderr) }
    }

    /// Waits (at most `timeout`) for the child to exit and returns what it printed.
    #[track_caller]
    pub fn finish(mut self, timeout: Duration) -> Outcome {
        let status = self.guard.wait_timeout(timeout);
        let Some(status) = status else {
            let what = self.guard.what.clone();
            // Stops the child, which closes its pipes.
            drop(self.guard);
            let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
            panic!("`{what}` did not finish within {} s; its stderr:\n{stderr}", timeout.as_secs());
        };
        Outcome {
            status,
            stdout: self.stdout.take().and_then(|h| h.join().ok()).unwrap_or_default(),
            stderr: self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default(),
        }
    }
}

/// A running `hamkor serve`. Each test module adds the requests it makes in an `impl Serve`
/// of its own, next to a `start_serve` that builds its command.
pub struct Serve {
    /// What the server is, for messages, e.g. `serve A`.
    pub name: String,
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    stderr: Arc<Mutex<String>>,
    /// A client with a 30 s timeout per request.
    pub client: reqwest::Client,
    /// The bearer token requests send, if any (changes need a staff token).
    pub bearer: Option<String>,
    // Last: dropped after everything else.
    pub guard: ChildGuard,
}

impl Serve {
    /// Starts `command` (a `hamkor serve` that listens on a free port) and waits, at most
    /// [`TIMEOUT`], for its ready line. Blocks the calling thread.
    #[track_caller]
    pub fn start(mut command: Command, name: &str) -> Serve {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut guard = ChildGuard::spawn(command, name);

        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let pipe = guard.child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut text = sink.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
        });

        let (tx, rx) = mpsc::channel::<String>();
        let pipe = guard.child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            // Keeps draining stdout after the ready line, so the child never writes to a
            // closed pipe.
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });

        let deadline = Instant::now() + TIMEOUT;
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(READY_PREFIX) {
                        let address = rest.trim().strip_suffix("/graphql").unwrap_or_else(|| {
                            panic!("the ready line does not end in /graphql: {line}");
                        });
                        break format!("http://{address}");
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    drop(guard);
                    panic!(
                        "{name} printed no `{READY_PREFIX}...` line within {} s; its stderr:\n{}",
                        TIMEOUT.as_secs(),
                        stderr.lock().unwrap_or_else(|e| e.into_inner())
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = guard.wait_timeout(Duration::from_secs(10));
                    drop(guard);
                    // Let the stderr thread catch up with the last lines.
                    std::thread::sleep(Duration::from_millis(200));
                    panic!(
                        "{name} exited ({status:?}) before it was ready; its stderr:\n{}",
                        stderr.lock().unwrap_or_else(|e| e.into_inner())
                    );
                }
            }
        };
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("an HTTP client");
        Serve { name: name.to_owned(), base, stderr, client, bearer: None, guard }
    }

    /// Everything the server has written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// SIGKILL, and waits until it is gone.
    #[track_caller]
    pub fn kill9(mut self) {
        use std::os::unix::process::ExitStatusExt;
        kill(self.guard.pid(), Signal::SIGKILL).unwrap_or_else(|e| panic!("SIGKILL to {}: {e}", self.name));
        let status = self.guard.wait_timeout(Duration::from_secs(10)).expect("a killed process exits");
        assert_eq!(status.signal(), Some(Signal::SIGKILL as i32), "{} died of SIGKILL: {status}", self.name);
    }

    /// Sends SIGTERM and asserts that the server exits with status 0 within [`TIMEOUT`].
    #[track_caller]
    pub fn terminate(mut self) {
        kill(self.guard.pid(), Signal::SIGTERM).unwrap_or_else(|e| panic!("SIGTERM to {}: {e}", self.name));
        let Some(status) = self.guard.wait_timeout(TIMEOUT) else {
            panic!(
                "{} did not exit within {} s of SIGTERM; its stderr:\n{}",
                self.name,
                TIMEOUT.as_secs(),
                self.stderr()
            );
        };
        assert!(status.success(), "{} exited with {status} after SIGTERM; its stderr:\n{}", self.name, self.stderr());
    }
}
