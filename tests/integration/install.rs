//! The action's install step, `scripts/install-action.sh`, run here as action.yml runs it: a
//! stand-in `gh` serves a release packed by `scripts/release-archive` from this build's binary, and
//! a stand-in `cargo` takes the build from source. A good archive is installed and runs; a tampered
//! archive, a tampered SHA256SUMS or an archive no attestation vouches for is refused and nothing is
//! installed; a release without the runner's asset is built with the fast `ci` profile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::harness::{path_str, repo_root, tempdir};

const REPOSITORY: &str = "betekk/betekk-ecr";
const TAG: &str = concat!("v", env!("CARGO_PKG_VERSION"));
/// The commit the release's tag points at.
const TAG_COMMIT: &str = "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b";

/// `gh release download TAG` serves `$FAKE_GH_RELEASES/TAG/`; `gh attestation verify FILE --repo
/// betekk/betekk-ecr` passes when FILE's sha256 is a line of `$FAKE_GH_ATTESTED`; `gh api
/// repos/betekk/betekk-ecr/commits/TAG` answers TAG_COMMIT for the release. Every call is appended
/// to `$FAKE_GH_LOG`. With FAKE_GH_NO_ATTESTATION set, this gh has no `attestation`.
const GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
echo "gh $*" >>"$FAKE_GH_LOG"
case "$1 $2" in
"release download")
    tag="$3"; shift 3
    patterns=(); dir=.
    while (($#)); do
        case "$1" in
            --repo) [[ "$2" == betekk/betekk-ecr ]] || { echo "release not found" >&2; exit 1; }; shift 2 ;;
            --pattern) patterns+=("$2"); shift 2 ;;
            --dir) dir="$2"; shift 2 ;;
            *) echo "gh stand-in: unexpected $1" >&2; exit 2 ;;
        esac
    done
    [[ -d "$FAKE_GH_RELEASES/$tag" ]] || { echo "release not found" >&2; exit 1; }
    found=0
    for p in "${patterns[@]}"; do
        for f in "$FAKE_GH_RELEASES/$tag"/$p; do
            if [[ -f "$f" ]]; then cp "$f" "$dir/"; found=1; fi
        done
    done
    ((found)) || { echo "no assets match the file pattern" >&2; exit 1; } ;;
"api repos/betekk/betekk-ecr/commits/"*)
    [[ -d "$FAKE_GH_RELEASES/${2##*/}" ]] || { echo '{"message":"No commit found for SHA"}'; exit 1; }
    echo "$FAKE_GH_TAG_COMMIT" ;;
"attestation verify")
    [[ -z "${FAKE_GH_NO_ATTESTATION:-}" ]] || { echo 'unknown command "attestation" for "gh"' >&2; exit 1; }
    [[ "${3:-}" != --help ]] || exit 0
    [[ "${4:-} ${5:-}" == "--repo betekk/betekk-ecr" ]] || { echo "wrong repository" >&2; exit 1; }
    grep -qx "$(sha256sum "$3" | cut -d' ' -f1)" "$FAKE_GH_ATTESTED" || { echo "no attestations found" >&2; exit 1; }
    echo "Verification succeeded!" ;;
*) echo "gh stand-in: unexpected $*" >&2; exit 2 ;;
esac
"#;

/// Records its arguments and leaves a `betekk-ecr` where `cargo build --profile ci` would.
const CARGO: &str = r#"#!/usr/bin/env bash
set -euo pipefail
echo "cargo $*" >>"$FAKE_CARGO_LOG"
dir=""; prev=""
for a in "$@"; do [[ "$prev" != --target-dir ]] || dir="$a"; prev="$a"; done
mkdir -p "$dir/ci"
printf '#!/bin/sh\necho "betekk-ecr 0.0.0 (built by the stand-in cargo)"\n' >"$dir/ci/betekk-ecr"
chmod +x "$dir/ci/betekk-ecr"
"#;

/// One archive as `scripts/release-archive` packs it.
struct Packed {
    archive: PathBuf,
    sha256: String,
}

/// The release fixtures, packed once per run: this build's binary for this machine's target, and
/// a tampered archive of the same name (a stand-in binary that claims the same version).
struct Fixtures {
    target: String,
    good: Packed,
    tampered: Packed,
}

