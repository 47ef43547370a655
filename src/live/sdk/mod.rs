//! The real AWS clients: configuration, call counting and error translation. The per-service files
//! translate one SDK call per trait method and decide nothing.

mod counting;
pub(crate) mod ecr;
pub(crate) mod iam;
mod laned;
pub(crate) mod ssm;
mod sts;

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};

use super::lanes::{Lane, LaneKey, Lanes, Service};
use super::{ApiStats, Aws, CallCounter, Ensured, ErrorKind, LiveError};
use counting::CountCalls;

/// Where and as whom to connect; `None` fields fall back to the standard AWS chain.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// The region for ECR and STS (IAM is global), e.g. `ap-southeast-1`.
    pub region: String,
    /// A named profile of the shared AWS config; `None` for the default chain.
    pub profile: Option<String>,
    /// Another endpoint for every service (LocalStack, a proxy); `None` for AWS's own.
    pub endpoint_url: Option<String>,
    /// Attempts per call, the first included, with the SDK's standard retry mode; 0 counts as 1.
    pub max_attempts: u32,
    /// Access key id and secret, instead of the standard chain (tests, one account each).
    pub static_credentials: Option<(String, String)>,
    /// A role to assume with the credentials above (a target in another account).
    pub assume_role: Option<AssumeRole>,
    /// The run's lanes, and the account its calls are metered to (an id, or `caller` for the
    /// credentials' own account); `None`: calls wait for no lane.
    pub lanes: Option<(Lanes, String)>,
}

/// A role assumed through STS; the SDK refreshes the session before it expires, so long runs
/// (`drift --every`) outlive it.
#[derive(Debug, Clone)]
pub struct AssumeRole {
    /// The role to assume.
    pub role_arn: String,
    /// The external ID the role's trust policy asks for, if any.
    pub external_id: Option<String>,
    /// Recognisable in CloudTrail: `betekk-ecr-<stack>`.
    pub session_name: String,
    /// How long each session lasts; IAM caps it at the role's maximum session duration.
    pub duration: std::time::Duration,
}

/// The SDK-backed implementation of every live trait.
#[derive(Clone)]
pub struct SdkAws {
    pub(crate) ecr: aws_sdk_ecr::Client,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) ssm: aws_sdk_ssm::Client,
    counter: CallCounter,
    lanes: Vec<Lane>,
}

impl SdkAws {
    /// Loads the shared AWS configuration (assuming the role when asked) and builds the ECR, IAM
    /// and STS clients with one shared call counter. Credentials are resolved lazily: missing ones
    /// show up as [`ErrorKind::NoCredentials`] on the first call, not here.
    pub async fn connect(options: &ConnectOptions) -> Self {
        // Standard mode, full jitter, 100 ms doubling to at most 5 s (up to ~11 s of waits over 8
        // attempts). Adaptive mode's client-side rate limiter dropped to ~0.5 requests/s after one
        // throttle: 21x the clean apply time at 20% faults against 1.4x here (bench/README.md,
        // "Retries under faults"). The SDK's retry quota still stops retry storms.
        let retry = RetryConfig::standard()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(5))
            .with_max_attempts(options.max_attempts.max(1));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(options.region.clone()))
            .retry_config(retry);
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &options.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some((key, secret)) = &options.static_credentials {
            loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
                key,
                secret,
                None,
                None,
                "betekk-ecr-static",
            ));
        }
        let mut shared = loader.load().await;
        if let Some(role) = &options.assume_role {
            let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
                .session_name(&role.session_name)
                .session_length(role.duration)
                .region(Region::new(options.region.clone()))
                .configure(&shared);
            if let Some(id) = &role.external_id {
                provider = provider.external_id(id);
            }
            let provider = provider.build().await;
            shared = shared
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        let counter = CallCounter::default();
        let lane = |service: Service| {
            options
                .lanes
                .as_ref()
                .map(|(lanes, account)| lanes.lane(LaneKey::new(service, account, &options.region)))
        };
        let (ecr_lane, iam_lane, sts_lane, ssm_lane) = (
            lane(Service::Ecr),
            lane(Service::Iam),
            lane(Service::Sts),
            lane(Service::Ssm),
        );
        let https = options.lanes.as_ref().map(|_| laned::https_client());
        // Each service's calls go out through its lane's client; without lanes, the SDK's default.
        let client_of = |lane: &Option<Lane>| {
            https
                .as_ref()
                .zip(lane.as_ref())
                .map(|(https, lane)| laned::LanedClient::new(https.clone(), lane.clone()))
        };
        let mut ecr = aws_sdk_ecr::config::Builder::from(&shared)
            .interceptor(CountCalls::new(counter.clone(), ecr_lane.clone()));
        if let Some(http) = client_of(&ecr_lane) {
            ecr = ecr.http_client(http);
        }
        // IAM is global: against AWS the SDK resolves the global endpoint from the shared region.
        let mut iam = aws_sdk_iam::config::Builder::from(&shared)
            .interceptor(CountCalls::new(counter.clone(), iam_lane.clone()));
        if let Some(http) = client_of(&iam_lane) {
            iam = iam.http_client(http);
        }
        let mut sts = aws_sdk_sts::config::Builder::from(&shared)
            .interceptor(CountCalls::new(counter.clone(), sts_lane.clone()));
        if let Some(http) = client_of(&sts_lane) {
            sts = sts.http_client(http);
        }
        let mut ssm = aws_sdk_ssm::config::Builder::from(&shared)
            .interceptor(CountCalls::new(counter.clone(), ssm_lane.clone()));
        if let Some(http) = client_of(&ssm_lane) {
            ssm = ssm.http_client(http);
        }
        let (ecr, iam, sts, ssm) = (ecr.build(), iam.build(), sts.build(), ssm.build());
        SdkAws {
            ssm: aws_sdk_ssm::Client::from_conf(ssm),
            ecr: aws_sdk_ecr::Client::from_conf(ecr),
            iam: aws_sdk_iam::Client::from_conf(iam),
            sts: aws_sdk_sts::Client::from_conf(sts),
            counter,
            lanes: [ecr_lane, iam_lane, sts_lane, ssm_lane]
                .into_iter()
                .flatten()
                .collect(),
        }
    }
}

