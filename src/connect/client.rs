//! Making a [`Connect`]: from Lambda's environment, or for a local endpoint (the emulator), with
//! the retry policy of `retry` and the `trail` and `wire` interceptors on every client.

use aws_sdk_connect::Client;

use super::consistency::{ReadAgain, Recent};
use super::retry::{Tuning, configure};
use super::trail::Trail;
use super::{Connect, wire};

impl Connect {
    /// A client from the environment (Lambda's credentials and Region, the SDK's endpoint overrides)
    /// whose HTTPS connections trust `trust`'s certificates.
    pub async fn from_env(trust: &crate::tls::Trust) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::https::for_sdk(trust));
        // Lambda puts the role's credentials in the environment. Naming that provider skips
        // building the rest of the default chain, whose web-identity provider makes an STS client
        // at every cold start. Elsewhere (a laptop), the default chain: profiles with keys work in
        // any build; IAM Identity Center (SSO), credential_process and `aws login` profiles need
        // the `local-credentials` cargo feature, which the deployed build leaves out.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            loader = loader.credentials_provider(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            );
        }
        let shared = loader.load().await;
        Self::from_config(
            configure(
                aws_sdk_connect::config::Builder::from(&shared),
                Tuning::default(),
            )
            .build(),
        )
    }

    /// A client for a given endpoint with fixed test credentials: for the local emulator.
    pub fn for_endpoint(endpoint: &str) -> Self {
        Self::for_endpoint_trusting(endpoint, &crate::tls::Trust::default())
    }

    /// Like [`Connect::for_endpoint`], for an HTTPS endpoint whose certificate `trust` vouches for.
    pub fn for_endpoint_trusting(endpoint: &str, trust: &crate::tls::Trust) -> Self {
        Self::local(endpoint, trust, Tuning::default())
    }

    /// [`Connect::for_endpoint`] with other retry and timeout settings.
    pub fn for_endpoint_tuned(endpoint: &str, tuning: Tuning) -> Self {
        Self::local(endpoint, &crate::tls::Trust::default(), tuning)
    }

    fn local(endpoint: &str, trust: &crate::tls::Trust, tuning: Tuning) -> Self {
        let credentials =
            aws_sdk_connect::config::Credentials::new("AKIDLOCAL", "local", None, None, "local");
        let config = aws_sdk_connect::Config::builder()
            .behavior_version(aws_sdk_connect::config::BehaviorVersion::latest())
            .region(aws_sdk_connect::config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .http_client(crate::https::for_sdk(trust))
            .endpoint_url(endpoint);
        Self::from_config(configure(config, tuning).build())
    }

    /// A client from a finished SDK config.
    pub fn from_config(config: aws_sdk_connect::Config) -> Self {
        let attempt_timeout = config
            .timeout_config()
            .and_then(|t| t.operation_attempt_timeout());
        let trail = Trail::new(attempt_timeout);
        let config = config
            .to_builder()
            .interceptor(trail.clone())
            .interceptor(wire::OmitNotGiven)
            .build();
        Connect {
            client: Client::from_conf(config),
            trail,
            read_again: ReadAgain::default(),
            recent: Recent::default(),
        }
    }

    /// This client reading again as `read_again` says (tests shorten the window).
    pub fn with_read_again(mut self, read_again: ReadAgain) -> Self {
        self.read_again = read_again;
        self
    }
}
