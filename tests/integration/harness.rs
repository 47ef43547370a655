//! Starting LocalStack once per test run, per-test accounts, and running the CLI binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use betekk_ecr::live::sdk::{ConnectOptions, SdkAws};
use rand::Rng;

pub const REGION: &str = "ap-southeast-1";

/// The emulator's URL: BETEKK_TEST_ENDPOINT, or a LocalStack this run starts (and whose watchdog
/// stops it when the test process exits).
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("BETEKK_TEST_ENDPOINT")
            && !url.is_empty()
        {
            return url;
        }
        let script = repo_root().join("localstack/start.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("--owner-pid")
            .arg(std::process::id().to_string())
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run localstack/start.sh");
        assert!(
            out.status.success(),
            "localstack/start.sh failed: {}",
            out.status
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .lines()
            .last()
            .expect("start.sh prints the endpoint")
            .trim()
            .to_string()
    })
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One isolated account on the emulator.
pub struct Account {
    pub id: String,
    pub dir: tempdir::Dir,
}

pub mod tempdir {
    use std::path::{Path, PathBuf};

    /// A scratch folder for spec files, removed on drop.
    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(tag: &str) -> Self {
            let path =
                std::env::temp_dir().join(format!("betekk-ecr-test-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&path).expect("create temp dir");
            Dir(path)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Account {
    pub fn new() -> Self {
        let id: String = (0..12)
            .map(|_| char::from(b'0' + rand::rng().random_range(0..10)))
            .collect();
        let id = format!("9{}", &id[1..]);
        let dir = tempdir::Dir::new(&id);
        Account { id, dir }
    }

    /// An SDK client in this account, as the tool builds it.
    pub async fn client(&self) -> SdkAws {
        SdkAws::connect(&ConnectOptions {
            region: REGION.into(),
            profile: None,
            endpoint_url: Some(endpoint().to_string()),
            max_attempts: 3,
            static_credentials: Some((self.id.clone(), "test".into())),
            assume_role: None,
            lanes: None,
        })
        .await
    }

    /// A raw ECR client for what the tool itself never does (pushing images).
    pub async fn raw_ecr(&self) -> aws_sdk_ecr::Client {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(endpoint())
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                &self.id, "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_ecr::Client::new(&config)
    }

    /// A raw IAM client for what the tool never does (creating users).
    pub async fn raw_iam(&self) -> aws_sdk_iam::Client {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(endpoint())
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                &self.id, "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_iam::Client::new(&config)
    }

    /// A raw SSM client, to look at and forge the stack's lock as another apply would.
    pub async fn raw_ssm(&self) -> aws_sdk_ssm::Client {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(endpoint())
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                &self.id, "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_ssm::Client::new(&config)
    }

    /// The CLI in this account as a child process that is not waited for (to kill it).
    pub fn spawn_via(&self, endpoint: &str, args: &[&str]) -> std::process::Child {
        cli_command(
            args,
            &[
                ("AWS_ACCESS_KEY_ID", self.id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("AWS_ENDPOINT_URL", endpoint),
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start betekk-ecr")
    }

    pub fn write_spec(&self, name: &str, text: &str) -> PathBuf {
        crate::schema::assert_agreement(text);
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write spec");
        path
    }

    /// Runs the CLI in this account.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_via(endpoint(), args)
    }

    /// Runs the CLI in this account against another endpoint (a fault proxy in front of the emulator).
    pub fn run_via(&self, endpoint: &str, args: &[&str]) -> Run {
        run_cli(
            args,
            &[
                ("AWS_ACCESS_KEY_ID", self.id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("AWS_ENDPOINT_URL", endpoint),
            ],
        )
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cli_command(args, env).output().expect("run betekk-ecr");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The CLI with the test environment: no profile, no colour, this region, no stdin.
fn cli_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_betekk-ecr"));
    cmd.args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_REGION", REGION)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The repository spec the tests start from, with a name unique to the test.
pub fn repo_spec(stack: &str, extra_repo_fields: &str) -> String {
    format!(
        r#"version: 1
stack: {stack}
environment: test
tags: {{Team: platform}}
repositories:
  - name: "{{prefix}}-{stack}"
    lifecycle_policy:
      rules:
        - {{priority: 1, description: Keep last 50, tag_status: tagged, tag_prefixes: [v], keep_last: 50}}
        - {{priority: 2, tag_status: untagged, expire_after_days: 14}}
    repository_policy:
      Version: "2012-10-17"
      Statement:
        - Sid: Pull
          Effect: Allow
          Principal: {{AWS: "arn:aws:iam::{{account}}:root"}}
          Action: [ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]
    tags: {{Service: {stack}}}
{extra_repo_fields}"#
    )
}