fn release_archive(binary: &Path, target: Option<&str>, out: &Path) -> (String, Packed) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/release-archive")).args([
        "--binary",
        path_str(binary),
        "--out",
        path_str(out),
    ]);
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    let out_ = cmd.output().expect("run scripts/release-archive");
    let stdout = String::from_utf8_lossy(&out_.stdout);
    assert!(out_.status.success(), "release-archive: {out_:?}");
    // "<sha256>  betekk-ecr-<target>.tar.gz", as in the .sha256 file next to the archive.
    let (sha256, name) = stdout.trim().split_once("  ").expect("a sha256sum line");
    let target = name
        .strip_prefix("betekk-ecr-")
        .and_then(|n| n.strip_suffix(".tar.gz"))
        .expect("betekk-ecr-<target>.tar.gz")
        .to_string();
    let archive = out.join(name);
    assert_eq!(
        std::fs::read_to_string(out.join(format!("{name}.sha256"))).unwrap(),
        format!("{sha256}  {name}\n")
    );
    let packed = Packed {
        archive,
        sha256: sha256.to_string(),
    };
    (target, packed)
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("install-fixtures");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (target, good) = release_archive(
            Path::new(env!("CARGO_BIN_EXE_betekk-ecr")),
            None,
            &dir.join("good"),
        );
        let impostor = dir.join("impostor");
        let version = env!("CARGO_PKG_VERSION");
        std::fs::write(
            &impostor,
            format!("#!/bin/sh\necho \"betekk-ecr {version} (not ours)\"\n"),
        )
        .unwrap();
        let (_, tampered) = release_archive(&impostor, Some(&target), &dir.join("tampered"));
        assert_ne!(good.sha256, tampered.sha256);
        Fixtures {
            target,
            good,
            tampered,
        }
    })
}

#[test]
fn the_packed_archive_holds_the_binary_and_readme_and_is_reproducible() {
    let f = fixtures();
    let list = Command::new("tar")
        .arg("-tvzf")
        .arg(&f.good.archive)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    let name = format!("betekk-ecr-{}", f.target);
    let entries: Vec<(&str, &str)> = list
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[0], cols[cols.len() - 1])
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("drwxr-xr-x", format!("{name}/").as_str()),
            ("-rw-r--r--", format!("{name}/README.md").as_str()),
            ("-rwxr-xr-x", format!("{name}/betekk-ecr").as_str()),
        ],
        "{list}"
    );
    assert!(list.lines().all(|l| l.contains(" 0/0 ")), "{list}");
    // Packed again from the same binary: the same bytes.
    let dir = tempdir::Dir::new("install-repack");
    let (_, again) = release_archive(
        Path::new(env!("CARGO_BIN_EXE_betekk-ecr")),
        None,
        dir.path(),
    );
    assert_eq!(again.sha256, f.good.sha256);
}

/// A runner for one install: its temp folder, outputs, the stand-ins and the release they serve.
struct Runner {
    dir: tempdir::Dir,
}

