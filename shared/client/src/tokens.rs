//! deployment-api's teams, team tokens and revocation feed.

use liftoff_types::tokens::*;

use crate::{ClientError, DeploymentApiClient, enc};

impl DeploymentApiClient {
    pub async fn create_team(&self, req: &CreateTeam) -> Result<Team, ClientError> {
        self.0.post("/v1/teams", req).await
    }

    pub async fn list_teams(&self) -> Result<TeamList, ClientError> {
        self.0.get("/v1/teams").await
    }

    pub async fn get_team(&self, team: &str) -> Result<Team, ClientError> {
        self.0.get(&format!("/v1/teams/{}", enc(team))).await
    }

    /// Disables (`true`) or enables a team.
    pub async fn set_team_disabled(&self, team: &str, disabled: bool) -> Result<Team, ClientError> {
        let action = if disabled { "disable" } else { "enable" };
        self.0
            .post(
                &format!("/v1/teams/{}/{action}", enc(team)),
                &serde_json::json!({}),
            )
            .await
    }

    pub async fn create_token(
        &self,
        team: &str,
        req: &CreateToken,
    ) -> Result<CreatedToken, ClientError> {
        self.0
            .post(&format!("/v1/teams/{}/tokens", enc(team)), req)
            .await
    }

    pub async fn list_tokens(&self, team: &str) -> Result<TokenList, ClientError> {
        self.0.get(&format!("/v1/teams/{}/tokens", enc(team))).await
    }

    pub async fn revoke_token(&self, jti: &str) -> Result<RevokedToken, ClientError> {
        self.0
            .post(
                &format!("/v1/tokens/{}/revoke", enc(jti)),
                &serde_json::json!({}),
            )
            .await
    }

    /// Revokes a credential a service issued, e.g. a deregistered host's (service credential).
    pub async fn revoke_credential(
        &self,
        req: &RevokeCredential,
    ) -> Result<RevokedToken, ClientError> {
        self.0.post("/v1/tokens/revocations", req).await
    }

    /// Puts the credentials a service's outbox events revoke on the feed (service credential;
    /// events of type `credential.revocation`). A credential already on it changes nothing.
    pub async fn record_credential_revocations(
        &self,
        batch: &liftoff_types::history::EventBatch,
    ) -> Result<liftoff_types::history::IngestResult, ClientError> {
        self.0.post("/v1/tokens/revocation-events", batch).await
    }

    /// The revocation feed after `after` (service credential).
    pub async fn token_revocations(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<RevocationPage, ClientError> {
        self.0
            .get(&format!(
                "/v1/tokens/revocations?after={after}&limit={limit}"
            ))
            .await
    }
}
