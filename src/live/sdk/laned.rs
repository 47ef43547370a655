//! The HTTP client every SDK call goes out through: the SDK's default HTTPS client, with each
//! attempt waiting for a slot in its lane first (`live::lanes`). The slot is held while the
//! request is in flight, not during the SDK's retry backoff.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;

use crate::live::lanes::Lane;

/// The SDK's default client as `aws-smithy-runtime` builds it for `default-https-client`:
/// rustls with aws-lc, proxies from the environment.
pub(crate) fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    Builder::new().build_with_connector_fn(move |settings, runtime_components| {
        let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = runtime_components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(ProxyConfig::from_env()));
        builder.build()
    })
}

/// `inner`, with every attempt in `lane`.
#[derive(Debug, Clone)]
pub(crate) struct LanedClient {
    inner: SharedHttpClient,
    lane: Lane,
}

impl LanedClient {
    pub(crate) fn new(inner: SharedHttpClient, lane: Lane) -> Self {
        LanedClient { inner, lane }
    }
}

impl HttpClient for LanedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LanedConnector {
            inner: self.inner.http_connector(settings, components),
            lane: self.lane.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }
}

#[derive(Debug)]
struct LanedConnector {
    inner: SharedHttpConnector,
    lane: Lane,
}

impl HttpConnector for LanedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let lane = self.lane.clone();
        HttpConnectorFuture::new(async move {
            let _slot = lane.acquire().await;
            inner.call(request).await
        })
    }
}
