# betekk-ecr as a container image: the release's static musl binary on distroless static (CA
# certificates, /etc/passwd, no shell, no package manager), run as the non-root user 65532.
#
# The build context holds only the binaries, one per platform: linux/amd64/betekk-ecr and
# linux/arm64/betekk-ecr, unpacked from betekk-ecr-{x86_64,aarch64}-unknown-linux-musl.tar.gz.
# The release workflow (.github/workflows/release.yml) does exactly this:
#   docker buildx build --file Dockerfile --platform linux/amd64,linux/arm64 --tag … --push image
#
# Usage: docker run --rm -v "$PWD:/work" -w /work -e AWS_… ghcr.io/<owner>/betekk-ecr:vX.Y.Z plan spec.yaml

# gcr.io/distroless/static-debian12:nonroot, pinned to a digest: a tag can be moved, a digest cannot.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639

ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/betekk-ecr /usr/local/bin/betekk-ecr

USER 65532:65532
WORKDIR /work
ENTRYPOINT ["betekk-ecr"]
