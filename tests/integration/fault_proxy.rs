//! Starting and stopping the fault-injecting proxy (`tests/faultproxy/proxy.py`) in front of the
//! emulator, and reading what it injected. The proxy stops with its `FaultProxy` (or, should the
//! test process die, by itself when its parent is gone).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::harness::{endpoint, repo_root};

/// The per-request probability of each kind of fault (see proxy.py's header for what each does).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub throttle: f64,
    pub error_500: f64,
    pub error_503: f64,
    pub reset: f64,
    pub delay: f64,
    pub lost_500: f64,
    pub lost_reset: f64,
    /// Only these operations get faults (all when empty).
    pub only: Vec<&'static str>,
    /// At most this many faults in all.
    pub max_faults: Option<u32>,
    /// Record every AWS request (operation and string parameters) to this file, one JSON line each.
    pub record: Option<std::path::PathBuf>,
    /// Hold every AWS request this many milliseconds before forwarding it (a far region).
    pub latency_ms: Option<u32>,
}

impl Faults {
    /// `total` spread evenly over every kind: before the emulator, delays, and lost responses.
    pub fn spread(total: f64) -> Self {
        let each = total / 7.0;
        Faults {
            throttle: each,
            error_500: each,
            error_503: each,
            reset: each,
            delay: each,
            lost_500: each,
            lost_reset: each,
            ..Faults::default()
        }
    }

    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (flag, rate) in [
            ("--throttle", self.throttle),
            ("--error-500", self.error_500),
            ("--error-503", self.error_503),
            ("--reset", self.reset),
            ("--delay", self.delay),
            ("--lost-500", self.lost_500),
            ("--lost-reset", self.lost_reset),
        ] {
            if rate > 0.0 {
                args.extend([flag.to_string(), rate.to_string()]);
            }
        }
        if !self.only.is_empty() {
            args.extend(["--only".to_string(), self.only.join(",")]);
        }
        if let Some(n) = self.max_faults {
            args.extend(["--max-faults".to_string(), n.to_string()]);
        }
        if let Some(path) = &self.record {
            args.extend(["--record".to_string(), path.display().to_string()]);
        }
        if let Some(ms) = self.latency_ms {
            args.extend(["--latency-ms".to_string(), ms.to_string()]);
        }
        args
    }
}

/// A running proxy in front of the emulator; killed on drop.
pub struct FaultProxy {
    child: Child,
    url: String,
}

impl FaultProxy {
    pub fn start(seed: u64, faults: &Faults) -> Self {
        let python = std::env::var("BETEKK_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = Command::new(python)
            .arg(repo_root().join("tests/faultproxy/proxy.py"))
            .args(["--upstream", endpoint(), "--seed", &seed.to_string()])
            // Short delays: long enough to reorder concurrent calls, short enough for CI.
            .args(["--delay-ms", "50:400", "--max-seconds", "1200"])
            .args(faults.args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/faultproxy/proxy.py (python3 needed)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the proxy's address");
        let url = line.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "the proxy did not start (first line: {url:?})"
        );
        FaultProxy { child, url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `{"requests": N, "faults": N, "by_kind": {...}, "by_operation": {op: {kind: N}},
    /// "peak_in_flight": {"all": N, "ecr": N, …}}`.
    pub fn stats(&self) -> Value {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect to the proxy");
        write!(
            stream,
            "GET /_faultproxy/stats HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .expect("ask the proxy");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read the stats");
        let body = answer.split("\r\n\r\n").nth(1).expect("an HTTP answer");
        serde_json::from_str(body).expect("stats are JSON")
    }

    /// How many faults of `kind` were injected.
    pub fn injected(&self, kind: &str) -> u64 {
        self.stats()["by_kind"][kind].as_u64().unwrap_or(0)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
