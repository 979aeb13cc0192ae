//! The provider calls: exchange the code (with the PKCE verifier) for an access token,
//! then read who the person is. Google: the OpenID Connect userinfo endpoint. GitHub:
//! `/user` and `/user/emails` (the profile address is often hidden). Every call has the
//! client's timeout.

use anyhow::{anyhow, bail, Context};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{Provider, ProviderConfig};

/// Who the provider says the person is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The provider's stable id for the person.
    pub subject: String,
    /// Lower-cased.
    pub email: String,
    /// The provider vouches that the person controls `email`.
    pub email_verified: bool,
    pub given_name: String,
    pub family_name: String,
    /// A username to start from (GitHub login, or the address's local part).
    pub username_hint: String,
}

/// The client for provider calls: short timeouts, a User-Agent (GitHub requires one).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("Gatehouse/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a plain reqwest client builds")
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
}

/// Exchanges the code and reads the profile.
pub async fn profile(
    http: &reqwest::Client,
    config: &ProviderConfig,
    code: &str,
    verifier: &str,
    redirect_uri: &url::Url,
) -> anyhow::Result<Profile> {
    let response = http
        .post(config.token_url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("client_id", config.client_id.as_str()),
            ("client_secret", config.client_secret.expose_secret()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .context("token request")?;
    let status = response.status();
    let answer: TokenAnswer = response.json().await.context("token answer")?;
    // GitHub reports a bad code with 200 and an `error` field.
    let token = match (status.is_success(), answer.access_token, answer.error) {
        (true, Some(token), None) => token,
        (_, _, error) => bail!("token endpoint answered {status} ({error:?})"),
    };
    match config.provider {
        Provider::Google => google(http, config, &token).await,
        Provider::GitHub => github(http, config, &token).await,
    }
}

#[derive(Deserialize)]
struct GoogleUser {
    sub: String,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
}

async fn google(
    http: &reqwest::Client,
    config: &ProviderConfig,
    token: &str,
) -> anyhow::Result<Profile> {
    let user: GoogleUser = http
        .get(config.profile_url.clone())
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
        .context("userinfo answer")?;
    let email = user
        .email
        .ok_or_else(|| anyhow!("no email in the userinfo"))?
        .to_lowercase();
    Ok(Profile {
        subject: user.sub,
        username_hint: email.split('@').next().unwrap_or_default().to_owned(),
        email,
        email_verified: user.email_verified,
        given_name: user.given_name.unwrap_or_default(),
        family_name: user.family_name.unwrap_or_default(),
    })
}

#[derive(Deserialize)]
struct GitHubUser {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct GitHubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

async fn github(
    http: &reqwest::Client,
    config: &ProviderConfig,
    token: &str,
) -> anyhow::Result<Profile> {
    let get = |path: &str| {
        let url = config.profile_url.join(path);
        async move {
            http.get(url?)
                .bearer_auth(token)
                .header(reqwest::header::ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .send()
                .await?
                .error_for_status()
                .map_err(anyhow::Error::from)
        }
    };
    let user: GitHubUser = get("user").await?.json().await.context("user answer")?;
    let emails: Vec<GitHubEmail> = get("user/emails")
        .await?
        .json()
        .await
        .context("emails answer")?;
    let primary = emails
        .iter()
        .find(|e| e.primary)
        .ok_or_else(|| anyhow!("no primary email"))?;
    let (given_name, family_name) = match user.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => match name.rsplit_once(' ') {
            Some((given, family)) => (given.to_owned(), family.to_owned()),
            None => (name.to_owned(), String::new()),
        },
        _ => (String::new(), String::new()),
    };
    Ok(Profile {
        subject: user.id.to_string(),
        email: primary.email.to_lowercase(),
        email_verified: primary.verified,
        given_name,
        family_name,
        username_hint: user.login,
    })
}
