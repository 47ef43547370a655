#!/usr/bin/env bash
# The action's install step (action.yml runs this file; tests/integration/install.rs runs it with a
# stand-in gh and cargo). Two commands:
#
#   install-action.sh resolve   which release and asset this runner needs; writes tag, target, asset,
#                               cache-dir and cache-key to $GITHUB_OUTPUT (for actions/cache)
#   install-action.sh install   puts a verified betekk-ecr into $RUNNER_TEMP/betekk-ecr-bin, or
#                               nothing; writes cache-save=true to $GITHUB_OUTPUT when it downloaded
#                               and verified an archive that the cache does not hold yet
#
# The release is the `version` input (VERSION), else the action's own ref when it is a tag vX.Y.Z
# or the commit of the tag v<the action's Cargo.toml version> (asked with `gh api`).
# Its asset betekk-ecr-<target>.tar.gz and SHA256SUMS are downloaded with `gh release download`
# (or the archive comes from the cache, and only SHA256SUMS is downloaded). The archive must have
# the sha256 SHA256SUMS lists for it, and, when gh has `attestation verify`, a build provenance
# attestation from this repository; otherwise nothing is installed and the step fails. A ref with no
# release, or a release without this asset, is built from the action's source with the fast `ci`
# profile.
#
# Environment: ACTION_PATH, ACTION_REF, ACTION_REPOSITORY, VERSION, GH_TOKEN and the runner's
# RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT. BETEKK_ECR_TARGET overrides the target the
# runner maps to (e.g. x86_64-unknown-linux-gnu; the tests use this machine's).
set -euo pipefail

die() { echo "::error::$*"; exit 1; }

: "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}" "${ACTION_PATH:?}"
ACTION_REF="${ACTION_REF:-}" ACTION_REPOSITORY="${ACTION_REPOSITORY:-}" VERSION="${VERSION:-}"

# The Linux builds are the static musl ones: they run on any Linux runner, in any container.
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    *) target="" ;;
esac
target="${BETEKK_ECR_TARGET:-$target}"
[[ -n "$target" ]] ||
    die "no betekk-ecr release for a ${RUNNER_OS:-?} ${RUNNER_ARCH:-?} runner (Linux or macOS, X64 or ARM64)"

# The release to install, or none and why.
semver='^v[0-9]+\.[0-9]+\.[0-9]+$'
tag="" why=""
[[ -z "$VERSION" || "$VERSION" =~ $semver ]] || die "version must be a release tag vX.Y.Z, not $VERSION"
if [[ -z "$ACTION_REPOSITORY" ]]; then
    why="a local action (uses: ./...) has no release"
elif [[ -n "$VERSION" ]]; then
    tag="$VERSION"
elif [[ "$ACTION_REF" =~ $semver ]]; then
    tag="$ACTION_REF"
elif [[ "$ACTION_REF" =~ ^[0-9a-f]{40}$ ]]; then
    # Pinned to a commit (as it should be): the release of the action's version, if its tag is
    # exactly this commit.
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)"
    tagged="$(gh api "repos/$ACTION_REPOSITORY/commits/v$version" --jq .sha 2>/dev/null || true)"
    [[ "$tagged" =~ ^[0-9a-f]{40}$ ]] || tagged=""
    if [[ "$tagged" == "$ACTION_REF" ]]; then
        tag="v$version"
    else
        why="commit $ACTION_REF is not release v$version (${tagged:-no such tag})"
    fi
else
    why="${ACTION_REF:-this ref} is not a release tag (vX.Y.Z) or a release's commit"
fi
asset="betekk-ecr-$target.tar.gz"
cache_dir="$RUNNER_TEMP/betekk-ecr-cache/${tag:-none}/$target"
bin="$RUNNER_TEMP/betekk-ecr-bin"

resolve() {
    {
        echo "tag=$tag"
        echo "target=$target"
        echo "asset=$asset"
        echo "cache-dir=$cache_dir"
        echo "cache-key=betekk-ecr-$tag-$target"
    } >>"$GITHUB_OUTPUT"
}

# The sha256s SHA256SUMS lists for $asset (`sha256sum` writes "<hex>  <name>", "*<name>" in binary mode).
listed_sha256() {
    awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$1"
}