impl Aws for SdkAws {
    fn stats(&self) -> ApiStats {
        let mut stats = self.counter.snapshot();
        stats.lanes = self
            .lanes
            .iter()
            .map(Lane::stats)
            .filter(|(_, s)| s.calls > 0)
            .collect();
        stats
    }
}

/// Translates an SDK error, keeping it whole as the source.
pub(crate) fn live_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> LiveError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (kind, code) = match &err {
        SdkError::DispatchFailure(_) if caused_by_credentials(&err) => {
            (ErrorKind::NoCredentials, None)
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => (ErrorKind::Unreachable, None),
        _ => match err.code() {
            Some(code) => (LiveError::kind_of_code(code), Some(code.to_string())),
            None => (ErrorKind::Other, None),
        },
    };
    LiveError::new(operation, kind, code, Displayed(err))
}

/// Whether the request never left because no credentials could be loaded.
fn caused_by_credentials(err: &(dyn StdError + 'static)) -> bool {
    let mut source = err.source();
    while let Some(cause) = source {
        if cause.is::<aws_credential_types::provider::error::CredentialsError>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The SDK's `Display` says only "service error"; this shows every cause on one line, without the
/// `Debug` dump `DisplayErrorContext` appends.
struct Displayed<E>(E);

impl<E: StdError + 'static> std::fmt::Display for Displayed<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl<E: StdError + 'static> std::fmt::Debug for Displayed<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl<E: StdError + 'static> StdError for Displayed<E> {}

/// Maps a not-found error to `None`, anything else to an error.
pub(crate) fn not_found_as_none<T>(result: Result<T, LiveError>) -> Result<Option<T>, LiveError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Maps one not-found error code to `None`; any other error, another not-found among them (the
/// repository itself rather than its policy), stays an error.
fn none_when_code<T>(code: &str, result: Result<T, LiveError>) -> Result<Option<T>, LiveError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code.as_deref() == Some(code) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A write's result, with the error of `kind` (already exists, not found) read as "nothing to do".
pub(crate) fn ensured_unless(
    kind: ErrorKind,
    result: Result<(), LiveError>,
) -> Result<Ensured, LiveError> {
    match result {
        Ok(()) => Ok(Ensured::Done),
        Err(e) if e.kind == kind => Ok(Ensured::NotNeeded),
        Err(e) => Err(e),
    }
}

pub(crate) fn build_error(
    operation: &'static str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> LiveError {
    LiveError::new(operation, ErrorKind::Invalid, None, e)
}

/// A value this tool does not know yet (AWS added one) is an error rather than a guess.
pub(crate) fn unknown(operation: &'static str, what: &str) -> LiveError {
    LiveError::new(
        operation,
        ErrorKind::Other,
        None,
        std::io::Error::other(format!("AWS answered an unknown {what}")),
    )
}

/// A prefix as ECR may hand it back (`prod/`): a rule's or a template's key, without the slash AWS assumes.
pub(crate) fn prefix_key(prefix: &str) -> String {
    prefix.trim_end_matches('/').to_string()
}
