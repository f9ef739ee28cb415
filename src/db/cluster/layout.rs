//! Where the cluster, its socket and its log live, and the account the server
//! runs as.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::User;

use super::error::{ClusterError, errno_err, io_err};
use super::{SERVER_USER, SOCKET_FILE};

/// `sun_path` is 108 bytes including the terminating NUL.
pub(super) const MAX_SOCKET_PATH: usize = 107;
/// Where clusters go when the `postgres` user cannot reach the data directory.
pub(super) const RELOCATION_ROOT: &str = "/var/lib/hamkor/clusters";

/// The unprivileged account the server runs as when we are root.
#[derive(Debug, Clone, Copy)]
pub(super) struct ServerUser {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl ServerUser {
    /// `None` means: run everything as ourselves.
    pub(super) fn detect() -> Result<Option<Self>, ClusterError> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(None);
        }
        match User::from_name(SERVER_USER) {
            Ok(Some(user)) => Ok(Some(Self { uid: user.uid.as_raw(), gid: user.gid.as_raw() })),
            Ok(None) => Err(ClusterError::NoPostgresUser),
            Err(errno) => Err(errno_err(format!("looking up the `{SERVER_USER}` user"))(errno)),
        }
    }

    /// Whether this user may search (`x`) `dir`. Only the primary group counts:
    /// std's `CommandExt::uid` drops supplementary groups when it switches user,
    /// so the server never has them. ACLs are not consulted.
    fn can_search(&self, meta: &fs::Metadata) -> bool {
        let mode = meta.mode();
        if meta.uid() == self.uid {
            mode & 0o100 != 0
        } else if meta.gid() == self.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    }

    fn can_reach(&self, dir: &Path) -> Result<bool, ClusterError> {
        for ancestor in dir.ancestors() {
            let meta = fs::metadata(ancestor).map_err(io_err(format!("inspecting {}", ancestor.display())))?;
            if !self.can_search(&meta) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn chown(&self, path: &Path) -> Result<(), ClusterError> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .map_err(io_err(format!("giving {} to `{SERVER_USER}`", path.display())))
    }
}

pub(super) fn chown_opt(user: Option<&ServerUser>, path: &Path) -> Result<(), ClusterError> {
    match user {
        Some(user) => user.chown(path),
        None => Ok(()),
    }
}

/// FNV-1a: stable across Rust releases and machines, unlike `DefaultHasher`,
/// which matters because the hash names directories that outlive the process.
pub(super) fn path_hash(path: &Path) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.as_os_str().as_encoded_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

pub(super) fn mkdir_mode(path: &Path, mode: u32) -> Result<(), ClusterError> {
    match fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_err(format!("creating {}", path.display()))(e)),
    }
    // The umask may have narrowed the mode, and an existing directory keeps
    // whatever it had.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(io_err(format!("setting permissions of {}", path.display())))
}

/// Where each part of the cluster lives for one data directory.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) data_dir: PathBuf,
    pub(super) cluster_dir: PathBuf,
    pub(super) socket_dir: PathBuf,
    pub(super) log_file: PathBuf,
    /// Set when the cluster lives under [`RELOCATION_ROOT`]; removed along
    /// with the data dir by
    /// [`EmbeddedCluster::stop_when_process_exits`](super::EmbeddedCluster::stop_when_process_exits).
    pub(super) relocated: Option<PathBuf>,
    /// The socket dir is a `/tmp` fallback, removed when the server stops.
    pub(super) socket_in_tmp: bool,
}

impl Layout {
    pub(super) fn lock_file(&self) -> PathBuf {
        self.data_dir.join("postgres.lock")
    }

    pub(super) fn users_dir(&self) -> PathBuf {
        self.data_dir.join("postgres.users")
    }

    pub(super) fn postmaster_pid(&self) -> PathBuf {
        self.cluster_dir.join("postmaster.pid")
    }

    /// Must run under the lock: it may create the relocation symlink.
    pub(super) fn resolve(data_dir: &Path, user: Option<&ServerUser>) -> Result<Self, ClusterError> {
        let link = data_dir.join("postgres");
        let mut relocated = None;
        match fs::symlink_metadata(&link) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&link).map_err(io_err(format!("reading symlink {}", link.display())))?;
                let target = data_dir.join(target);
                // A symlink the user made themselves (say, to a faster disk) is
                // just the cluster directory; only our own relocations carry the
                // socket and log along.
                if target.starts_with(RELOCATION_ROOT)
                    && let Some(container) = target.parent()
                {
                    relocated = Some(container.to_path_buf());
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(user) = user
                    && !user.can_reach(data_dir)?
                {
                    relocated = Some(Self::relocate(data_dir, &link, user)?);
                }
            }
            Err(e) => return Err(io_err(format!("inspecting {}", link.display()))(e)),
        }

        if let Some(container) = relocated {
            return Ok(Self {
                data_dir: data_dir.to_path_buf(),
                cluster_dir: container.join("data"),
                socket_dir: container.join("run"),
                log_file: container.join("postgres.log"),
                relocated: Some(container),
                socket_in_tmp: false,
            });
        }

        let mut socket_dir = data_dir.join("run");
        let mut socket_in_tmp = false;
        // A Unix socket path must fit in sun_path (107 bytes plus NUL), and
        // deep data directories (CI checkouts, tempdirs) easily exceed that.
        // Then the socket goes to a short per-data-dir directory in /tmp, named
        // by a hash of the canonical data dir so every process agrees on it.
        if socket_dir.as_os_str().len() + 1 + SOCKET_FILE.len() > MAX_SOCKET_PATH {
            socket_dir = PathBuf::from(format!("/tmp/hamkor-{}", path_hash(data_dir)));
            socket_in_tmp = true;
        }
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            cluster_dir: link,
            socket_dir,
            log_file: data_dir.join("postgres.log"),
            relocated: None,
            socket_in_tmp,
        })
    }

    /// The `postgres` user cannot traverse some parent of the data dir (a
    /// checkout under /root, a 0700 tempdir): keep the cluster where it can,
    /// and leave a symlink so later runs find it without re-checking.
    fn relocate(data_dir: &Path, link: &Path, user: &ServerUser) -> Result<PathBuf, ClusterError> {
        let root = Path::new(RELOCATION_ROOT);
        if let Some(var_lib) = root.parent().and_then(Path::parent) {
            fs::create_dir_all(var_lib).map_err(io_err(format!("creating {}", var_lib.display())))?;
        }
        // Explicit modes: a restrictive umask (077 is common for root) would
        // otherwise make these unreachable for the server user too.
        if let Some(hamkor) = root.parent() {
            mkdir_mode(hamkor, 0o755)?;
        }
        mkdir_mode(root, 0o755)?;
        let container = root.join(path_hash(data_dir));
        mkdir_mode(&container, 0o700)?;
        user.chown(&container)?;
        let target = container.join("data");
        std::os::unix::fs::symlink(&target, link).map_err(io_err(format!(
            "linking {} to {}",
            link.display(),
            target.display()
        )))?;
        // Purely for humans looking for the log in the data dir.
        let _ = std::os::unix::fs::symlink(container.join("postgres.log"), data_dir.join("postgres.log"));
        tracing::info!(
            data_dir = %data_dir.display(),
            cluster = %target.display(),
            "the `{SERVER_USER}` user cannot reach the data directory; keeping the PostgreSQL cluster in {} (symlinked from {})",
            target.display(),
            link.display()
        );
        Ok(container)
    }
}