build_from_source() {
    echo "::notice::betekk-ecr: $1; building it from the action's source (cargo build --profile ci --locked, a few minutes)"
    cargo build --profile ci --locked --manifest-path "$ACTION_PATH/Cargo.toml" \
        --target-dir "$RUNNER_TEMP/betekk-ecr-target"
    mkdir -p "$bin"
    cp "$RUNNER_TEMP/betekk-ecr-target/ci/betekk-ecr" "$bin/betekk-ecr"
    echo "betekk-ecr: running $("$bin/betekk-ecr" --version), built from source at ${ACTION_REF:-the local action} (not a release: no checksum or attestation to verify)"
}

install() {
    rm -f "$bin/betekk-ecr"
    if [[ -z "$tag" ]]; then
        build_from_source "$why"
        return
    fi

    local from
    work="$(mktemp -d "$RUNNER_TEMP/betekk-ecr-download.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    if [[ -f "$cache_dir/$asset" ]]; then
        from="the action cache"
        cp "$cache_dir/$asset" "$work/$asset"
        gh release download "$tag" --repo "$ACTION_REPOSITORY" --pattern SHA256SUMS --dir "$work" ||
            die "could not download SHA256SUMS of $ACTION_REPOSITORY $tag to check the cached $asset"
    else
        from="release $tag of $ACTION_REPOSITORY"
        if ! gh release download "$tag" --repo "$ACTION_REPOSITORY" --pattern "$asset" --pattern SHA256SUMS --dir "$work" ||
            [[ ! -f "$work/$asset" ]]; then
            build_from_source "no asset $asset in release $tag of $ACTION_REPOSITORY"
            return
        fi
        [[ -f "$work/SHA256SUMS" ]] || die "release $tag of $ACTION_REPOSITORY has $asset but no SHA256SUMS; refusing an archive that cannot be checked"
    fi

    local want got
    want="$(listed_sha256 "$work/SHA256SUMS")"
    [[ "$want" =~ ^[0-9a-f]{64}$ ]] ||
        die "SHA256SUMS of release $tag lists no single sha256 for $asset; refusing to install it"
    got="$(sha256sum "$work/$asset" | cut -d' ' -f1)"
    if [[ "$got" != "$want" ]]; then
        [[ "$from" != "the action cache" ]] ||
            echo "::warning::the cache entry betekk-ecr-$tag-$target was changed after it was saved; delete it (gh cache delete betekk-ecr-$tag-$target)"
        die "sha256 mismatch for $asset from $from: SHA256SUMS of release $tag lists $want, the archive is $got; refusing to install it"
    fi
    local checked="sha256 matches the release's SHA256SUMS"

    if gh attestation verify --help >/dev/null 2>&1; then
        gh attestation verify "$work/$asset" --repo "$ACTION_REPOSITORY" >&2 ||
            die "no valid build provenance attestation from $ACTION_REPOSITORY for $asset ($got); refusing to install it"
        checked="$checked; build provenance attested by $ACTION_REPOSITORY (gh attestation verify)"
    else
        checked="$checked; attestation not checked (this gh has no attestation verify)"
    fi

    mkdir "$work/x"
    tar -xzf "$work/$asset" -C "$work/x" "betekk-ecr-$target/betekk-ecr" ||
        die "$asset has no betekk-ecr-$target/betekk-ecr; refusing to install it"
    local staged="$work/x/betekk-ecr-$target/betekk-ecr" version
    version="$("$staged" --version)" || die "the betekk-ecr of $asset does not run on this runner"
    [[ "$version" == "betekk-ecr ${tag#v}" || "$version" == "betekk-ecr ${tag#v} "* ]] ||
        die "the betekk-ecr of $asset says '$version', not ${tag#v}; refusing to install it"

    if [[ "$from" != "the action cache" ]]; then
        mkdir -p "$cache_dir"
        cp "$work/$asset" "$cache_dir/$asset"
        echo "cache-save=true" >>"$GITHUB_OUTPUT"
    fi
    mkdir -p "$bin"
    mv "$staged" "$bin/betekk-ecr"
    echo "betekk-ecr: running $version ($target) from $from; $checked"
}

case "${1:-}" in
    resolve) resolve ;;
    install) install ;;
    *) die "usage: install-action.sh resolve|install" ;;
esac
