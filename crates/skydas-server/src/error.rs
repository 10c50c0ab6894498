//! The one error type of every handler. It maps to a status and a short public message;
//! internal details go to the log, never to the client.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or wrong credentials.
    #[error("authentication required")]
    Unauthorized,
    /// Authenticated, but the role does not allow it.
    #[error("forbidden")]
    Forbidden,
    /// The form's CSRF token is missing or wrong.
    #[error("invalid or missing csrf token")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("too many failed logins; try again later")]
    TooManyRequests,
    #[error("internal error")]
    Internal(String),
}

impl From<skydas_store::StoreError> for ApiError {
    fn from(e: skydas_store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<skydas_app::AppError> for ApiError {
    fn from(e: skydas_app::AppError) -> Self {
        match e {
            skydas_app::AppError::Usage(m) => ApiError::BadRequest(m),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!("request failed: {detail}");
        }
        let status = self.status();
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        if status == StatusCode::UNAUTHORIZED {
            (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response()
        } else {
            (status, body).into_response()
        }
    }
}
