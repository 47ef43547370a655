//! The fault proxy itself: the SDK reads its errors as AWS's own, a lost response really happened
//! on the emulator, and a seed gives the same faults for the same requests, in any order.

use aws_config::retry::RetryConfig;
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use futures::future::join_all;

use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, REGION, endpoint};

/// Plain SDK config for this account against `url`, with `attempts` tries per call.
async fn config(acct: &Account, url: &str, attempts: u32) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(url)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(std::time::Duration::from_millis(1)),
        )
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            &acct.id, "test", None, None, "test",
        ))
        .load()
        .await
}

/// Code, message and HTTP status of a service error; "dispatch" / "response" for the others.
fn describe<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    err: &SdkError<E, aws_smithy_runtime_api::http::Response<R>>,
) -> (String, String, u16) {
    match err {
        SdkError::ServiceError(e) => (
            err.code().unwrap_or("<none>").to_string(),
            err.message().unwrap_or("<none>").to_string(),
            e.raw().status().as_u16(),
        ),
        SdkError::DispatchFailure(_) => ("dispatch".into(), String::new(), 0),
        SdkError::ResponseError(_) => ("response".into(), String::new(), 0),
        other => (format!("{other:?}"), String::new(), 0),
    }
}

/// Code, message (empty: any) and HTTP status an error must have.
type Wanted = (&'static str, &'static str, u16);

#[tokio::test]
async fn faults_are_read_by_the_sdk_as_each_services_own_errors() {
    let acct = Account::new();
    let cases: [(Faults, [Wanted; 3]); 4] = [
        (
            Faults {
                throttle: 1.0,
                ..Faults::default()
            },
            [
                ("Throttling", "Rate exceeded", 400),
                ("Throttling", "Rate exceeded", 400),
                ("ThrottlingException", "Rate exceeded", 400),
            ],
        ),
        (
            Faults {
                error_500: 1.0,
                ..Faults::default()
            },
            [
                ("InternalFailure", "", 500),
                ("InternalFailure", "", 500),
                ("ServerException", "Internal error", 500),
            ],
        ),
        (
            Faults {
                error_503: 1.0,
                ..Faults::default()
            },
            [
                ("ServiceUnavailable", "", 503),
                ("ServiceUnavailable", "", 503),
                ("ServiceUnavailableException", "Service Unavailable", 503),
            ],
        ),
        (
            Faults {
                reset: 1.0,
                ..Faults::default()
            },
            [
                ("dispatch", "", 0),
                ("dispatch", "", 0),
                ("dispatch", "", 0),
            ],
        ),
    ];
    for (faults, [want_iam, want_sts, want_ecr]) in cases {
        let proxy = FaultProxy::start(1, &faults);
        let conf = config(&acct, proxy.url(), 1).await;
        let iam = aws_sdk_iam::Client::new(&conf);
        let sts = aws_sdk_sts::Client::new(&conf);
        let ecr = aws_sdk_ecr::Client::new(&conf);
        let got = [
            describe(&iam.list_roles().send().await.unwrap_err()),
            describe(&sts.get_caller_identity().send().await.unwrap_err()),
            describe(&ecr.describe_repositories().send().await.unwrap_err()),
        ];
        for ((code, message, status), (want_code, want_message, want_status)) in
            got.iter().zip([want_iam, want_sts, want_ecr])
        {
            assert_eq!(code, want_code, "{faults:?}: {got:?}");
            assert_eq!(*status, want_status, "{faults:?}: {got:?}");
            if !want_message.is_empty() {
                assert_eq!(message, want_message, "{faults:?}: {got:?}");
            }
        }
        assert_eq!(proxy.stats()["faults"], 3);
    }
}

#[tokio::test]
async fn a_lost_response_is_an_error_to_the_client_but_happened_on_the_emulator() {
    let acct = Account::new();
    let direct = config(&acct, endpoint(), 1).await;

    let proxy = FaultProxy::start(
        2,
        &Faults {
            lost_500: 1.0,
            only: vec!["CreateRepository"],
            ..Faults::default()
        },
    );
    let ecr = aws_sdk_ecr::Client::new(&config(&acct, proxy.url(), 1).await);
    let err = ecr
        .create_repository()
        .repository_name("betekk-lost")
        .send()
        .await
        .unwrap_err();
    assert_eq!(describe(&err).0, "ServerException");
    let found = aws_sdk_ecr::Client::new(&direct)
        .describe_repositories()
        .repository_names("betekk-lost")
        .send()
        .await
        .expect("the repository exists although its creation 'failed'");
    assert_eq!(found.repositories().len(), 1);
    // Anything else goes through.
    ecr.describe_repositories().send().await.unwrap();

    let proxy = FaultProxy::start(
        2,
        &Faults {
            lost_reset: 1.0,
            only: vec!["CreateRole"],
            ..Faults::default()
        },
    );
    let iam = aws_sdk_iam::Client::new(&config(&acct, proxy.url(), 1).await);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let err = iam
        .create_role()
        .role_name("betekk-lost")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap_err();
    assert_eq!(describe(&err).0, "dispatch", "{err:?}");
    aws_sdk_iam::Client::new(&direct)
        .get_role()
        .role_name("betekk-lost")
        .send()
        .await
        .expect("the role exists although its creation 'failed'");
    assert_eq!(proxy.injected("lost-reset"), 1);
}

/// What each of 60 distinct requests got: an answer, or which error.
async fn outcomes(acct: &Account, url: &str, concurrently: bool) -> Vec<String> {
    let iam = aws_sdk_iam::Client::new(&config(acct, url, 1).await);
    let one = |i: usize| {
        let iam = iam.clone();
        async move {
            match iam.get_role().role_name(format!("r{i}")).send().await {
                Ok(_) => "ok".to_string(),
                Err(e) => describe(&e).0,
            }
        }
    };
    if concurrently {
        // Last first, all at once: arrival order is another one entirely.
        let mut got = join_all((0..60).rev().map(one)).await;
        got.reverse();
        got
    } else {
        let mut got = Vec::new();
        for i in 0..60 {
            got.push(one(i).await);
        }
        got
    }
}

#[tokio::test]
async fn a_seed_gives_the_same_faults_for_the_same_requests_in_any_order() {
    let faults = Faults {
        throttle: 0.15,
        error_500: 0.15,
        error_503: 0.15,
        reset: 0.15,
        ..Faults::default()
    };
    // Two accounts: account ids in requests do not change the draw.
    let (first, second) = (Account::new(), Account::new());
    let one = outcomes(&first, FaultProxy::start(42, &faults).url(), false).await;
    let again = outcomes(&second, FaultProxy::start(42, &faults).url(), true).await;
    assert_eq!(one, again);
    let faulted = one.iter().filter(|o| *o != "NoSuchEntity").count();
    assert!(
        (10..=50).contains(&faulted),
        "{faulted} of 60 faulted at 60%: {one:?}"
    );
    let other_seed = outcomes(&first, FaultProxy::start(43, &faults).url(), false).await;
    assert_ne!(one, other_seed);
}