impl Runner {
    /// Release TAG of betekk/betekk-ecr holds the good archive and its SHA256SUMS, attested.
    fn new(tag: &str) -> Self {
        let dir = tempdir::Dir::new(&format!("install-{tag}"));
        let runner = Runner { dir };
        for sub in ["bin", "temp", "release"] {
            std::fs::create_dir_all(runner.path(sub)).unwrap();
        }
        for (name, text) in [("gh", GH), ("cargo", CARGO)] {
            let file = runner.path("bin").join(name);
            std::fs::write(&file, text).unwrap();
            std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
        let f = fixtures();
        runner.publish(&f.good.archive, &f.good.sha256);
        runner.attest(&[&f.good.sha256]);
        runner
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn asset(&self) -> String {
        format!("betekk-ecr-{}.tar.gz", fixtures().target)
    }

    /// Puts `archive` into release TAG under the asset's name, and SHA256SUMS listing `listed`.
    fn publish(&self, archive: &Path, listed: &str) {
        let release = self.path("release").join(TAG);
        std::fs::create_dir_all(&release).unwrap();
        std::fs::copy(archive, release.join(self.asset())).unwrap();
        std::fs::write(
            release.join("SHA256SUMS"),
            format!(
                "{}  betekk-ecr-other-target.tar.gz\n{listed}  {}\n",
                "0".repeat(64),
                self.asset()
            ),
        )
        .unwrap();
    }

    fn attest(&self, sha256s: &[&str]) {
        let lines: String = sha256s.iter().map(|s| format!("{s}\n")).collect();
        std::fs::write(self.path("attested"), lines).unwrap();
    }

    fn run(&self, command: &str, env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let target = &fixtures().target;
        Command::new("bash")
            .arg(repo_root().join("scripts/install-action.sh"))
            .arg(command)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("RUNNER_TEMP", self.path("temp"))
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("ACTION_PATH", repo_root())
            .env("ACTION_REF", TAG)
            .env("ACTION_REPOSITORY", REPOSITORY)
            .env("VERSION", "")
            .env("GH_TOKEN", "a-token")
            .env("BETEKK_ECR_TARGET", target)
            .env("FAKE_GH_RELEASES", self.path("release"))
            .env("FAKE_GH_ATTESTED", self.path("attested"))
            .env("FAKE_GH_LOG", self.path("gh.log"))
            .env("FAKE_CARGO_LOG", self.path("cargo.log"))
            .env("FAKE_GH_TAG_COMMIT", TAG_COMMIT)
            .envs(env.iter().copied())
            .output()
            .expect("run scripts/install-action.sh")
    }

    fn install(&self, env: &[(&str, &str)]) -> Output {
        self.run("install", env)
    }

    fn installed(&self) -> PathBuf {
        self.path("temp/betekk-ecr-bin/betekk-ecr")
    }

    fn cached(&self, tag: &str) -> PathBuf {
        self.path("temp/betekk-ecr-cache")
            .join(tag)
            .join(&fixtures().target)
            .join(self.asset())
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// `$GITHUB_OUTPUT` as `name=value` lines.
    fn outputs(&self) -> String {
        self.log("output")
    }

    /// The step failed, said why (a workflow error naming `reason`), and installed nothing.
    #[track_caller]
    fn assert_refused(&self, out: &Output, reason: &str) {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "installed: {out:?}");
        assert!(
            stdout.contains("::error::") && stdout.contains(reason),
            "{reason:?} not in {out:?}"
        );
        assert!(!self.installed().exists(), "something was installed");
        assert!(!self.cached(TAG).exists(), "a refused archive was cached");
        assert!(!self.outputs().contains("cache-save"), "{}", self.outputs());
        assert_eq!(self.log("cargo.log"), "", "a refusal must not fall back");
    }
}

fn version_of(binary: &Path) -> String {
    let out = Command::new(binary).arg("--version").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_release_archive_is_checked_installed_and_runs() {
    let runner = Runner::new("good");
    let out = runner.install(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let version = version_of(&runner.installed());
    assert!(
        version.starts_with(concat!(
            "betekk-ecr ",
            env!("CARGO_PKG_VERSION"),
            " (commit"
        )),
        "{version}"
    );
    // The log says which version runs, where it came from and how it was checked.
    assert!(
        stdout.contains(&format!(
            "betekk-ecr: running {version} ({}) from release {TAG} of {REPOSITORY}; \
             sha256 matches the release's SHA256SUMS; build provenance attested by {REPOSITORY} \
             (gh attestation verify)",
            fixtures().target
        )),
        "{stdout}"
    );
    let gh = runner.log("gh.log");
    assert!(
        gh.lines().any(|l| l.starts_with("gh attestation verify /")
            && l.ends_with(&format!("/{} --repo {REPOSITORY}", runner.asset()))),
        "{gh}"
    );
    // The verified archive is left for actions/cache/save, and only then.
    assert!(runner.outputs().contains("cache-save=true\n"));
    assert_eq!(
        std::fs::read(runner.cached(TAG)).unwrap(),
        std::fs::read(&fixtures().good.archive).unwrap()
    );
    assert_eq!(runner.log("cargo.log"), "");
}

#[test]
fn a_cached_archive_is_checked_again_against_the_releases_sums() {
    let runner = Runner::new("cache");
    assert!(runner.install(&[]).status.success());
    std::fs::remove_file(runner.path("gh.log")).unwrap();
    std::fs::remove_file(runner.path("output")).unwrap();

    let out = runner.install(&[]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("from the action cache; sha256 matches"),
        "{stdout}"
    );
    let gh = runner.log("gh.log");
    assert!(
        gh.starts_with(&format!(
            "gh release download {TAG} --repo {REPOSITORY} --pattern SHA256SUMS --dir "
        )),
        "only SHA256SUMS is downloaded: {gh}"
    );
    assert!(gh.contains("gh attestation verify "), "{gh}");
    assert!(!runner.outputs().contains("cache-save"));

    // A cache entry changed behind the action's back is refused like a tampered download.
    std::fs::copy(&fixtures().tampered.archive, runner.cached(TAG)).unwrap();
    let out = runner.install(&[]);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error::sha256 mismatch"),
        "{out:?}"
    );
    assert!(!runner.installed().exists());
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let runner = Runner::new("tampered-archive");
    let f = fixtures();
    // The release's archive is swapped; its SHA256SUMS still lists the real one.
    runner.publish(&f.tampered.archive, &f.good.sha256);
    let out = runner.install(&[]);
    runner.assert_refused(
        &out,
        &format!(
            "sha256 mismatch for {} from release {TAG} of {REPOSITORY}: SHA256SUMS of release \
             {TAG} lists {}, the archive is {}; refusing to install it",
            runner.asset(),
            f.good.sha256,
            f.tampered.sha256
        ),
    );
}

#[test]
fn a_tampered_checksum_is_refused_and_nothing_is_installed() {
    let runner = Runner::new("tampered-sums");
    let f = fixtures();
    let wrong = f.good.sha256.replace(|c: char| c != '0', "0");
    runner.publish(&f.good.archive, &wrong);
    runner.assert_refused(&runner.install(&[]), "sha256 mismatch");
    // A SHA256SUMS that does not list the asset proves nothing either.
    let release = runner.path("release").join(TAG);
    std::fs::write(
        release.join("SHA256SUMS"),
        format!("{}  betekk-ecr-other.tar.gz\n", f.good.sha256),
    )
    .unwrap();
    runner.assert_refused(&runner.install(&[]), "lists no single sha256");
    // Nor does a release without SHA256SUMS.
    std::fs::remove_file(release.join("SHA256SUMS")).unwrap();
    runner.assert_refused(&runner.install(&[]), "but no SHA256SUMS");
}

#[test]
fn an_archive_and_sums_swapped_together_fail_the_attestation() {
    let runner = Runner::new("unattested");
    let f = fixtures();
    runner.publish(&f.tampered.archive, &f.tampered.sha256);
    runner.assert_refused(
        &runner.install(&[]),
        &format!(
            "no valid build provenance attestation from {REPOSITORY} for {} ({})",
            runner.asset(),
            f.tampered.sha256
        ),
    );
}

#[test]
fn without_gh_attestation_the_checksum_is_checked_and_the_log_says_so() {
    let runner = Runner::new("no-attestation");
    let out = runner.install(&[("FAKE_GH_NO_ATTESTATION", "1")]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "sha256 matches the release's SHA256SUMS; attestation not checked (this gh has no attestation verify)"
        ),
        "{out:?}"
    );
    version_of(&runner.installed());
    // The checksum alone still refuses a swapped archive.
    runner.publish(&fixtures().tampered.archive, &fixtures().good.sha256);
    std::fs::remove_dir_all(runner.path("temp")).unwrap();
    std::fs::create_dir_all(runner.path("temp")).unwrap();
    std::fs::remove_file(runner.path("output")).unwrap();
    let out = runner.install(&[("FAKE_GH_NO_ATTESTATION", "1")]);
    runner.assert_refused(&out, "sha256 mismatch");
}

#[test]
fn an_action_pinned_to_the_commit_of_a_release_installs_that_release() {
    let runner = Runner::new("pinned");
    let out = runner.install(&[("ACTION_REF", TAG_COMMIT)]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!(
            "from release {TAG} of {REPOSITORY}; sha256 matches"
        )),
        "{out:?}"
    );
    assert!(
        runner.log("gh.log").starts_with(&format!(
            "gh api repos/{REPOSITORY}/commits/{TAG} --jq .sha\n"
        )),
        "{}",
        runner.log("gh.log")
    );
    assert_eq!(runner.log("cargo.log"), "");
}

#[test]
fn a_ref_without_release_or_a_release_without_the_asset_is_built_with_the_ci_profile() {
    let other_commit = "0f".repeat(20);
    for (case, env, why) in [
        (
            "no-asset",
            vec![("VERSION", "v9.9.9")],
            "no asset betekk-ecr-".to_string(),
        ),
        (
            "branch",
            vec![("ACTION_REF", "main")],
            "main is not a release tag (vX.Y.Z) or a release's commit".to_string(),
        ),
        (
            "commit",
            vec![("ACTION_REF", other_commit.as_str())],
            format!("commit {other_commit} is not release {TAG} ({TAG_COMMIT})"),
        ),
        (
            "local",
            vec![("ACTION_REF", ""), ("ACTION_REPOSITORY", "")],
            "a local action (uses: ./...) has no release".to_string(),
        ),
    ] {
        let runner = Runner::new(&format!("fallback-{case}"));
        let out = runner.install(&env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{case}: {out:?}");
        assert!(
            stdout.contains(&format!("::notice::betekk-ecr: {why}")),
            "{case}: {stdout}"
        );
        assert_eq!(
            runner.log("cargo.log"),
            format!(
                "cargo build --profile ci --locked --manifest-path {}/Cargo.toml --target-dir {}/betekk-ecr-target\n",
                repo_root().display(),
                runner.path("temp").display()
            ),
            "{case}"
        );
        assert_eq!(
            version_of(&runner.installed()),
            "betekk-ecr 0.0.0 (built by the stand-in cargo)"
        );
        assert!(
            stdout.contains("(not a release: no checksum or attestation to verify)"),
            "{stdout}"
        );
        assert!(!runner.outputs().contains("cache-save"), "{case}");
    }
}

#[test]
fn the_runner_maps_to_its_asset_and_a_bad_version_is_refused() {
    for (os, arch, target) in [
        ("Linux", "X64", "x86_64-unknown-linux-musl"),
        ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macOS", "X64", "x86_64-apple-darwin"),
        ("macOS", "ARM64", "aarch64-apple-darwin"),
    ] {
        let runner = Runner::new(&format!("resolve-{os}-{arch}"));
        let out = runner.run(
            "resolve",
            &[
                ("RUNNER_OS", os),
                ("RUNNER_ARCH", arch),
                ("BETEKK_ECR_TARGET", ""),
            ],
        );
        assert!(out.status.success(), "{out:?}");
        let cache_dir = runner.path("temp/betekk-ecr-cache").join(TAG).join(target);
        assert_eq!(
            runner.outputs(),
            format!(
                "tag={TAG}\ntarget={target}\nasset=betekk-ecr-{target}.tar.gz\ncache-dir={}\n\
                 cache-key=betekk-ecr-{TAG}-{target}\n",
                cache_dir.display()
            )
        );
    }
    let runner = Runner::new("resolve-windows");
    let out = runner.run(
        "resolve",
        &[
            ("RUNNER_OS", "Windows"),
            ("RUNNER_ARCH", "X64"),
            ("BETEKK_ECR_TARGET", ""),
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("::error::no betekk-ecr release for a Windows X64 runner"),
        "{out:?}"
    );
    let out = runner.install(&[("VERSION", "latest")]);
    runner.assert_refused(&out, "version must be a release tag vX.Y.Z, not latest");
}

/// The targets the release workflow builds, in its matrix.
fn released_targets() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(".github/workflows/release.yml")).unwrap();
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("release.yml is YAML");
    doc["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix of targets")
        .iter()
        .map(|row| row["target"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_asset_names_are_one_contract_for_the_workflow_readme_action_and_binstall() {
    let mut targets = released_targets();
    targets.sort();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-gnu",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-unknown-linux-gnu",
            "x86_64-unknown-linux-musl",
        ]
    );
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    for target in &targets {
        let row = format!("| `{target}` | `betekk-ecr-{target}.tar.gz` |");
        assert!(readme.contains(&row), "README lists no asset row {row}");
    }
    // Every target the action maps a runner to is released.
    let script = std::fs::read_to_string(repo_root().join("scripts/install-action.sh")).unwrap();
    let mapped: Vec<&str> = script
        .lines()
        .filter_map(|l| l.trim().split_once(") target=")?.1.strip_suffix(" ;;"))
        .filter(|t| *t != "\"\"")
        .collect();
    assert_eq!(mapped.len(), 4, "{mapped:?}");
    assert!(
        mapped.iter().all(|t| targets.iter().any(|r| r == t)),
        "{mapped:?}"
    );
    // cargo binstall finds the same archive and the binary in it.
    let cargo = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    assert!(
        cargo.contains(
            "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }.tar.gz\"\n\
             bin-dir = \"{ name }-{ target }/{ bin }{ binary-ext }\"\n\
             pkg-fmt = \"tgz\"\n"
        ),
        "[package.metadata.binstall] no longer matches the asset names"
    );
}
