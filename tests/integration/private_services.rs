//! Private Redis and PostgreSQL servers that one test starts, kills and restarts at
//! will (the shared test instances are never touched). Each lives in a temporary
//! directory on a free loopback port and is killed when dropped.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use uuid::Uuid;

/// A loopback port nobody listens on.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("execora-{tag}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn kill(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.kill(); // SIGKILL: no shutdown, no final save
        let _ = c.wait();
    }
}

/// A private `redis-server`.
pub struct PrivateRedis {
    pub port: u16,
    dir: PathBuf,
    /// Whether every write is in the append-only file (so a restart keeps the data).
    persist: bool,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts a server; with `persist`, every write is fsynced to an append-only file.
    pub async fn start(persist: bool) -> Self {
        let mut redis = Self {
            port: free_port(),
            dir: temp_dir("redis"),
            persist,
            child: None,
        };
        redis.spawn().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn spawn(&mut self) {
        let aof = if self.persist { "yes" } else { "no" };
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--dir", self.dir.to_str().unwrap(), "--save", ""])
            .args(["--appendonly", aof, "--appendfsync", "always"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/services installs it)");
        self.child = Some(child);
        self.wait_until_up().await;
    }

    async fn wait_until_up(&self) {
        let client = redis::Client::open(self.url()).unwrap();
        for _ in 0..200 {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await
                && redis::cmd("PING")
                    .query_async::<String>(&mut c)
                    .await
                    .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("private redis did not come up");
    }

    /// SIGKILL: the server is gone at once, clients see their connections reset.
    pub fn kill(&mut self) {
        kill(&mut self.child);
    }

    /// Starts the server again on the same port (with its data if it persisted it).
    pub async fn restart(&mut self) {
        self.spawn().await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        kill(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A private PostgreSQL cluster (run as the `postgres` user when the tests run as root,
/// since PostgreSQL refuses root).
pub struct PrivatePostgres {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// `initdb` and `postgres`: Debian keeps them off `PATH`.
fn pg_bin(name: &str) -> PathBuf {
    let mut majors: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    majors.sort();
    majors
        .pop()
        .map(|b| b.join(name))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn as_pg_user(program: PathBuf) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd.current_dir("/");
        cmd
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PrivatePostgres {
    pub async fn start() -> Self {
        let dir = temp_dir("pg");
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres", dir.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let out = as_pg_user(pg_bin("initdb"))
            .args(["-D", dir.join("data").to_str().unwrap()])
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = Self {
            port: free_port(),
            dir,
            child: None,
        };
        pg.spawn().await;
        pg
    }

    /// A URL of the `postgres` database (the harness creates its own from it).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    async fn spawn(&mut self) {
        let child = as_pg_user(pg_bin("postgres"))
            .args(["-D", self.dir.join("data").to_str().unwrap()])
            .args([
                "-p",
                &self.port.to_string(),
                "-k",
                self.dir.to_str().unwrap(),
            ])
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..400 {
            if sqlx::PgPool::connect(&self.url()).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("private postgres did not come up");
    }

    /// Stops the server at once: `immediate` mode, every backend killed without a
    /// checkpoint, as in a crash; clients see their connections reset.
    pub fn kill(&mut self) {
        let _ = as_pg_user(pg_bin("pg_ctl"))
            .args(["-D", self.dir.join("data").to_str().unwrap()])
            .args(["stop", "-m", "immediate", "-w"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        kill(&mut self.child);
    }

    pub async fn restart(&mut self) {
        self.spawn().await;
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
