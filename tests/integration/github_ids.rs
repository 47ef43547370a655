//! `github-ids` against a fake GitHub API on loopback: no LocalStack, no other network.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::tempdir::Dir;
use crate::harness::{path_str, run_cli};

/// A request's path and Authorization header.
type Request = (String, Option<String>);

/// A GitHub API that answers canned JSON by path (404 otherwise), on 127.0.0.1, port 0. It stops
/// when dropped, or after 60 s whatever happens.
struct FakeGithub {
    url: String,
    /// Each request's path and Authorization header.
    seen: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl FakeGithub {
    fn serve(routes: &[(&str, u16, &str)]) -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes: Vec<(String, u16, String)> = routes
            .iter()
            .map(|(p, s, b)| (p.to_string(), *s, b.to_string()))
            .collect();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop2.load(Ordering::Relaxed) && Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                stream.set_nonblocking(false).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut reader = BufReader::new(&stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_string();
                let mut auth = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        auth = Some(v.trim().to_string());
                    }
                }
                seen2
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((path.clone(), auth));
                let (status, body) = routes
                    .iter()
                    .find(|(p, _, _)| *p == path)
                    .map(|(_, s, b)| (*s, b.clone()))
                    .unwrap_or((404, r#"{"message":"Not Found"}"#.into()));
                let _ = write!(
                    &stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        FakeGithub { url, seen, stop }
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

const SPEC: &str = "version: 1
stack: ids
# the organizations: old, then new
github:
  organizations: [nus-cee, betekk]   # keep this comment
repositories:
  - name: app
roles:
  - name: ci   # the push role
    github_trust:
      repositories:
        - app            # the service
        - {name: lib}
  - name: drift
    github_trust:
      repositories:
        - name: app
          # read-only
";

/// betekk owns app and lib; nus-cee moved app to betekk (301) and has no lib.
fn github() -> FakeGithub {
    FakeGithub::serve(&[
        ("/orgs/nus-cee", 200, r#"{"login":"nus-cee","id":1111}"#),
        ("/orgs/betekk", 200, r#"{"login":"betekk","id":9919}"#),
        (
            "/orgs/nus-cee/actions/oidc/customization/sub",
            200,
            r#"{"include_claim_keys":["repo","context"]}"#,
        ),
        (
            "/orgs/betekk/actions/oidc/customization/sub",
            200,
            r#"{"include_claim_keys":["repo","context","job_workflow_ref"]}"#,
        ),
        (
            "/repos/nus-cee/app",
            301,
            r#"{"message":"Moved Permanently","url":"/repositories/1296269"}"#,
        ),
        (
            "/repos/betekk/app",
            200,
            r#"{"id":1296269,"name":"app","owner":{"login":"betekk","id":9919}}"#,
        ),
        (
            "/repos/betekk/lib",
            200,
            r#"{"id":4242,"name":"lib","owner":{"login":"betekk","id":9919}}"#,
        ),
        (
            "/repos/betekk/app/actions/oidc/customization/sub",
            200,
            r#"{"use_default":true}"#,
        ),
        (
            "/repos/betekk/lib/actions/oidc/customization/sub",
            200,
            r#"{"use_default":false,"include_claim_keys":["repository_owner_id","context"]}"#,
        ),
    ])
}

fn spec_file(tag: &str, text: &str) -> (Dir, std::path::PathBuf) {
    let dir = Dir::new(&format!("github-ids-{tag}"));
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn github_ids_prints_the_entries_to_use_from_the_api_github_api_url_names() {
    let gh = github();
    let (_dir, spec) = spec_file("print", SPEC);
    let run = run_cli(
        &["github-ids", path_str(&spec)],
        &[
            ("GITHUB_API_URL", &gh.url),
            ("GITHUB_TOKEN", "t0ken"),
            ("GH_TOKEN", "other"),
        ],
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains("- {name: nus-cee, id: 1111}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "- {name: betekk, id: 9919, subject_claims: [repo, context, job_workflow_ref]}  # OIDC sub: CUSTOMIZED (repo, context, job_workflow_ref)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("- {name: app, id: 1296269}  # betekk/app (owner id 9919), roles ci, drift"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("- {name: lib, id: 4242, subject_claims: [repository_owner_id, context]}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("note: repository betekk/lib customizes the OIDC subject"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        SPEC,
        "read-only without --write"
    );
    let seen = gh.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .all(|(_, auth)| auth.as_deref() == Some("Bearer t0ken")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(p, _)| p == "/repos/betekk/lib/actions/oidc/customization/sub")
    );

    let json = run_cli(
        &["github-ids", path_str(&spec), "--output", "json"],
        &[("GITHUB_API_URL", &gh.url), ("GITHUB_TOKEN", "t0ken")],
    );
    json.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["organizations"][1]["id"], 9919);
    assert_eq!(doc["repositories"][0]["name"], "app");
    assert_eq!(doc["repositories"][0]["id"], 1296269);
    assert_eq!(doc["repositories"][0]["owner_id"], 9919);
    assert_eq!(doc["repositories"][1]["sub"]["use_default"], false);
    assert_eq!(
        doc["repositories"][1]["subject_claims"],
        serde_json::json!(["repository_owner_id", "context"])
    );
    assert!(doc["repositories"][0].get("subject_claims").is_none());
    assert_eq!(
        doc["organizations"][1]["subject_claims"],
        serde_json::json!(["repo", "context", "job_workflow_ref"])
    );
    assert_eq!(doc["written"], 0);
}

#[test]
fn github_ids_write_changes_only_the_entries_and_keeps_comments() {
    let gh = github();
    let (_dir, spec) = spec_file("write", SPEC);
    let run = run_cli(
        &["github-ids", path_str(&spec), "--write"],
        &[("GITHUB_API_URL", &gh.url), ("GH_TOKEN", "t0ken")],
    );
    run.expect_code(0);
    let after = std::fs::read_to_string(&spec).unwrap();
    let before: Vec<&str> = SPEC.lines().collect();
    let changed: Vec<(usize, &str)> = after
        .lines()
        .enumerate()
        .filter(|(i, l)| before.get(*i) != Some(l))
        .collect();
    assert_eq!(
        changed,
        [
            (
                4,
                "  organizations: [{name: nus-cee, id: 1111}, {name: betekk, id: 9919, subject_claims: [repo, context, job_workflow_ref]}]   # keep this comment"
            ),
            (
                11,
                "        - {name: app, id: 1296269}            # the service"
            ),
            // GitHub's customized templates are written too: the trust then matches their tokens.
            (
                12,
                "        - {name: lib, id: 4242, subject_claims: [repository_owner_id, context]}"
            ),
            (17, "          id: 1296269"),
            (18, "          # read-only"),
        ],
        "{after}"
    );
    assert_eq!(after.lines().count(), before.len() + 1, "one line inserted");
    // The rewritten spec is valid, and a second run has nothing left to write.
    run_cli(&["validate", path_str(&spec)], &[]).expect_code(0);
    let again = run_cli(
        &["github-ids", path_str(&spec), "--write"],
        &[("GITHUB_API_URL", &gh.url), ("GH_TOKEN", "t0ken")],
    );
    again.expect_code(0);
    assert!(again.stderr.contains("nothing written"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), after);
}

#[test]
fn github_ids_says_which_repository_is_missing_and_which_token_was_refused() {
    let gh = FakeGithub::serve(&[
        ("/orgs/betekk", 200, r#"{"id":9919}"#),
        (
            "/orgs/betekk/actions/oidc/customization/sub",
            200,
            r#"{"include_claim_keys":[]}"#,
        ),
    ]);
    let text = SPEC.replace("[nus-cee, betekk]", "[betekk]");
    let (_dir, spec) = spec_file("errors", &text);
    let run = run_cli(
        &["github-ids", path_str(&spec), "--write"],
        &[("GITHUB_API_URL", &gh.url), ("GITHUB_TOKEN", "t0ken")],
    );
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("repository app (looked for in betekk) not found on http://127.0.0.1:")
            && run
                .stderr
                .contains("or the token in GITHUB_TOKEN cannot see it"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        text,
        "nothing written on error"
    );

    let refused = FakeGithub::serve(&[
        ("/orgs/betekk", 200, r#"{"id":9919}"#),
        (
            "/orgs/betekk/actions/oidc/customization/sub",
            403,
            r#"{"message":"Resource not accessible"}"#,
        ),
    ]);
    let run = run_cli(
        &["github-ids", path_str(&spec), "--output", "json"],
        &[("GITHUB_API_URL", &refused.url), ("GH_TOKEN", "t0ken")],
    );
    run.expect_code(1);
    assert!(
        run.stderr.contains("GitHub refused the token in GH_TOKEN (403) for the OIDC subject template of organization betekk: it needs read:org"),
        "{}",
        run.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "github");

    let unauthorized =
        FakeGithub::serve(&[("/orgs/betekk", 401, r#"{"message":"Bad credentials"}"#)]);
    let run = run_cli(
        &["github-ids", path_str(&spec)],
        &[
            ("GITHUB_API_URL", &unauthorized.url),
            ("GITHUB_TOKEN", "bad"),
        ],
    );
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("GitHub refused the token in GITHUB_TOKEN (401) for organization betekk"),
        "{}",
        run.stderr
    );
}

#[test]
fn github_ids_reports_an_id_the_spec_gives_that_github_does_not_and_keeps_it() {
    let gh = github();
    let text = SPEC.replace("{name: lib}", "{name: lib, id: 77}");
    let (_dir, spec) = spec_file("mismatch", &text);
    let run = run_cli(
        &["github-ids", path_str(&spec), "--write"],
        &[("GITHUB_API_URL", &gh.url), ("GITHUB_TOKEN", "t0ken")],
    );
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("the spec says id 77 for lib, GitHub says 4242"),
        "{}",
        run.stdout
    );
    let after = std::fs::read_to_string(&spec).unwrap();
    assert!(after.contains("{name: lib, id: 77}"), "{after}");
    assert!(after.contains("{name: app, id: 1296269}"), "{after}");
}
