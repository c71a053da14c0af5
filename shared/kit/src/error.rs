//! One domain error, mapped to HTTP in one place, with a stable `code`.
//!
//! What a client reads is meant for it: a 500 says only that something failed and the
//! correlation id under which the cause was logged (`internal`, header `X-Correlation-Id`);
//! a database that is down, busy or full answers 503/507 in plain words, its driver's text
//! going to the log. App code asks an error what it means ([`ApiError::kind`]), not which
//! HTTP status it has.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use liftoff_types::ErrorBody;

/// The stable code of a write refused for lack of storage.
pub const STORAGE_FULL: &str = "storage_full";

/// What an error means, whatever status it is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    Unavailable,
    StorageFull,
    Internal,
}

/// The header that carries a 500's correlation id.
pub const CORRELATION_ID: &str = "x-correlation-id";

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Seconds for `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn invalid_field(message: impl Into<String>) -> Self {
        Self::bad_request("invalid_field", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message);
        e.retry_after = Some(2);
        e
    }
    /// The database cannot take a write for lack of space (507 `storage_full`): not the
    /// request's fault, and worth retrying once space is freed.
    pub fn storage_full(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::INSUFFICIENT_STORAGE, STORAGE_FULL, message);
        e.retry_after = Some(5);
        e
    }
    pub fn is_storage_full(&self) -> bool {
        self.code == STORAGE_FULL
    }
    /// What the error means.
    pub fn kind(&self) -> ErrorKind {
        match self.status {
            StatusCode::UNAUTHORIZED => ErrorKind::Unauthenticated,
            StatusCode::FORBIDDEN => ErrorKind::Forbidden,
            StatusCode::NOT_FOUND => ErrorKind::NotFound,
            StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED => ErrorKind::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::TooLarge,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                ErrorKind::Unavailable
            }
            StatusCode::INSUFFICIENT_STORAGE => ErrorKind::StorageFull,
            s if s.is_client_error() => ErrorKind::Invalid,
            _ => ErrorKind::Internal,
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    /// A peer service answered with an error or could not be reached.
    pub fn from_peer(peer: &str, err: liftoff_client::ClientError) -> Self {
        match err {
            liftoff_client::ClientError::Api { status: 404, body } => {
                Self::not_found(body.error.message)
            }
            liftoff_client::ClientError::Api { status, body } if (400..500).contains(&status) => {
                Self::new(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                    &body.error.code,
                    body.error.message,
                )
            }
            other => {
                tracing::warn!(peer, error = %other, "peer call failed");
                Self::unavailable(format!("{peer} is unavailable: {other}"))
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.kind() == ErrorKind::Internal {
            // The cause goes to the log under an id the client can quote; never to the client.
            let id = uuid::Uuid::now_v7().simple().to_string();
            tracing::error!(correlation_id = %id, code = %self.code, message = %self.message, "request failed");
            res.insert_header((CORRELATION_ID, id.clone()));
            return res.json(ErrorBody::new(
                "internal",
                format!("internal error; the cause is logged under correlation id {id}"),
            ));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(ErrorBody::new(self.code.clone(), self.message.clone()))
    }
}

/// A database fault the client can do nothing about but wait: logged with its driver text,
/// answered in plain words.
fn storage_fault(err: ApiError, cause: &dyn std::fmt::Display) -> ApiError {
    tracing::warn!(code = %err.code, cause = %cause, "database fault");
    err
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        let unavailable =
            || Self::unavailable("the service's storage is unavailable; retry shortly");
        match err {
            Error::NotFound => Self::not_found("not found"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                // The constraint's name and values are the schema's, not the client's business.
                Self::conflict("conflict", "already exists")
            }
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                ref info,
            ) => {
                crate::db::note_lost();
                storage_fault(unavailable(), &info.message())
            }
            Error::BrokenTransactionManager => storage_fault(unavailable(), &err),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, ref info) => {
                storage_fault(unavailable(), &info.message())
            }
            // Neither driver gives diesel a kind for these (diesel's `DatabaseErrorKind` has
            // none, and SQLSTATE is not passed on), so their stable texts are matched:
            // SQLite's SQLITE_FULL ("database or disk is full"), PostgreSQL's disk_full
            // (53100, "could not extend file ... No space left on device"), and a write that
            // fails at the file system.
            Error::DatabaseError(_, ref info)
                if [
                    "database or disk is full",
                    "No space left on device",
                    "could not extend file",
                ]
                .iter()
                .any(|m| info.message().contains(m)) =>
            {
                storage_fault(
                    Self::storage_full("the service's storage is full; retry once space is freed"),
                    &info.message(),
                )
            }
            // SQLITE_BUSY, and PostgreSQL's admin_shutdown (57P01) and lost connections.
            Error::DatabaseError(_, ref info)
                if info.message().contains("database is locked")
                    || info.message().contains("terminating connection")
                    || info.message().contains("server closed the connection") =>
            {
                storage_fault(unavailable(), &info.message())
            }
            // A value read back that its type refuses (an unknown status string): diesel's
            // text names only the field, the cause is in the chain. All of it goes into the
            // message, which a 500 logs under its correlation id and never sends.
            Error::DeserializationError(_) => {
                Self::internal(format!("database value unreadable: {}", causes(&err)))
            }
            other => Self::internal(format!("database error: {}", causes(&other))),
        }
    }
}

/// `err` and every error it was caused by, outermost first.
fn causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    text
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        Self::internal(format!("stored JSON unreadable: {err}"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::body::MessageBody;
    use diesel::sql_types::Text;
    use diesel::{Connection, IntoSql, RunQueryDsl, SqliteConnection};
    use liftoff_types::registry::HostState;

    use super::*;

    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);

    impl Write for Log {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A status string no variant has, read back from a column: the 500 says only where the
    /// cause is logged; the log has the cause (the unknown string) under that id.
    #[test]
    fn an_unreadable_stored_value_is_logged_with_its_cause_and_never_sent() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        let err = diesel::select("Vanished".into_sql::<Text>())
            .get_result::<HostState>(&mut c)
            .unwrap_err();
        assert!(matches!(
            err,
            diesel::result::Error::DeserializationError(_)
        ));
        let api = ApiError::from(err);
        assert_eq!(api.kind(), ErrorKind::Internal);
        assert!(api.message.contains("\"Vanished\""), "{}", api.message);

        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let res = tracing::subscriber::with_default(subscriber, || api.error_response());
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let id = res
            .headers()
            .get(CORRELATION_ID)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let body = res.into_body().try_into_bytes().unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains(&id), "{body}");
        assert!(
            !body.contains("Vanished") && !body.contains("deserializ"),
            "{body}"
        );
        let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        let line = logged
            .lines()
            .find(|l| l.contains(&id))
            .unwrap_or_else(|| panic!("no log line with the correlation id {id}: {logged}"));
        assert!(line.contains("unknown host state \"Vanished\""), "{line}");
    }
}
